/**
 * `npm run bench -- keys [--json]`: the cost of the key operations a user waits for.
 * - NIP-49 key derivation at the vault's default cost (scrypt log_n 16): ours (@noble/hashes)
 *   against node:crypto's native scrypt as the baseline, same parameters, same process.
 * - Vault unlock (one scrypt + four XChaCha20-Poly1305 opens + NIP-06/BIP84 derivation).
 * - deriveIdentity from a mnemonic (PBKDF2-HMAC-SHA512 x2048 + BIP32).
 */
import { scryptSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createVault, deriveIdentity, nip49Key, unlockVault } from '../src/keys/index.ts';
import { median, quantile, round } from './_stats.ts';

const M = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

function time(runs: number, fn: () => void): number[] {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    out.push(performance.now() - t);
  }
  return out;
}

export default async function main(args: string[]): Promise<void> {
  const json = args.includes('--json');
  const salt = new Uint8Array(16).fill(7);
  const ours = time(5, () => nip49Key('password', salt, 16));
  const native = time(5, () =>
    scryptSync(Buffer.from('password'), salt, 32, { N: 2 ** 16, r: 8, p: 1, maxmem: 2 ** 28 }),
  );
  const dir = mkdtempSync(join(tmpdir(), 'otp2p-bench-'));
  const vault = join(dir, 'vault.json');
  try {
    createVault(vault, M, 'password');
    const unlock = time(5, () => unlockVault(vault, 'password'));
    const derive = time(20, () => deriveIdentity(M));
    const res = {
      scrypt16_ms: round(median(ours)),
      scrypt16_p99_ms: round(quantile(ours, 0.99)),
      native_scrypt16_ms: round(median(native)),
      ratio_vs_native: round(median(native) / median(ours)),
      vault_unlock_ms: round(median(unlock)),
      derive_identity_ms: round(median(derive)),
    };
    if (json) console.log(JSON.stringify(res));
    else {
      console.log(
        `NIP-49 scrypt log_n 16 (@noble/hashes): median ${res.scrypt16_ms} ms, p99 ${res.scrypt16_p99_ms} ms`,
      );
      console.log(
        `baseline node:crypto scrypt:           median ${res.native_scrypt16_ms} ms (ours runs at ${res.ratio_vs_native}x its speed)`,
      );
      console.log(`vault unlock (log_n 16):               median ${res.vault_unlock_ms} ms`);
      console.log(`deriveIdentity (BIP39 + NIP-06 + BIP84): median ${res.derive_identity_ms} ms`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
