/**
 * The vault: the identity at rest in the data folder (`vault.json`, mode 0600). Every secret is
 * a standard NIP-49 `ncryptsec` under the user's password; nothing secret is stored in clear.
 *
 * ```json
 * { "format": "otp2p-vault", "version": 1, "account": 0, "pubkey": "<hex>",
 *   "words": 24, "passphrase": false,
 *   "nostr": "ncryptsec1...",               // NIP-06 secret key (importable into any NIP-49 client)
 *   "entropy": "ncryptsec1...",             // BIP39 entropy, zero-padded to 32 bytes
 *   "seed": ["ncryptsec1...", "ncryptsec1..."] }  // the 64-byte BIP39 seed (passphrase applied)
 * ```
 *
 * The seed is stored because a BIP39 passphrase is not: with it the vault can derive the BIP84
 * account of any network.
 *
 * Version 2 adds `identity`, the kind of Nostr identity (version 1 files are `seed`):
 * - `seed`: `nostr` is the NIP-06 key of the seed, as in version 1;
 * - `nsec`: `nostr` is an imported key, and the seed serves the Bitcoin wallet only;
 * - `bunker`: the user's key lives in a NIP-46 remote signer; `nostr` is otp2p's own session key
 *   for talking to it, and `bunker` (public) says where the signer listens. `pubkey` is the
 *   user's key as the signer reported it at pairing. All ncryptsecs of one vault share one salt and cost, so unlocking runs
 * scrypt once; each still has its own random nonce and opens with any NIP-49 tool.
 *
 * The password and mnemonic never appear in an error message, a log line or `context`.
 */
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { OtP2pError } from '../core/errors.ts';
import { equalBytes, isHex } from '../core/bytes.ts';
import type { Random } from '../core/random.ts';
import { cryptoRandom } from '../core/random.ts';
import { checkMnemonic, entropyMnemonic, mnemonicEntropy, mnemonicToSeed } from './mnemonic.ts';
import { checkAccount, publicKeyOf } from './nip06.ts';
import type { BitcoinNetwork } from './bip84.ts';
import { identityFromSeed, publicIdentity } from './identity.ts';
import { npubEncode } from './nip19.ts';

import type { Identity } from './identity.ts';
import type { KeySecurity, Ncryptsec } from './nip49.ts';
import { NIP49_DEFAULT_LOG_N, nip49Key, nip49OpenWithKey, nip49SealWithKey, parseNcryptsec } from './nip49.ts';

/** Which Nostr identity a vault holds (see the file's top comment). */
export type VaultIdentityKind = 'seed' | 'nsec' | 'bunker';

/** Where a remote signer listens (public: no secret in it). */
export interface VaultBunker {
  pubkey: string;
  relays: string[];
}

/** The vault file's JSON. */
export interface VaultFile {
  format: 'otp2p-vault';
  version: 1 | 2;
  /** Absent in version 1 (= `seed`). */
  identity?: VaultIdentityKind;
  /** The remote signer of a `bunker` identity. */
  bunker?: VaultBunker;
  account: number;
  /** Public: lets tools show who this is and lets unlock check integrity. */
  pubkey: string;
  /** Mnemonic word count (12..24). */
  words: number;
  /** Whether a BIP39 passphrase was used (the passphrase itself is not stored). */
  passphrase: boolean;
  nostr: string;
  entropy: string;
  seed: [string, string];
}

/** Options for {@link createVault}. */
export interface CreateVaultOptions {
  passphrase?: string;
  account?: number;
  /** scrypt cost (default 16). Lower only in tests. */
  logN?: number;
  /** NIP-49 key security byte: 1 for a mnemonic generated here, 2 (default) for an imported one. */
  keySecurity?: KeySecurity;
  /** Network of the returned identity (the vault itself is network-independent). */
  network?: BitcoinNetwork;
  bech32Prefix?: string;
  random?: Random;
  /**
   * A Nostr identity other than the seed's: an imported key, or a remote signer with otp2p's
   * session key. The mnemonic then serves the Bitcoin wallet only.
   */
  nostr?: VaultNostrImport;
}

/** The Nostr side of a vault that is not the seed's own NIP-06 key. */
export type VaultNostrImport =
  | { kind: 'nsec'; secretKey: Uint8Array }
  | { kind: 'bunker'; clientSecretKey: Uint8Array; userPubkey: string; bunker: VaultBunker };

