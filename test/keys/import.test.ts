/** Reading a Nostr key the user brings: nsec, 64 hex, ncryptsec with its password; typed errors that never quote it. */
import { describe, expect, it } from 'vitest';
import { OtP2pError } from '../../src/core/errors.ts';
import { parseSecretKeyText, vaultNsec } from '../../src/keys/import.ts';
import { nip49Encrypt } from '../../src/keys/nip49.ts';
import { nsecEncode } from '../../src/keys/nip19.ts';
import { join } from 'node:path';
import { generateMnemonic } from '../../src/keys/mnemonic.ts';
import { createVault, openVault } from '../../src/keys/vault.ts';
import { tmpDir } from '../helpers/tmp.ts';

const SK = new Uint8Array(32).fill(0x11);
const HEX = '11'.repeat(32);

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof OtP2pError) {
      expect(e.message).not.toContain(HEX);
      return e.code;
    }
    throw e;
  }
  throw new Error('accepted');
}

describe('parseSecretKeyText', () => {
  it('reads the three forms to the same key', () => {
    const n = nip49Encrypt(SK, 'pw', { logN: 1 });
    for (const [text, pw, format] of [
      [nsecEncode(SK), undefined, 'nsec'],
      [` ${HEX.toUpperCase()} `, undefined, 'hex'],
      [n, 'pw', 'ncryptsec'],
    ] as const) {
      const k = parseSecretKeyText(text, pw);
      expect(Buffer.from(k.secretKey).toString('hex')).toBe(HEX);
      expect(k.format).toBe(format);
    }
  });

  it('refuses bad input with exact codes, never quoting it', () => {
    expect(codeOf(() => parseSecretKeyText(`${HEX}00`))).toBe('bad-key');
    expect(codeOf(() => parseSecretKeyText('00'.repeat(32)))).toBe('bad-key'); // zero is not a scalar
    expect(codeOf(() => parseSecretKeyText('ff'.repeat(32)))).toBe('bad-key'); // above the curve order
    expect(codeOf(() => parseSecretKeyText(`${nsecEncode(SK).slice(0, -1)}q`))).toBe('bad-checksum');
    const n = nip49Encrypt(SK, 'pw', { logN: 1 });
    expect(codeOf(() => parseSecretKeyText(n))).toBe('no-password');
    expect(codeOf(() => parseSecretKeyText(n, 'wrong'))).toBe('bad-password');
  });

  it('vaultNsec gives the imported key, and refuses a remote-signer vault', () => {
    const dir = tmpDir();
    const mnemonic = generateMnemonic();
    createVault(join(dir, 'nsec.json'), mnemonic, 'pw', { logN: 4, nostr: { kind: 'nsec', secretKey: SK } });
    expect(vaultNsec(openVault(join(dir, 'nsec.json'), 'pw'))).toBe(nsecEncode(SK));
    createVault(join(dir, 'bunker.json'), mnemonic, 'pw', {
      logN: 4,
      nostr: {
        kind: 'bunker',
        clientSecretKey: new Uint8Array(32).fill(0x22),
        userPubkey: 'ab'.repeat(32),
        bunker: { pubkey: 'cd'.repeat(32), relays: ['ws://127.0.0.1:7000'] },
      },
    });
    expect(codeOf(() => vaultNsec(openVault(join(dir, 'bunker.json'), 'pw')))).toBe('not-exportable');
  });
});
