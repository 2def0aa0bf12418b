/**
 * The user's configuration (`config.json` in the data folder). Validated field by field: a bad
 * value names its key and what was expected.
 */
import * as check from './core/assert.ts';
import type { BitcoinNetwork } from './core/assets.ts';
import { BITCOIN_NETWORKS } from './core/assets.ts';
import { OtP2pError } from './core/errors.ts';
import { isRecord, parseJson } from './core/json.ts';
import { normalizeRelayUrl } from './core/relay-url.ts';

/** Everything configurable. Unknown keys are refused so typos do not silently do nothing. */
export interface Config {
  /** Relays to read from and publish to, unless `--relay` overrides (canonical form, `core/relay-url.ts`). */
  relays: string[];
  /**
   * Relays trusted with the identity: their NIP-42 challenges are answered at once. Every other
   * relay gets an AUTH only when it asks for one for what was requested (`auth-required:`), so a
   * read-only command does not reveal the npub to every relay that challenges (canonical form).
   */
  trustedAuthRelays: string[];
  /** Bitcoin network for the BIP84 account and on-chain legs (whose asset is `btc@<chain>`, `core/assets.ts`). */
  network: BitcoinNetwork;
  /**
   * Bitcoin Core compatible JSON-RPC endpoint for on-chain legs. The password is never kept here:
   * it comes from the node's cookie file (`cookieFile`) or `$OTP2P_BITCOIN_RPC_PASSWORD`
   * (`bitcoin/open.ts`). A `password` left by an older version is kept only to name it in the
   * error that says how to move it.
   */
  bitcoinRpc: BitcoinRpcConfig | null;
  /** Confirmations an on-chain hop waits for before forwarding. */
  confirmations: number;
  /** Follow depth for the web of trust (mint attestations). */
  trustDepth: number;
  /** Minimum number of independent attesters for a mint to count as consistent. */
  attestersK: number;
  /** Social radius for routing (follow steps from the payer). */
  maxDegree: number;
  /** Maximum transfers in a path. */
  maxHops: number;
  /** Per-peer exposure limit in the payer's base units (integer string). */
  maxExposurePerPeer: string;
  /** The OT client data folder this peer reads (read-only), or null. */
  otData: string | null;
  /** Simulated notary folders (`otp2p notary init`) this peer holds accounts on, shared with other processes. */
  simulatedNotaries: string[];
  /** The owner name this peer uses at the simulated notaries (its accounts), or null. */
  otUser: string | null;
  /** Limits applied to every incoming event. */
  limits: { maxEventBytes: number; maxTags: number; maxTagValueBytes: number; maxFutureSeconds: number };
}

/** The `bitcoinRpc` key. */
export interface BitcoinRpcConfig {
  url: string;
  /** RPC user (with the password from the environment); ignored with `cookieFile`. */
  user?: string;
  /** The node's `.cookie` file (`__cookie__:<password>`), read at each start. */
  cookieFile?: string;
  /** @deprecated Plaintext password from an older version: refused when the wallet opens. */
  password?: string;
}

/** Defaults: the embedded local relay only, so nothing leaves the machine until the user says so. */
export const DEFAULT_CONFIG: Config = Object.freeze({
  relays: ['ws://127.0.0.1:7777'],
  trustedAuthRelays: [],
  network: 'mainnet',
  bitcoinRpc: null,
  confirmations: 1,
  trustDepth: 2,
  attestersK: 3,
  maxDegree: 6,
  maxHops: 6,
  maxExposurePerPeer: '100000',
  otData: null,
  simulatedNotaries: [],
  otUser: null,
  limits: Object.freeze({ maxEventBytes: 60 * 1024, maxTags: 2000, maxTagValueBytes: 1024, maxFutureSeconds: 900 }),
}) as Config;

/** Checks one key's value; returns the value to keep (relay URLs in their canonical form). */
type Check = (value: unknown, key: string) => unknown;

