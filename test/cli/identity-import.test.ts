/**
 * Bringing your own Nostr key: `init --nsec-stdin` with the NIP-06 and NIP-49 vectors (nsec, hex,
 * ncryptsec + password), `whoami` naming the kind and the expected npub, and `key export`.
 * Expected npubs come from the vectors and from nostr-tools, not from otp2p's own encoder.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as ntNip19 from 'nostr-tools/nip19';
import * as ntNip49 from 'nostr-tools/nip49';
import { getPublicKey as ntGetPublicKey } from 'nostr-tools/pure';
import { describe, expect, it } from 'vitest';
import { hexToBytes } from '../../src/core/bytes.ts';
import { deriveIdentity } from '../../src/keys/identity.ts';
import { runCli } from '../helpers/cli.ts';
import type { CliResult } from '../helpers/cli.ts';
import { HAS_SHARED, SHARED_MISSING, readVectors } from '../helpers/shared.ts';
import { tmpDir } from '../helpers/tmp.ts';

const PW = 'vault password, long enough';

interface Nip06Vector {
  mnemonic: string;
  private_key_hex: string;
  nsec: string;
  public_key_hex: string;
  npub: string;
}
interface Nip49Vectors {
  spec_decrypt: Array<{ ncryptsec: string; password: string; secret_key_hex: string }>;
  nostr_tools_roundtrip: Array<{ ncryptsec: string; password: string; secret_key_hex: string }>;
}

/** Every file of the data folder, as text. */
function folderText(dir: string): string {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => readFileSync(join(e.parentPath, e.name)).toString('latin1'))
    .join('\n');
}

function expectNoLeak(r: CliResult, ...secrets: string[]): void {
  for (const s of secrets) {
    expect(r.stderr).not.toContain(s);
    expect(r.stdout).not.toContain(s);
  }
}

async function initWith(stdin: string, extra: string[] = []): Promise<{ home: string; init: CliResult }> {
  const home = join(tmpDir(), 'home');
  const init = await runCli(['init', '--nsec-stdin', '--password-stdin', '--json', '--home', home, ...extra], {
    stdin,
  });
  return { home, init };
}

