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
});
