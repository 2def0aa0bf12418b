/**
 * The CLI against nostream: offers (publish, replace, withdraw) and mint attest/check with two
 * peers, on the default settings and, where started, on `nip42.authRequired` settings.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createVault } from '../../src/keys/vault.ts';
import { generateMnemonic } from '../../src/keys/mnemonic.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { SimulatedNotary } from '../../src/otapi/notary.ts';
import { RelayPool } from '../../src/relays/pool.ts';
import { queryEvents } from '../../src/relays/query.ts';
import { buildFollowsEvent } from '../../src/events/follows.ts';
import { signEvent } from '../../src/events/sign.ts';
import { Kind } from '../../src/events/kinds.ts';
import { runCli } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { NOSTREAM_AUTH_SKIP, NOSTREAM_AUTH_URL, NOSTREAM_SKIP, NOSTREAM_URL } from './_nostream.ts';

const PW = 'correct horse battery staple';
const env = { OTP2P_PASSWORD: PW };

function newHome(): { home: string; pubkey: string; secretKey: Uint8Array } {
  const home = join(tmpDir(), 'home');
  const id = createVault(join(home, 'vault.json'), generateMnemonic(), PW, { logN: 4 });
  return { home, pubkey: id.pubkey, secretKey: id.secretKey };
}

async function offersOf(
  url: string,
  pubkey: string,
): Promise<{ rate: string | undefined; status: string | undefined }[]> {
  const pool = new RelayPool({ relays: [url] });
  try {
    const r = await queryEvents(pool, [{ kinds: [Kind.Offer], authors: [pubkey] }], 15_000);
    expect(r.incomplete).toEqual([]);
    return r.events.map((e) => ({
      rate: e.tags.find((t) => t[0] === 'rate')?.[1],
      status: e.tags.find((t) => t[0] === 'status')?.[1],
    }));
  } finally {
    await pool.close();
  }
}

function offerSuite(label: string, url: () => string): void {
  it(`${label}: an offer is published, replaced and withdrawn`, async () => {
    const me = newHome();
    const add = (rate: string): Promise<{ code: number; stderr: string; stdout: string }> =>
      runCli(
        [
          'offer',
          'add',
          '--publish',
          '--id',
          'usd-eur',
          '--in',
          'usd@n1',
          '--out',
          'eur@n1',
          '--rate',
          rate,
          '--max',
          '100000',
          '--liquidity',
          '50000',
          '--relay',
          url(),
          '--home',
          me.home,
          '--json',
        ],
        { env },
      );
    // A replacement made in the same second as the event it replaces loses to it when its id is
    // higher (NIP-01: same created_at, lowest id wins), and `offer add`/`withdraw` stamp plain
    // now: a known bug left to the offers area, so each step here starts in a new second.
    const nextSecond = (): Promise<void> => new Promise((r) => setTimeout(r, 1100));
    const first = await add('92/100');
    expect(first.code, first.stdout + first.stderr).toBe(0);
    await nextSecond();
    const second = await add('93/100');
    expect(second.code, second.stdout + second.stderr).toBe(0);
    const replaced = await offersOf(url(), me.pubkey);
    expect(replaced.map((o) => o.rate)).toEqual(['93']);
    await nextSecond();
    const w = await runCli(
      ['offer', 'withdraw', '--publish', '--id', 'usd-eur', '--relay', url(), '--home', me.home, '--json'],
      { env },
    );
    expect(w.code).toBe(0);
    expect((await offersOf(url(), me.pubkey)).every((o) => o.status === 'closed')).toBe(true);
  });

  it(`${label}: mint attest by a friend, then mint check by me sees it (two peers)`, async () => {
    const notary = SimulatedNotary.open({
      ledgerPath: ':memory:',
      seed: new Uint8Array(32).fill(31),
      clock: new ManualClock(Date.now() - 3600_000),
    });
    try {
      const friend = newHome();
      const me = newHome();
      const otFriend = tmpDir();
      const otMe = tmpDir();
      notary.writeClientFolder(otFriend, 'friend', 'v094');
      notary.writeClientFolder(otMe, 'me', 'v094');
      const attest = await runCli(
        ['mint', 'attest', '--force', '--ot-data', otFriend, '--relay', url(), '--home', friend.home, '--json'],
        { env },
      );
      expect(attest.code).toBe(0);
      const published = (attest.json[0] as { published: { relays: { ok: boolean }[] }[] }).published;
      expect(published.length).toBe(1);
      expect(published[0]?.relays.every((r) => r.ok)).toBe(true);
      const pool = new RelayPool({ relays: [url()], signer: (t) => signEvent(t, me.secretKey, me.pubkey) });
      const [res] = await pool.publish(
        signEvent(
          buildFollowsEvent([{ pubkey: friend.pubkey }], Math.floor(Date.now() / 1000)),
          me.secretKey,
          me.pubkey,
        ),
      );
      await pool.close();
      expect(res?.ok).toBe(true);
      const check = await runCli([
        'mint',
        'check',
        '--k',
        '1',
        '--ot-data',
        otMe,
        '--pubkey',
        me.pubkey,
        '--relay',
        url(),
        '--home',
        me.home,
        '--json',
      ]);
      expect(check.code).toBe(0);
      const out = check.json[0] as { web: number; verdicts: { verdict: string; attesters: string[] }[] };
      expect(out).not.toHaveProperty('incomplete');
      expect(out.web).toBe(1);
      expect(out.verdicts.map((v) => [v.verdict, v.attesters])).toEqual([['consistent', [friend.pubkey]]]);
    } finally {
      notary.close();
    }
  });
}

describe.skipIf(NOSTREAM_SKIP !== undefined)('nostream (default settings): the CLI', () => {
  offerSuite('default', () => NOSTREAM_URL as string);
});

describe.skipIf(NOSTREAM_AUTH_SKIP !== undefined)('nostream (nip42.authRequired): the CLI', () => {
  offerSuite('auth-required', () => NOSTREAM_AUTH_URL as string);
});