/** The Nostr key an unlocked vault holds. Secret: never log or serialise. */
export type VaultNostrKey =
  | { kind: 'seed' | 'nsec'; secretKey: Uint8Array }
  | { kind: 'bunker'; clientSecretKey: Uint8Array; bunker: VaultBunker };

/** Options for {@link unlockVault}. */
export interface UnlockOptions {
  network?: BitcoinNetwork;
  bech32Prefix?: string;
}

/**
 * Check a password for a new vault.
 * @throws OtP2pError `no-password` when missing or empty.
 */
export function checkNewPassword(password: unknown): string {
  if (typeof password !== 'string' || password.length === 0) {
    throw new OtP2pError('no-password', 'a non-empty password is required to protect the vault');
  }
  return password;
}

/**
 * Encrypt a mnemonic into a new vault file at `path`. Refuses to replace an existing file.
 * @returns the identity (for `options.network`).
 * @throws OtP2pError `identity-exists`, `bad-mnemonic`, `no-password`, `bad-derivation-path`,
 *   `scrypt-too-costly`, `io-error`.
 */
export function createVault(
  path: string,
  mnemonic: string,
  password: string,
  options: CreateVaultOptions = {},
): Identity {
  if (existsSync(path))
    throw new OtP2pError('identity-exists', `an identity already exists at ${path}; refusing to overwrite it`, {
      context: { path },
    });
  checkNewPassword(password);
  const m = checkMnemonic(mnemonic);
  const account = checkAccount(options.account ?? 0);
  const random = options.random ?? cryptoRandom;
  const logN = options.logN ?? NIP49_DEFAULT_LOG_N;
  const keySecurity = options.keySecurity ?? 2;
  const passphrase = options.passphrase ?? '';
  const seed = mnemonicToSeed(m, passphrase);
  const entropy = mnemonicEntropy(m);
  const padded = new Uint8Array(32);
  padded.set(entropy);
  const seedId = identityFromSeed(seed, {
    account,
    ...(options.network ? { network: options.network } : {}),
    ...(options.bech32Prefix !== undefined ? { bech32Prefix: options.bech32Prefix } : {}),
  });
  const imported = options.nostr;
  const id = withNostr(seedId, imported === undefined ? undefined : importedKey(imported));
  const nostrSecret =
    imported === undefined
      ? seedId.secretKey
      : imported.kind === 'nsec'
        ? imported.secretKey
        : imported.clientSecretKey;
  const salt = random.bytes(16);
  const key = nip49Key(password, salt, logN);
  const seal = (bytes: Uint8Array): string => nip49SealWithKey(bytes, key, salt, logN, keySecurity, random);
  const file: VaultFile = {
    format: 'otp2p-vault',
    version: imported === undefined ? 1 : 2,
    ...(imported === undefined ? {} : { identity: imported.kind }),
    ...(imported?.kind === 'bunker'
      ? { bunker: { pubkey: imported.bunker.pubkey, relays: [...imported.bunker.relays] } }
      : {}),
    account,
    pubkey: id.pubkey,
    words: m.split(' ').length,
    passphrase: passphrase !== '',
    nostr: seal(nostrSecret),
    entropy: seal(padded),
    seed: [seal(seed.subarray(0, 32)), seal(seed.subarray(32, 64))],
  };
  key.fill(0);
  seed.fill(0);
  padded.fill(0);
  writeExclusive(path, `${JSON.stringify(file, null, 2)}\n`);
  return id;
}

/** The user's key of an imported identity: the key itself, or the pubkey a remote signer reported. */
function importedKey(n: VaultNostrImport): { pubkey: string; secretKey?: Uint8Array } {
  if (n.kind === 'nsec') return { pubkey: publicKeyOf(n.secretKey), secretKey: n.secretKey };
  if (!isHex(n.userPubkey, 32))
    throw new OtP2pError('bad-key', "the remote signer's user pubkey must be 64 lowercase hex");
  if (!isHex(n.bunker.pubkey, 32))
    throw new OtP2pError('bad-key', "the remote signer's pubkey must be 64 lowercase hex");
  publicKeyOf(n.clientSecretKey); // validates the session key
  return { pubkey: n.userPubkey };
}

