/**
 * The Bitcoin RPC password typed once (`otp2p config set bitcoinRpc … --rpc-password-stdin`) and
 * kept encrypted under the vault password, never in config.json and never on the command line.
 *
 * Stored, not forgotten, because every command that pays on-chain needs it again, and retyping
 * it (or leaving it in a shell profile as `$OTP2P_BITCOIN_RPC_PASSWORD`) is worse than a sealed
 * file. Sealed with the vault's own password, salt and scrypt cost (`bitcoin-rpc-password.json`,
 * mode 0600): whoever can open the vault (the seed, the wallet's keys) can open it, nobody else.
 * The password's UTF-8 bytes, prefixed with their length (2 bytes) and zero-padded to 32-byte
 * blocks, are NIP-49 ncryptsecs, so no new cipher is involved and only the length to 32 bytes leaks.
 *
 * Where the password comes from, first match wins: `bitcoinRpc.cookieFile`, then
 * `$OTP2P_BITCOIN_RPC_PASSWORD`, then this file.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RPC_PASSWORD_ENV } from '../bitcoin/open.ts';
import { OtP2pError } from '../core/errors.ts';
import { nip49Key, nip49OpenWithKey, nip49SealWithKey, parseNcryptsec } from '../keys/nip49.ts';
import { readVaultFile } from '../keys/vault.ts';
import type { Home } from './home.ts';

/** The file in the data folder. */
export const RPC_PASSWORD_FILE = 'bitcoin-rpc-password.json';
/** Longest RPC password accepted, in UTF-8 bytes (Bitcoin Core's rpcauth passwords are far shorter). */
export const MAX_RPC_PASSWORD_BYTES = 254;

const FORMAT = 'otp2p-rpc-password';

interface SealedFile {
  format: typeof FORMAT;
  version: 1;
  sealed: string[];
}

/** Where the sealed password lives for `home`. */
export function rpcPasswordPath(home: Pick<Home, 'dir'>): string {
  return join(home.dir, RPC_PASSWORD_FILE);
}

/**
 * The vault's salt and cost, and the key they give with `vaultPassword`, checked against the
 * vault (a wrong password must not seal a file nobody can open).
 */
function vaultKey(
  home: Pick<Home, 'vaultPath'>,
  vaultPassword: string,
): { key: Uint8Array; salt: Uint8Array; logN: number } {
  const n = parseNcryptsec(readVaultFile(home.vaultPath).nostr);
  const key = nip49Key(vaultPassword, n.salt, n.logN);
  try {
    nip49OpenWithKey(n, key).fill(0);
  } catch (e) {
    key.fill(0);
    throw e;
  }
  return { key, salt: n.salt, logN: n.logN };
}

/**
 * Seal `password` under the vault password into the data folder (replacing any earlier one).
 * @throws OtP2pError `bad-input` (empty, too long, or a line break), `no-identity` (no vault),
 *   `bad-password` (wrong vault password), `io-error`.
 */
export function storeRpcPassword(home: Pick<Home, 'dir' | 'vaultPath'>, vaultPassword: string, password: string): void {
  const bytes = new TextEncoder().encode(password);
  if (bytes.length === 0 || bytes.length > MAX_RPC_PASSWORD_BYTES || /[\r\n]/.test(password))
    throw new OtP2pError(
      'bad-input',
      `the Bitcoin RPC password must be one line of 1 to ${MAX_RPC_PASSWORD_BYTES} bytes, got ${bytes.length} bytes`,
      { context: { field: 'rpc-password' } },
    );
  const padded = new Uint8Array(Math.ceil((bytes.length + 2) / 32) * 32);
  padded[0] = bytes.length >> 8;
  padded[1] = bytes.length & 0xff;
  padded.set(bytes, 2);
  const { key, salt, logN } = vaultKey(home, vaultPassword);
  try {
    const sealed: string[] = [];
    for (let i = 0; i < padded.length; i += 32)
      sealed.push(nip49SealWithKey(padded.subarray(i, i + 32), key, salt, logN));
    const file: SealedFile = { format: FORMAT, version: 1, sealed };
    const path = rpcPasswordPath(home);
    try {
      writeFileSync(`${path}.tmp`, `${JSON.stringify(file)}\n`, { mode: 0o600 });
      renameSync(`${path}.tmp`, path);
    } catch (cause) {
      throw new OtP2pError('io-error', `cannot write ${path}`, { cause });
    }
  } finally {
    key.fill(0);
    padded.fill(0);
  }
}

/** Remove a stored password (e.g. `bitcoinRpc` set to null). */
export function forgetRpcPassword(home: Pick<Home, 'dir'>): void {
  rmSync(rpcPasswordPath(home), { force: true });
}

/** Whether a sealed password is stored in the data folder. */
export function hasRpcPassword(home: Pick<Home, 'dir'>): boolean {
  return existsSync(rpcPasswordPath(home));
}

/**
 * The stored password, opened with the vault password; undefined when none is stored.
 * @throws OtP2pError `bad-config` when the file is damaged or no longer opens with the vault
 *   password (changed since: set it again), never quoting a secret.
 */
export function loadRpcPassword(home: Pick<Home, 'dir'>, vaultPassword: string): string | undefined {
  const path = rpcPasswordPath(home);
  if (!existsSync(path)) return undefined;
  const again = `set it again: otp2p config set bitcoinRpc '{…}' --rpc-password-stdin`;
  try {
    const file = JSON.parse(readFileSync(path, 'utf8')) as Partial<SealedFile>;
    if (file.format !== FORMAT || file.version !== 1 || !Array.isArray(file.sealed) || file.sealed.length === 0)
      throw new Error('not a sealed RPC password file');
    const parts = file.sealed.map((s) => parseNcryptsec(String(s)));
    const first = parts[0]!;
    const key = nip49Key(vaultPassword, first.salt, first.logN);
    const padded = new Uint8Array(parts.length * 32);
    try {
      for (const [i, p] of parts.entries()) padded.set(nip49OpenWithKey(p, key), i * 32);
      const len = (padded[0]! << 8) | padded[1]!;
      if (len === 0 || len + 2 > padded.length) throw new Error('bad length');
      return new TextDecoder('utf-8', { fatal: true }).decode(padded.subarray(2, 2 + len));
    } finally {
      key.fill(0);
      padded.fill(0);
    }
  } catch (cause) {
    throw new OtP2pError(
      'bad-config',
      `${path} does not open with the vault password (damaged, or the password changed): ${again}`,
      {
        cause,
        context: { key: 'bitcoinRpc', path },
      },
    );
  }
}

/**
 * The environment a wallet is opened with: `env`, plus the stored password as
 * `$OTP2P_BITCOIN_RPC_PASSWORD` when the environment does not set one (a copy: nothing is
 * exported to child processes).
 * @throws OtP2pError as {@link loadRpcPassword}.
 */
export function walletEnv(
  home: Pick<Home, 'dir'>,
  vaultPassword: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): Readonly<Record<string, string | undefined>> {
  if (env[RPC_PASSWORD_ENV] || vaultPassword === undefined) return env;
  const stored = loadRpcPassword(home, vaultPassword);
  return stored === undefined ? env : { ...env, [RPC_PASSWORD_ENV]: stored };
}
