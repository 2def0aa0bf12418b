/**
 * The three identities a vault holds (seed, imported nsec, NIP-46 remote signer), with the
 * official NIP-06 vectors as imported keys.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../../src/core/bytes.ts';
import { createVault, deriveIdentity, nip49Decrypt, openVault, readVaultFile } from '../../src/keys/index.ts';
import { publicKeyOf } from '../../src/keys/nip06.ts';
import { errorOf } from '../helpers/errors.ts';
import { HAS_SHARED, readVectors } from '../helpers/shared.ts';
import { tmpDir } from '../helpers/tmp.ts';

const BTC =
  'what bleak badge arrange retreat wolf trade produce cricket blur garlic valid proud rude strong choose busy staff weather area salt hollow arm fade';
const PW = 'pw';
const FAST = { logN: 2 };

describe('vault identities', () => {
  it.skipIf(!HAS_SHARED)(
    'an imported key (NIP-06 vectors) signs as itself; the Bitcoin wallet is the separate seed',
    () => {
      const spec = readVectors<{ spec: { private_key_hex: string; public_key_hex?: string; nsec?: string }[] }>(
        'nip06.vectors.json',
      ).spec;
      for (const v of spec) {
        const path = join(tmpDir(), 'vault.json');
        const sk = hexToBytes(v.private_key_hex);
        const created = createVault(path, BTC, PW, { ...FAST, nostr: { kind: 'nsec', secretKey: sk } });
        expect(created.pubkey).toBe(publicKeyOf(sk));
        if (v.public_key_hex) expect(created.pubkey).toBe(v.public_key_hex);
        const file = readVaultFile(path);
        expect(file).toMatchObject({ version: 2, identity: 'nsec', pubkey: created.pubkey });
        expect(bytesToHex(nip49Decrypt(file.nostr, PW))).toBe(v.private_key_hex);
        expect(readFileSync(path, 'utf8')).not.toContain(v.private_key_hex);
        const open = openVault(path, PW);
        expect(open.nostr.kind).toBe('nsec');
        expect(bytesToHex(open.identity.secretKey)).toBe(v.private_key_hex);
        expect(open.identity.bitcoin.firstAddress).toBe(deriveIdentity(BTC).bitcoin.firstAddress);
        expect(JSON.stringify(open.identity)).not.toContain(v.private_key_hex);
      }
    },
  );

  it('a remote-signer identity keeps only the session key and the signer pointer; no user secret', async () => {
    const path = join(tmpDir(), 'vault.json');
    const session = hexToBytes('3c'.repeat(32));
    const user = 'ab'.repeat(32);
    const created = createVault(path, BTC, PW, {
      ...FAST,
      nostr: {
        kind: 'bunker',
        clientSecretKey: session,
        userPubkey: user,
        bunker: { pubkey: 'cd'.repeat(32), relays: ['wss://relay.example.com'] },
      },
    });
    expect(created.pubkey).toBe(user);
    const file = readVaultFile(path);
    expect(file).toMatchObject({
      version: 2,
      identity: 'bunker',
      pubkey: user,
      bunker: { pubkey: 'cd'.repeat(32), relays: ['wss://relay.example.com'] },
    });
    const open = openVault(path, PW);
    expect(open.nostr).toMatchObject({ kind: 'bunker', bunker: { pubkey: 'cd'.repeat(32) } });
    expect(open.identity.pubkey).toBe(user);
    // Nothing may sign as the user with a local key by mistake.
    expect(errorOf(() => open.identity.secretKey).code).toBe('no-identity');
  });

  it('a version 1 vault still opens as a seed identity', () => {
    const path = join(tmpDir(), 'vault.json');
    const created = createVault(path, BTC, PW, FAST);
    expect(readVaultFile(path)).toMatchObject({ version: 1 });
    expect(readVaultFile(path).identity).toBeUndefined();
    const open = openVault(path, PW);
    expect(open.nostr.kind).toBe('seed');
    expect(open.identity.pubkey).toBe(created.pubkey);
  });

  it('a tampered identity kind is bad-vault', async () => {
    const path = join(tmpDir(), 'vault.json');
    createVault(path, BTC, PW, { ...FAST, nostr: { kind: 'nsec', secretKey: hexToBytes('7f'.repeat(32)) } });
    const text = readFileSync(path, 'utf8').replace('"identity": "nsec"', '"identity": "root"');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path, text);
    expect(errorOf(() => openVault(path, PW)).code).toBe('bad-vault');
  });
});