describe.skipIf(!HAS_SHARED)(
  `otp2p init --nsec-stdin with the NIP-06 / NIP-49 vectors ${HAS_SHARED ? '' : SHARED_MISSING}`,
  () => {
    const nip06 = HAS_SHARED ? readVectors<{ spec: Nip06Vector[] }>('nip06.vectors.json').spec : [];
    const nip49 = HAS_SHARED ? readVectors<Nip49Vectors>('nip49.vectors.json') : undefined;

    it('imports an nsec1: whoami says "nsec" and the vector npub; the Bitcoin seed is separate; key export round-trips', async () => {
      const v = nip06[0] as Nip06Vector;
      const { home, init } = await initWith(`${v.nsec}\n${PW}\n`);
      expect(init.code).toBe(0);
      const out = init.json[0] as { npub: string; pubkey: string; identity: { kind: string }; mnemonic: string };
      expect(out).toMatchObject({ npub: v.npub, pubkey: v.public_key_hex, identity: { kind: 'nsec' } });
      // The generated Bitcoin seed is not the Nostr key's: its own NIP-06 key is someone else.
      expect(out.mnemonic.split(' ')).toHaveLength(24);
      expect(deriveIdentity(out.mnemonic).pubkey).not.toBe(v.public_key_hex);
      expectNoLeak(init, v.nsec, v.private_key_hex, PW);
      const files = folderText(home);
      expect(files).not.toContain(v.nsec);
      expect(files).not.toContain(v.private_key_hex);
      expect(files).not.toContain(out.mnemonic.split(' ').slice(0, 3).join(' '));

      const who = await runCli(['whoami', '--json', '--home', home], { env: { OTP2P_PASSWORD: PW } });
      expect(who.code).toBe(0);
      expect(who.json[0]).toMatchObject({ npub: v.npub, identity: { kind: 'nsec' } });
      expect((who.json[0] as { bitcoin: unknown }).bitcoin).toEqual((init.json[0] as { bitcoin: unknown }).bitcoin);
      const text = await runCli(['whoami', '--home', home], { env: { OTP2P_PASSWORD: PW } });
      expect(text.stdout).toMatch(/^identity: +imported nsec/m);

      // Default export: an ncryptsec that nostr-tools opens with the vault password.
      const exp = await runCli(['key', 'export', '--home', home], { env: { OTP2P_PASSWORD: PW } });
      expect(exp.code).toBe(0);
      const ncryptsec = exp.stdout.trim();
      expect(ncryptsec.startsWith('ncryptsec1')).toBe(true);
      expect(Buffer.from(ntNip49.decrypt(ncryptsec, PW)).toString('hex')).toBe(v.private_key_hex);

      // Plaintext: refused when stdout is not a terminal (exit 2), printed with --yes.
      const refused = await runCli(['key', 'export', '--nsec', '--json', '--home', home], {
        env: { OTP2P_PASSWORD: PW },
      });
      expect(refused.code).toBe(2);
      expect(refused.json[0]).toMatchObject({ error: { code: 'not-a-terminal' } });
      expectNoLeak(refused, v.nsec, v.private_key_hex);
      const yes = await runCli(['key', 'export', '--nsec', '--yes', '--home', home], { env: { OTP2P_PASSWORD: PW } });
      expect(yes.code).toBe(0);
      expect(yes.stdout.trim()).toBe(v.nsec);
      expect(yes.stderr).not.toContain(v.nsec);

      // On a terminal: printed only after 'show' is typed there; anything else prints nothing.
      const asked: string[] = [];
      const declined = await runCli(['key', 'export', '--nsec', '--home', home], {
        env: { OTP2P_PASSWORD: PW },
        terminal: {
          stdoutIsTTY: true,
          askTerminal: async (q) => {
            asked.push(q);
            return 'yes';
          },
        },
      });
      expect(declined.code).toBe(1);
      expect(declined.stderr).toContain('aborted');
      expect(declined.stdout).toBe('');
      expect(asked).toHaveLength(1);
      const shown = await runCli(['key', 'export', '--mnemonic', '--home', home], {
        env: { OTP2P_PASSWORD: PW },
        terminal: { stdoutIsTTY: true, askTerminal: async () => 'show' },
      });
      expect(shown.code).toBe(0);
      expect(shown.stdout.trim()).toBe(out.mnemonic);
      expect(shown.stderr).toContain('Bitcoin wallet only');
      // No terminal to ask on: refused, not printed.
      const noTty = await runCli(['key', 'export', '--mnemonic', '--home', home], {
        env: { OTP2P_PASSWORD: PW },
        terminal: { stdoutIsTTY: true, askTerminal: async () => undefined },
      });
      expect(noTty.code).toBe(2);
      expect(noTty.stdout).toBe('');
    });

    it('imports 64 hex with an imported Bitcoin mnemonic (stdin: key, mnemonic, password)', async () => {
      const v = nip06[1] as Nip06Vector;
      const btc = (nip06[0] as Nip06Vector).mnemonic;
      const { home, init } = await initWith(`${v.private_key_hex.toUpperCase()}\n${btc}\n${PW}\n`, [
        '--mnemonic-stdin',
      ]);
      expect(init.code).toBe(0);
      expect(init.json[0]).toMatchObject({
        npub: v.npub,
        identity: { kind: 'nsec' },
        bitcoin: { xpub: deriveIdentity(btc).bitcoin.xpub },
      });
      expect(init.json[0]).not.toHaveProperty('mnemonic');
      expectNoLeak(init, v.private_key_hex, v.private_key_hex.toUpperCase(), btc.split(' ')[0] as string);
      const who = await runCli(['whoami', '--json', '--home', home], { env: { OTP2P_PASSWORD: PW } });
      expect(who.json[0]).toMatchObject({ npub: v.npub, pubkey: v.public_key_hex });
    });

    it('imports an ncryptsec with its own password (next stdin line); the npub is the one nostr-tools derives', async () => {
      for (const v of [nip49?.spec_decrypt[0], nip49?.nostr_tools_roundtrip[0]]) {
        if (v === undefined) throw new Error('vector missing');
        const npub = ntNip19.npubEncode(ntGetPublicKey(hexToBytes(v.secret_key_hex)));
        const { home, init } = await initWith(`${v.ncryptsec}\n${v.password}\n${PW}\n`);
        expect(init.code).toBe(0);
        expect(init.json[0]).toMatchObject({ npub, identity: { kind: 'nsec' } });
        expectNoLeak(init, v.password, v.secret_key_hex);
        const who = await runCli(['whoami', '--json', '--password-stdin', '--home', home], { stdin: `${PW}\n` });
        expect(who.json[0]).toMatchObject({ npub, identity: { kind: 'nsec' } });
        // Stored re-encrypted under the vault password, not as given.
        expect(folderText(home)).not.toContain(v.ncryptsec);
      }
    });

    it('a wrong ncryptsec password is bad-password (exit 3), garbage is bad-key (exit 2); no vault is written', async () => {
      const v = nip49?.nostr_tools_roundtrip[0];
      if (v === undefined) throw new Error('vector missing');
      const wrong = await initWith(`${v.ncryptsec}\nnot the password\n${PW}\n`);
      expect(wrong.init.code).toBe(3);
      expect(wrong.init.json[0]).toMatchObject({ error: { code: 'bad-password' } });
      const garbage = await initWith(`nsec-but-not-really-${v.secret_key_hex}\n${PW}\n`);
      expect(garbage.init.code).toBe(2);
      expect(garbage.init.json[0]).toMatchObject({ error: { code: 'bad-key' } });
      expectNoLeak(garbage.init, v.secret_key_hex);
      const noPw = await initWith(`${v.ncryptsec}\n`);
      expect(noPw.init.code).toBe(2);
      expect(noPw.init.json[0]).toMatchObject({ error: { code: 'no-password' } });
      for (const r of [wrong, garbage, noPw])
        expect((await runCli(['whoami', '--home', r.home], { env: { OTP2P_PASSWORD: PW } })).code).toBe(2);
    });
  },
);

describe('otp2p init: identity options', () => {
  it('refuses two identity sources at once (usage, exit 2)', async () => {
    const r = await runCli(['init', '--nsec-stdin', '--nostrconnect', '--json', '--home', tmpDir()], {
      env: { OTP2P_PASSWORD: PW },
    });
    expect(r.code).toBe(2);
    expect(r.json[0]).toMatchObject({ error: { code: 'usage' } });
  });

  it('a seed identity says so, exports its mnemonic with --yes, and refuses --nsec with --mnemonic', async () => {
    const home = tmpDir();
    const init = await runCli(['init', '--json', '--home', home], { env: { OTP2P_PASSWORD: PW } });
    const out = init.json[0] as { mnemonic: string; identity: { kind: string } };
    expect(out.identity).toEqual({ kind: 'seed' });
    const m = await runCli(['key', 'export', '--mnemonic', '--yes', '--json', '--home', home], {
      env: { OTP2P_PASSWORD: PW },
    });
    expect(m.json[0]).toEqual({ mnemonic: out.mnemonic, words: 24, passphrase: false });
    const both = await runCli(['key', 'export', '--mnemonic', '--nsec', '--yes', '--home', home], {
      env: { OTP2P_PASSWORD: PW },
    });
    expect(both.code).toBe(2);
  });
});