const CODE = 'bad-config';
const int =
  (min: number, max: number): Check =>
  (v, k) =>
    check.integer(v, k, CODE, min, max);
const nullOr =
  (read: Check): Check =>
  (v, k) =>
    v === null ? null : read(v, k);
const nonEmpty =
  (expected: string, maxLength = Number.MAX_SAFE_INTEGER): Check =>
  (v, k) =>
    check.string(v, k, CODE, { minLength: 1, maxLength, expected });

const relayList: Check = (v, k) => check.array(v, k, CODE).map((u, i) => normalizeRelayUrl(u, `${k}[${i}]`));

const CHECKS: Record<keyof Config, Check> = {
  relays: relayList,
  trustedAuthRelays: relayList,
  network: (v, k) => check.oneOf(v, k, CODE, BITCOIN_NETWORKS),
  bitcoinRpc: (v, k) => {
    if (v === null) return v;
    const known = ['url', 'user', 'cookieFile', 'password'];
    if (
      !isRecord(v) ||
      typeof v.url !== 'string' ||
      Object.keys(v).some((f) => !known.includes(f)) ||
      ['user', 'cookieFile', 'password'].some((f) => v[f] !== undefined && typeof v[f] !== 'string')
    ) {
      // The value may hold the RPC password: name its shape, never quote it.
      check.fail(CODE, k, 'null or { url, user?, cookieFile? } strings', isRecord(v) ? 'an object' : typeof v);
    }
    return v;
  },
  confirmations: int(0, 100),
  trustDepth: int(1, 6),
  attestersK: int(1, 1000),
  maxDegree: int(1, 12),
  maxHops: int(1, 12),
  maxExposurePerPeer: (v, k) =>
    check.string(v, k, CODE, { re: /^(0|[1-9][0-9]{0,18})$/, expected: 'an integer string' }),
  otData: nullOr(nonEmpty('null or a folder path')),
  simulatedNotaries: (v, k) => check.array(v, k, CODE, 64).map((d, i) => nonEmpty('a folder path')(d, `${k}[${i}]`)),
  otUser: nullOr((v, k) =>
    check.string(v, k, CODE, {
      re: /^(?!issuer:)/,
      minLength: 1,
      maxLength: 200,
      expected: 'null or an owner name (1..200 characters, not issuer:...)',
    }),
  ),
  limits: (v, k) => {
    const o = check.record(v, k, CODE);
    for (const f of ['maxEventBytes', 'maxTags', 'maxTagValueBytes', 'maxFutureSeconds'] as const) {
      if (!(f in o)) check.fail(CODE, `${k}.${f}`, 'present', undefined);
      int(0, 16 * 1024 * 1024)(o[f], `${k}.${f}`);
    }
    return v;
  },
};

/** The top-level configuration keys. */
export const CONFIG_KEYS = Object.keys(CHECKS) as (keyof Config)[];

/**
 * Parse and validate configuration text; missing keys take their defaults.
 * @throws OtP2pError `bad-config` naming the key, `bad-json` when not JSON.
 */
export function parseConfig(text: string, source = 'config.json'): Config {
  const value = parseJson(text, source);
  return validateConfig({ ...DEFAULT_CONFIG, ...check.record(value, '(root)', CODE) });
}

/**
 * Validate a whole configuration object; returns a fresh object with relay URLs in canonical form.
 * @throws OtP2pError `bad-config` naming the key, `bad-relay-url` for a relay that is not one.
 */
export function validateConfig(value: Record<string, unknown>): Config {
  for (const key of Object.keys(value)) {
    if (!Object.hasOwn(CHECKS, key)) {
      throw new OtP2pError('bad-config', `unknown config key ${key}; known keys: ${CONFIG_KEYS.join(', ')}`, {
        context: { key, field: key },
      });
    }
  }
  const out: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) out[key] = CHECKS[key](value[key], key);
  return out as unknown as Config;
}
