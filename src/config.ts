/**
 * The user's configuration (`config.json` in the data folder). Validated field by field: a bad
 * value names its key and what was expected.
 */
import { OtP2pError, describeValue } from './core/errors.ts';
import { isRecord, parseJson } from './core/json.ts';

/** Everything configurable. Unknown keys are refused so typos do not silently do nothing. */
export interface Config {
  /** Relays to read from and publish to, unless `--relay` overrides. */
  relays: string[];
  /** Bitcoin network for the BIP84 account and on-chain legs. */
  network: 'mainnet' | 'testnet' | 'regtest';
  /** Bitcoin Core compatible JSON-RPC endpoint for on-chain legs (credentials in the URL or below). */
  bitcoinRpc: { url: string; user: string; password: string } | null;
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

/** Defaults: the embedded local relay only, so nothing leaves the machine until the user says so. */
export const DEFAULT_CONFIG: Config = Object.freeze({
  relays: ['ws://127.0.0.1:7777'],
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

type Check = (value: unknown, key: string) => void;

function bad(key: string, expected: string, value: unknown): never {
  throw new OtP2pError('bad-config', `config key ${key} must be ${expected}, got ${describeValue(value)}`, {
    context: { key },
  });
}

const int = (min: number, max: number): Check => (v, k) => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) bad(k, `an integer in ${min}..${max}`, v);
};

/** Validate one relay URL (ws:// or wss://). @throws OtP2pError `bad-relay-url`. */
export function checkRelayUrl(url: unknown, field = 'relay'): string {
  if (typeof url !== 'string') throw new OtP2pError('bad-relay-url', `${field} must be a ws:// or wss:// URL, got ${describeValue(url)}`);
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new OtP2pError('bad-relay-url', `${field} is not a URL: ${describeValue(url)}`, { context: { field } });
  }
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') {
    throw new OtP2pError('bad-relay-url', `${field} must use ws:// or wss://, got ${describeValue(url)}`, { context: { field } });
  }
  return url;
}

const CHECKS: Record<keyof Config, Check> = {
  relays: (v, k) => {
    if (!Array.isArray(v)) bad(k, 'an array of relay URLs', v);
    v.forEach((u, i) => checkRelayUrl(u, `${k}[${i}]`));
  },
  network: (v, k) => {
    if (v !== 'mainnet' && v !== 'testnet' && v !== 'regtest') bad(k, 'one of mainnet, testnet, regtest', v);
  },
  bitcoinRpc: (v, k) => {
    if (v === null) return;
    if (!isRecord(v) || typeof v.url !== 'string' || typeof v.user !== 'string' || typeof v.password !== 'string') {
      bad(k, 'null or { url, user, password } strings', v);
    }
  },
  confirmations: int(0, 100),
  trustDepth: int(1, 6),
  attestersK: int(1, 1000),
  maxDegree: int(1, 12),
  maxHops: int(1, 12),
  maxExposurePerPeer: (v, k) => {
    if (typeof v !== 'string' || !/^(0|[1-9][0-9]{0,18})$/.test(v)) bad(k, 'an integer string', v);
  },
  otData: (v, k) => {
    if (v !== null && (typeof v !== 'string' || v.length === 0)) bad(k, 'null or a folder path', v);
  },
  simulatedNotaries: (v, k) => {
    if (!Array.isArray(v) || v.length > 64) bad(k, 'an array of at most 64 folder paths', v);
    v.forEach((d, i) => {
      if (typeof d !== 'string' || d.length === 0) bad(`${k}[${i}]`, 'a folder path', d);
    });
  },
  otUser: (v, k) => {
    if (v !== null && (typeof v !== 'string' || v.length === 0 || v.length > 200 || v.startsWith('issuer:'))) bad(k, 'null or an owner name (1..200 characters, not issuer:...)', v);
  },
  limits: (v, k) => {
    if (!isRecord(v)) bad(k, 'an object', v);
    for (const f of ['maxEventBytes', 'maxTags', 'maxTagValueBytes', 'maxFutureSeconds'] as const) {
      if (!(f in v)) bad(`${k}.${f}`, 'present', undefined);
      int(0, 16 * 1024 * 1024)(v[f], `${k}.${f}`);
    }
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
  if (!isRecord(value)) bad('(root)', 'an object', value);
  return validateConfig({ ...DEFAULT_CONFIG, ...value });
}

/** Validate a whole configuration object. @throws OtP2pError `bad-config`. */
export function validateConfig(value: Record<string, unknown>): Config {
  for (const key of Object.keys(value)) {
    if (!Object.hasOwn(CHECKS, key)) {
      throw new OtP2pError('bad-config', `unknown config key ${key}; known keys: ${CONFIG_KEYS.join(', ')}`, { context: { key } });
    }
  }
  for (const key of CONFIG_KEYS) CHECKS[key](value[key], key);
  return value as unknown as Config;
}
