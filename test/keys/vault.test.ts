import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createVault,
  deriveIdentity,
  nip49Decrypt,
  openVault,
  readVaultFile,
  unlockVault,
} from '../../src/keys/index.ts';
import { bytesToHex } from '../../src/core/bytes.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { errorOf } from '../helpers/errors.ts';

const M24 =
  'what bleak badge arrange retreat wolf trade produce cricket blur garlic valid proud rude strong choose busy staff weather area salt hollow arm fade';
const M12 = 'leader monkey parrot ring guide accident before fence cannon height naive bean';
const PW = 'correct horse battery staple';
const FAST = { logN: 2 };

describe('vault', () => {
  it('stores only ncryptsecs, mode 0600, and unlocks to the same identity', () => {
    const path = join(tmpDir(), 'sub', 'vault.json');
    const created = createVault(path, M24, PW, FAST);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const text = readFileSync(path, 'utf8');
    for (const w of M24.split(' ').filter((w) => w.length > 4)) expect(text).not.toContain(w);
    expect(text).not.toContain(bytesToHex(created.secretKey));
    expect(text).not.toContain('prv');
    const file = readVaultFile(path);
    expect(file).toMatchObject({ version: 1, account: 0, words: 24, passphrase: false, pubkey: created.pubkey });
    // the Nostr key is a standard ncryptsec any NIP-49 client can open
    expect(nip49Decrypt(file.nostr, PW)).toEqual(created.secretKey);

    const v = openVault(path, PW);
    expect(v.mnemonic).toBe(M24);
    expect(v.identity.pubkey).toBe(deriveIdentity(M24).pubkey);
    expect(v.identity.secretKey).toEqual(created.secretKey);
    expect(v.identity.bitcoin.firstAddress).toBe(deriveIdentity(M24).bitcoin.firstAddress);
  });

  it('keeps 12-word mnemonics, the account and the passphrase-derived seed', () => {
    const path = join(tmpDir(), 'vault.json');
    createVault(path, M12, PW, { ...FAST, account: 3, passphrase: 'extra words' });
    const v = openVault(path, PW, { network: 'regtest', bech32Prefix: 'rb' });
    expect(v.mnemonic).toBe(M12);
    const want = deriveIdentity(M12, { account: 3, passphrase: 'extra words', network: 'regtest', bech32Prefix: 'rb' });
    expect(v.identity.npub).toBe(want.npub);
    expect(v.identity.bitcoin.path).toBe("m/84'/1'/3'");
    expect(v.identity.bitcoin.firstAddress).toBe(want.bitcoin.firstAddress);
    expect(v.identity.bitcoin.firstAddress.startsWith('rb1q')).toBe(true);
    expect(readVaultFile(path).passphrase).toBe(true);
  });

  it('refuses a wrong password with bad-password, without naming it', () => {
    const path = join(tmpDir(), 'vault.json');
    createVault(path, M24, PW, FAST);
    const e = errorOf(() => unlockVault(path, 'not the password'));
    expect(e.code).toBe('bad-password');
    expect(e.message).not.toContain('not the password');
    expect(e.message).not.toContain(PW);
  });

  it('refuses to overwrite an existing identity', () => {
    const path = join(tmpDir(), 'vault.json');
    createVault(path, M24, PW, FAST);
    const before = readFileSync(path, 'utf8');
    expect(errorOf(() => createVault(path, M12, PW, FAST)).code).toBe('identity-exists');
    expect(readFileSync(path, 'utf8')).toBe(before);
  });

  it('refuses an empty password and a bad mnemonic without writing anything', () => {
    const path = join(tmpDir(), 'vault.json');
    expect(errorOf(() => createVault(path, M24, '', FAST)).code).toBe('no-password');
    const e = errorOf(() => createVault(path, M24.replace('fade', 'wolf'), PW, FAST));
    expect(e.code).toBe('bad-mnemonic');
    expect(e.message).not.toContain('bleak');
    expect(existsSync(path)).toBe(false);
  });

  it('reports a missing vault as no-identity and damage as bad-vault', () => {
    const dir = tmpDir();
    expect(errorOf(() => unlockVault(join(dir, 'none.json'), PW)).code).toBe('no-identity');
    const path = join(dir, 'vault.json');
    createVault(path, M24, PW, FAST);
    const file = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;

    const write = (v: unknown): void => writeFileSync(path, typeof v === 'string' ? v : JSON.stringify(v));
    write('{ not json');
    expect(errorOf(() => unlockVault(path, PW)).code).toBe('bad-vault');
    write({ ...file, version: 2 });
    expect(errorOf(() => unlockVault(path, PW)).code).toBe('bad-vault');
    write({ ...file, seed: [(file.seed as string[])[1], (file.seed as string[])[0]] });
    expect(errorOf(() => unlockVault(path, PW)).code).toBe('bad-vault');
    write({ ...file, pubkey: 'ab'.repeat(32) });
    expect(errorOf(() => unlockVault(path, PW)).code).toBe('bad-vault');
    write({ ...file, entropy: 'ncryptsec1qqqq' });
    expect(errorOf(() => unlockVault(path, PW)).code).toBe('bad-vault');
    write(file);
    expect(unlockVault(path, PW).pubkey).toBe(file.pubkey);
  });
});