/**
 * The seed's identity with another Nostr key: the BIP84 account stays the seed's. Without a
 * secret key (a remote signer) reading `secretKey` throws, so a code path that would sign with
 * a local key fails loudly instead of signing as the wrong identity.
 */
function withNostr(seedId: Identity, nostr: { pubkey: string; secretKey?: Uint8Array } | undefined): Identity {
  if (nostr === undefined) return seedId;
  const id = {
    account: seedId.account,
    pubkey: nostr.pubkey,
    npub: npubEncode(nostr.pubkey),
    bitcoin: seedId.bitcoin,
  } as Identity;
  const secret = nostr.secretKey === undefined ? undefined : Uint8Array.from(nostr.secretKey);
  Object.defineProperty(id, 'secretKey', {
    enumerable: false,
    get: () => {
      if (secret === undefined)
        throw new OtP2pError(
          'no-identity',
          'this identity signs through a NIP-46 remote signer; no secret key is held here',
        );
      return secret;
    },
  });
  Object.defineProperty(id, 'toJSON', { value: () => publicIdentity(id), enumerable: false });
  return id;
}

/** Write a new file atomically, failing if `path` exists (link(2) does not replace). */
function writeExclusive(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(tmp, text, { mode: 0o600, flag: 'wx' });
    linkSync(tmp, path);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'EEXIST' && existsSync(path)) {
      throw new OtP2pError('identity-exists', `an identity already exists at ${path}; refusing to overwrite it`, {
        context: { path },
      });
    }
    throw new OtP2pError('io-error', `cannot write the vault at ${path}: ${(cause as Error).message}`, {
      cause,
      context: { path },
    });
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
  }
}

function badVault(path: string, what: string): OtP2pError {
  return new OtP2pError('bad-vault', `vault ${path} is damaged: ${what}`, { context: { path } });
}

/**
 * Read and validate the vault file's structure (no password needed, nothing decrypted).
 * @throws OtP2pError `no-identity` (missing), `bad-vault` (malformed), `io-error`.
 */
export function readVaultFile(path: string): VaultFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new OtP2pError('no-identity', `no identity at ${path}; run 'otp2p init' first`, { context: { path } });
    }
    throw new OtP2pError('io-error', `cannot read the vault at ${path}`, { cause, context: { path } });
  }
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw badVault(path, 'not JSON');
  }
  if (typeof v !== 'object' || v === null || v.format !== 'otp2p-vault') throw badVault(path, 'not an otp2p vault');
  if (v.version !== 1 && v.version !== 2) throw badVault(path, `unsupported version ${String(v.version)}`);
  if (v.version === 2 && !['seed', 'nsec', 'bunker'].includes(v.identity as string))
    throw badVault(path, 'bad identity kind');
  if (v.identity === 'bunker') {
    const b = v.bunker as Record<string, unknown> | undefined;
    if (
      typeof b !== 'object' ||
      b === null ||
      !isHex(b.pubkey, 32) ||
      !Array.isArray(b.relays) ||
      b.relays.length === 0 ||
      b.relays.some((r) => typeof r !== 'string')
    ) {
      throw badVault(path, 'bad remote signer');
    }
  }
  if (typeof v.account !== 'number' || !Number.isInteger(v.account) || v.account < 0 || v.account > 0x7fffffff)
    throw badVault(path, 'bad account');
  if (!isHex(v.pubkey, 32)) throw badVault(path, 'bad pubkey');
  if (typeof v.words !== 'number' || ![12, 15, 18, 21, 24].includes(v.words)) throw badVault(path, 'bad word count');
  if (typeof v.passphrase !== 'boolean') throw badVault(path, 'bad passphrase flag');
  const seed = v.seed;
  if (
    typeof v.nostr !== 'string' ||
    typeof v.entropy !== 'string' ||
    !Array.isArray(seed) ||
    seed.length !== 2 ||
    seed.some((s) => typeof s !== 'string')
  ) {
    throw badVault(path, 'missing ncryptsec fields');
  }
  return v as unknown as VaultFile;
}

/** Whether a vault file exists at `path`. */
export function vaultExists(path: string): boolean {
  return existsSync(path);
}

