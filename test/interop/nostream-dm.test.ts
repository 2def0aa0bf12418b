/**
 * DMs and catalogs through the CLI on nostream: both ways, one wrapped by nostr-tools; on the
 * default settings and on `nip42.authRequired` (every wrap then AUTHs as its one-time key, the
 * catalog as the identity).
 */
import { join } from 'node:path';
import * as ntNip17 from 'nostr-tools/nip17';
import { describe, expect, it } from 'vitest';
import { deriveIdentity } from '../../src/keys/index.ts';
import { generateMnemonic } from '../../src/keys/mnemonic.ts';
import type { NostrEvent } from '../../src/events/types.ts';
import { RelayPool } from '../../src/relays/pool.ts';
import { runCli } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { NOSTREAM_AUTH_SKIP, NOSTREAM_AUTH_URL, NOSTREAM_SKIP, NOSTREAM_URL } from './_nostream.ts';

const PW = 'correct horse battery staple';
const env = { OTP2P_PASSWORD: PW };

function dmSuite(label: string, relayUrl: () => string, authRequired: boolean): void {
  const url = relayUrl();
  const dir = tmpDir();
  const homes = { alice: join(dir, 'alice'), bob: join(dir, 'bob') };
  const words = { alice: generateMnemonic(), bob: generateMnemonic() };
  const alice = deriveIdentity(words.alice);
  const bob = deriveIdentity(words.bob);
  const cli = (who: 'alice' | 'bob', args: string[]) =>
    runCli([...args, '--home', homes[who], '--relay', url], { env });

  it(`${label}: DMs both ways, and one wrapped by nostr-tools, all read back verified`, async () => {
    for (const who of ['alice', 'bob'] as const) {
      const r = await runCli(['init', '--mnemonic-stdin', '--password-stdin', '--json', '--home', homes[who]], {
        stdin: `${words[who]}\n${PW}\n`,
      });
      expect(r.code, r.stderr).toBe(0);
    }
    const a2b = await cli('alice', ['dm', 'send', bob.npub, 'hello', 'bob', '--json']);
    expect(a2b.code, a2b.stderr).toBe(0);
    const b2a = await cli('bob', ['dm', 'send', alice.npub, 'hello', 'alice', '--json']);
    expect(b2a.code, b2a.stderr).toBe(0);
    const pool = new RelayPool({ relays: [url] });
    try {
      // nostr-tools drops the one-time key after wrapping: a relay requiring the author's AUTH
      // refuses its wrap (the NIP-17 policy conflict), and the pool reports it as such.
      const wrap = ntNip17.wrapEvent(
        alice.secretKey,
        { publicKey: bob.pubkey },
        'from a stock NIP-17 client',
      ) as NostrEvent;
      expect((await pool.publish(wrap))[0]).toMatchObject(
        authRequired ? { ok: false, code: 'auth-required' } : { ok: true },
      );
    } finally {
      await pool.close();
    }
    const bobReads = await cli('bob', ['dm', 'read', '--json']);
    expect(bobReads.code, bobReads.stderr).toBe(0);
    const incoming = (bobReads.json as { from: string; text: string; verified: boolean; outgoing: boolean }[]).filter(
      (m) => !m.outgoing,
    );
    expect(incoming.map((m) => [m.from, m.text, m.verified]).sort()).toEqual([
      ...(authRequired ? [] : [[alice.npub, 'from a stock NIP-17 client', true]]),
      [alice.npub, 'hello bob', true],
    ]);
    const aliceReads = await cli('alice', ['dm', 'read', '--json']);
    expect(aliceReads.code, aliceReads.stderr).toBe(0);
    expect(
      (aliceReads.json as { from: string; text: string; outgoing: boolean }[])
        .filter((m) => !m.outgoing)
        .map((m) => [m.from, m.text]),
    ).toEqual([[bob.npub, 'hello alice']]);
    // Six commands, each waiting for relays (a send up to the outbox's delivery wait): over the
    // default 60 s on a loaded two-core machine.
  }, 180_000);

  it(`${label}: a catalog published by alice is shown to bob`, async () => {
    const pub = await cli('alice', [
      'catalog',
      'publish',
      '--unit',
      'usd@n1:USD:100',
      '--btc',
      'bitcoin',
      '--force',
      '--json',
    ]);
    expect(pub.code, pub.stderr).toBe(0);
    const show = await cli('bob', ['catalog', 'show', alice.npub, '--json']);
    expect(show.code, show.stderr).toBe(0);
    expect(show.json[0]).toMatchObject({
      npub: alice.npub,
      catalog: { units: [{ id: 'usd', factor: '100' }], btc: { network: 'bitcoin' } },
    });
  });
}

describe.skipIf(NOSTREAM_SKIP !== undefined)('nostream (default settings): DMs and catalogs through the CLI', () => {
  dmSuite('default', () => NOSTREAM_URL as string, false);
});

describe.skipIf(NOSTREAM_AUTH_SKIP !== undefined)(
  'nostream (nip42.authRequired): DMs and catalogs through the CLI',
  () => {
    dmSuite('auth-required', () => NOSTREAM_AUTH_URL as string, true);
  },
);
