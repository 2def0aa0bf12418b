/**
 * `otp2p offer add|withdraw --publish`: signed with the vault identity, queued in the persistent
 * outbox, and acknowledged by a real embedded relay over a real socket.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVault } from '../../src/keys/vault.ts';
import { generateMnemonic } from '../../src/keys/mnemonic.ts';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import type { EmbeddedRelay } from '../../src/relays/embedded.ts';
import { RelayPool } from '../../src/relays/pool.ts';
import { queryEvents } from '../../src/mint/collect.ts';
import { Kind } from '../../src/events/kinds.ts';
import { runCli } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';

const PW = 'correct horse battery staple';
let relay: EmbeddedRelay;
let home: string;
let pubkey: string;

beforeAll(async () => {
  const dir = tmpDir();
  relay = await startEmbeddedRelay({ dbPath: join(dir, 'relay.sqlite') });
  home = join(dir, 'home');
  await runCli(['config', 'set', 'relays', JSON.stringify([relay.url]), '--home', home]);
  // A cheap scrypt cost keeps the test fast; the format is the same as at log_n 16.
  pubkey = createVault(join(home, 'vault.json'), generateMnemonic(), PW, { logN: 10 }).pubkey;
});
afterAll(async () => {
  await relay.close();
});

describe('otp2p offer --publish', () => {
  it('publishes an offer and then its withdrawal to the configured relay', async () => {
    const env = { OTP2P_PASSWORD: PW };
    const add = await runCli(
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
        '92/100',
        '--max',
        '100000',
        '--liquidity',
        '50000',
        '--home',
        home,
        '--json',
      ],
      { env },
    );
    expect(add.stderr).not.toContain(PW);
    expect(add.code).toBe(0);
    const [added] = add.json as Array<{ events: Array<{ id: string; kind: number; delivered: boolean }> }>;
    expect(added?.events).toEqual([expect.objectContaining({ kind: Kind.Offer, delivered: true })]);

    const pool = new RelayPool({ relays: [relay.url] });
    try {
      const offers = (await queryEvents(pool, [{ kinds: [Kind.Offer], authors: [pubkey] }])).events;
      expect(offers.map((e) => e.id)).toEqual([added?.events[0]?.id]);

      const w = await runCli(['offer', 'withdraw', '--publish', '--id', 'usd-eur', '--home', home, '--json'], { env });
      expect(w.code).toBe(0);
      const [withdrawn] = w.json as Array<{ events: Array<{ kind: number; delivered: boolean }> }>;
      expect(withdrawn?.events.map((e) => [e.kind, e.delivered])).toEqual([
        [Kind.Offer, true],
        [Kind.Deletion, true],
      ]);
      const after = (await queryEvents(pool, [{ kinds: [Kind.Offer], authors: [pubkey] }])).events;
      expect(after.every((e) => e.tags.some((t) => t[0] === 'status' && t[1] === 'closed'))).toBe(true);
    } finally {
      await pool.close();
    }
  });

  it('refuses to publish without a password (exit 2, no-password)', async () => {
    const r = await runCli(['offer', 'withdraw', '--publish', '--id', 'x', '--home', home, '--json'], { env: {} });
    expect(r.code).toBe(2);
    expect(r.json[0]).toMatchObject({ error: { code: 'no-password' } });
  });

  it('refuses to withdraw an offer this identity never published: nothing is signed or queued', async () => {
    const before = await runCli(['outbox', '--home', home, '--json']);
    const r = await runCli(['offer', 'withdraw', '--publish', '--id', 'nope', '--home', home, '--json'], {
      env: { OTP2P_PASSWORD: PW },
    });
    expect(r.code).toBe(1);
    expect(r.json).toEqual([
      { error: expect.objectContaining({ code: 'not-found', context: { option: 'id', id: 'nope' } }) },
    ]);
    const pool = new RelayPool({ relays: [relay.url] });
    try {
      const mine = (await queryEvents(pool, [{ kinds: [Kind.Offer, Kind.Deletion], authors: [pubkey] }])).events;
      const aboutNope = mine.filter((e) =>
        e.tags.some((t) => (t[0] === 'd' && t[1] === 'nope') || t[1]?.endsWith(':nope')),
      );
      expect(aboutNope).toEqual([]);
    } finally {
      await pool.close();
    }
    const after = await runCli(['outbox', '--home', home, '--json']);
    expect(after.code).toBe(0);
    expect(after.json).toEqual(before.json);
  });
});

describe('otp2p offer add: mistakes in the options are usage errors', () => {
  const base = ['offer', 'add', '--id', 'o1', '--in', 'usd@n1', '--out', 'eur@n1', '--liquidity', '500'];

  it('without --publish, --sign or --pubkey, names --publish and --sign', async () => {
    const r = await runCli([...base, '--rate', '92/100', '--max', '1000', '--home', tmpDir(), '--json']);
    expect(r.code).toBe(2);
    const err = (r.json[0] as { error: { code: string; message: string } }).error;
    expect(err.code).toBe('usage');
    expect(err.message).toContain('--publish');
    expect(err.message).toContain('--sign');
    expect(err.message).not.toMatch(/--pubkey.* is required/);
  });

  it('a decimal --rate exits 2 with usage, naming the option', async () => {
    for (const extra of [[], ['--publish']]) {
      const r = await runCli([...base, ...extra, '--rate', '0.92', '--max', '1000', '--home', home, '--json'], {
        env: { OTP2P_PASSWORD: PW },
      });
      expect(r.code).toBe(2);
      expect(r.json[0]).toMatchObject({ error: { code: 'usage', context: { option: 'rate' } } });
    }
  });

  it('min above max exits 2 with usage, with or without --publish', async () => {
    for (const extra of [['--pubkey', pubkey], ['--publish']]) {
      const r = await runCli(
        [...base, ...extra, '--rate', '92/100', '--min', '2000', '--max', '1000', '--home', home, '--json'],
        { env: { OTP2P_PASSWORD: PW } },
      );
      expect(r.code).toBe(2);
      expect(r.json[0]).toMatchObject({ error: { code: 'usage', context: { field: 'min' } } });
    }
  });
});