/** Everything an unlocked vault holds. Secret: never log or serialise. */
export interface UnlockedVault {
  identity: Identity;
  /** The 64-byte BIP39 seed. */
  seed: Uint8Array;
  /** The mnemonic, for a backup export only. */
  mnemonic: string;
  /** The Nostr key: the seed's, an imported one, or the session key of a remote signer. */
  nostr: VaultNostrKey;
}

/**
 * Decrypt the whole vault and check it is consistent.
 * @throws OtP2pError `no-identity`, `bad-vault`, `bad-password` (wrong password),
 *   `scrypt-too-costly`, `bad-ncryptsec`.
 */
export function openVault(path: string, password: string, options: UnlockOptions = {}): UnlockedVault {
  const file = readVaultFile(path);
  if (typeof password !== 'string') throw new OtP2pError('no-password', 'a password is required to unlock the vault');
  let parts: Ncryptsec[];
  try {
    parts = [file.nostr, file.entropy, file.seed[0], file.seed[1]].map(parseNcryptsec);
  } catch (cause) {
    if (cause instanceof OtP2pError && cause.code === 'scrypt-too-costly') throw cause;
    throw new OtP2pError('bad-vault', `vault ${path} holds a malformed ncryptsec`, { cause, context: { path } });
  }
  const [nostr, entropy, seedLo, seedHi] = parts as [Ncryptsec, Ncryptsec, Ncryptsec, Ncryptsec];
  for (const p of parts) {
    if (p.logN !== nostr.logN || !equalBytes(p.salt, nostr.salt))
      throw badVault(path, 'ncryptsecs do not share one salt and cost');
  }
  const key = nip49Key(password, nostr.salt, nostr.logN);
  try {
    // The first one tells a wrong password; after that an authentication failure means damage.
    const secretKey = nip49OpenWithKey(nostr, key);
    const open = (n: Ncryptsec, what: string): Uint8Array => {
      try {
        return nip49OpenWithKey(n, key);
      } catch {
        throw badVault(path, `${what} does not authenticate`);
      }
    };
    const padded = open(entropy, 'entropy');
    const seed = new Uint8Array(64);
    seed.set(open(seedLo, 'seed'), 0);
    seed.set(open(seedHi, 'seed'), 32);
    const entropyBytes = (file.words / 3) * 4;
    if (padded.subarray(entropyBytes).some((b) => b !== 0)) throw badVault(path, 'entropy padding is not zero');
    const mnemonic = entropyMnemonic(padded.slice(0, entropyBytes));
    padded.fill(0);
    if (!file.passphrase && !equalBytes(mnemonicToSeed(mnemonic), seed))
      throw badVault(path, 'seed does not match the mnemonic');
    const seedId = identityFromSeed(seed, {
      account: file.account,
      ...(options.network ? { network: options.network } : {}),
      ...(options.bech32Prefix !== undefined ? { bech32Prefix: options.bech32Prefix } : {}),
    });
    const kind = file.identity ?? 'seed';
    if (kind === 'seed') {
      if (!equalBytes(seedId.secretKey, secretKey) || seedId.pubkey !== file.pubkey)
        throw badVault(path, 'keys do not match the seed');
      secretKey.fill(0);
      return { identity: seedId, seed, mnemonic, nostr: { kind, secretKey: seedId.secretKey } };
    }
    if (kind === 'nsec') {
      if (publicKeyOf(secretKey) !== file.pubkey)
        throw badVault(path, 'the imported key does not match the recorded pubkey');
      return {
        identity: withNostr(seedId, { pubkey: file.pubkey, secretKey }),
        seed,
        mnemonic,
        nostr: { kind, secretKey },
      };
    }
    const bunker = file.bunker as VaultBunker;
    return {
      identity: withNostr(seedId, { pubkey: file.pubkey }),
      seed,
      mnemonic,
      nostr: { kind, clientSecretKey: secretKey, bunker: { pubkey: bunker.pubkey, relays: [...bunker.relays] } },
    };
  } finally {
    key.fill(0);
  }
}

/**
 * Unlock the vault: the identity it holds (Nostr key and BIP84 account for `options.network`).
 * @throws OtP2pError as {@link openVault}.
 */
export function unlockVault(path: string, password: string, options: UnlockOptions = {}): Identity {
  const v = openVault(path, password, options);
  v.seed.fill(0);
  return v.identity;
}
