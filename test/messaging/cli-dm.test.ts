/**
 * `otp2p dm`, `otp2p catalog` and `otp2p negotiate` in-process against an embedded relay on
 * 127.0.0.1, with identities created by `otp2p init`.
 */
import { join } from 'node:path';
import * as ntNip17 from 'nostr-tools/nip17';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveIdentity } from '../../src/keys/index.ts';
import type { NostrEvent } from '../../src/events/types.ts';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import type { EmbeddedRelay } from '../../src/relays/embedded.ts';
import { RelayPool } from '../../src/relays/pool.ts';
import { runCli } from '../helpers/cli.ts';
import { HAS_SHARED, sharedPath } from '../helpers/shared.ts';
import { tmpDir } from '../helpers/tmp.ts';

const PW = 'correct horse battery staple';
const ALICE = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const BOB = 'legal winner thank year wave sausage worth useful legal winner thank yellow';
const env = { OTP2P_PASSWORD: PW };

describe('otp2p dm / catalog / negotiate on an embedded relay', () => {
  let relay: EmbeddedRelay;
  const dir = tmpDir();
  const homes = { alice: join(dir, 'alice'), bob: join(dir, 'bob') };
  const alice = deriveIdentity(ALICE);
  const bob = deriveIdentity(BOB);
  const cli = (who: 'alice' | 'bob', args: string[]) =>
    runCli([...args, '--home', homes[who], '--relay', relay.url], { env });

  beforeAll(async () => {
    relay = await startEmbeddedRelay();
    for (const [who, m] of [
      ['alice', ALICE],
      ['bob', BOB],
    ] as const) {
      const r = await runCli(['init', '--mnemonic-stdin', '--password-stdin', '--json', '--home', homes[who]], {
        stdin: `${m}\n${PW}\n`,
      });
      expect(r.code, r.stderr).toBe(0);
    }
  }, 60_000);
  afterAll(async () => {
    await relay.close();
  });

  it('dm send, then dm read --json shows sender npub, time, text, verified', async () => {
    const sent = await cli('alice', ['dm', 'send', bob.npub, 'hello', 'bob', '--json']);
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stderr).toContain('learn that a DM exists'); // bob publishes no 10050
    const read = await cli('bob', ['dm', 'read', '--json']);
    expect(read.code, read.stderr).toBe(0);
    expect(read.json).toEqual([
      expect.objectContaining({ from: alice.npub, text: 'hello bob', verified: true, outgoing: false }),
    ]);
    expect(Date.parse((read.json[0] as { time: string }).time)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('dm read shows a message wrapped by nostr-tools', async () => {
    const pool = new RelayPool({ relays: [relay.url], fetchLimits: false });
    try {
      const wrap = ntNip17.wrapEvent(
        alice.secretKey,
        { publicKey: bob.pubkey },
        'from a stock NIP-17 client',
      ) as NostrEvent;
      expect((await pool.publish(wrap))[0]?.ok).toBe(true);
    } finally {
      await pool.close();
    }
    const read = await cli('bob', ['dm', 'read', '--json']);
    expect(read.json.map((m) => (m as { text: string }).text)).toEqual(
      expect.arrayContaining(['hello bob', 'from a stock NIP-17 client']),
    );
  });

  it('refuses a malformed npub with its NIP-19 code', async () => {
    const r = await cli('alice', ['dm', 'send', 'npub1qqqq', 'x', '--json']);
    expect(r.code).toBe(2);
  });

  it('catalog publish / show, then negotiate: overlapping, BTC-only and disjoint', async () => {
    const pub = await cli('alice', [
      'catalog',
      'publish',
      '--unit',
      'usd@n1:USD:100',
      '--unit',
      'eur@n1:EUR:100',
      '--btc',
      'bitcoin',
      '--prefer',
      'eur@n1',
      // alice holds no wallet in this test: what is under test is the catalog exchange
      '--force',
      '--json',
    ]);
    expect(pub.code, pub.stderr).toBe(0);
    const show = await cli('bob', ['catalog', 'show', alice.npub, '--json']);
    expect(show.code, show.stderr).toBe(0);
    expect(show.json[0]).toMatchObject({
      npub: alice.npub,
      catalog: {
        units: [{ id: 'usd', factor: '100' }, { id: 'eur' }],
        btc: { network: 'bitcoin' },
        preference: ['eur@n1'],
      },
    });

    const overlap = await cli('bob', [
      'negotiate',
      alice.npub,
      '--unit',
      'usd@n1:USD:100',
      '--btc',
      'bitcoin',
      '--json',
    ]);
    expect(overlap.code, overlap.stderr).toBe(0);
    expect((overlap.json[0] as { options: { asset: string }[] }).options.map((o) => o.asset)).toEqual([
      'usd@n1',
      'btc@bitcoin',
    ]);

    const btcOnly = await cli('bob', ['negotiate', alice.npub, '--unit', 'gld@n3:GLD', '--btc', 'bitcoin', '--json']);
    expect((btcOnly.json[0] as { options: { asset: string }[] }).options.map((o) => o.asset)).toEqual(['btc@bitcoin']);

    const disjoint = await cli('bob', ['negotiate', alice.npub, '--unit', 'gld@n3:GLD', '--json']);
    expect(disjoint.code).toBe(1);
    expect(disjoint.json[0]).toMatchObject({
      ok: false,
      code: 'no-common-asset',
      handoff: { from: ['gld@n3'], to: ['eur@n1', 'usd@n1', 'btc@bitcoin'] },
    });
  });

  it.skipIf(!HAS_SHARED)('catalog show --ot-data builds the catalog from a real OT folder (offline)', async () => {
    const r = await runCli([
      'catalog',
      'show',
      '--ot-data',
      sharedPath('fixtures', 'ot', 'opentxs-sample-data', 'ot-sample-data'),
      '--btc',
      'bitcoin',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const c = (r.json[0] as { catalog: { notaries: { url: string }[]; units: { tla: string }[] } }).catalog;
    expect(c.notaries[0]?.url).toBe('tcp://localhost:7085');
    expect(c.units.map((u) => u.tla).sort()).toEqual(['BTC', 'GRAM', 'USD']);
  });
});
