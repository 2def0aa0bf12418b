/**
 * Commands built on one-shot queries name the relay that did not answer and never exit 0 on a
 * partial answer: `mint check` with one relay unreachable.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createVault } from '../../src/keys/vault.ts';
import { generateMnemonic } from '../../src/keys/mnemonic.ts';
import { runCli } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { SimulatedNotary } from '../../src/otapi/notary.ts';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import { RelayPool } from '../../src/relays/pool.ts';
import { buildFollowsEvent } from '../../src/events/follows.ts';
import { getPublicKey, signEvent } from '../../src/events/sign.ts';
import { npubEncode } from '../../src/keys/nip19.ts';

describe('mint check with a relay that does not answer', () => {
  it('exits 1, names the relay on stderr and in JSON incomplete, and still prints the verdicts', async () => {
    const relay = await startEmbeddedRelay({ host: '127.0.0.1' });
    const pool = new RelayPool({ relays: [relay.url], fetchLimits: false });
    try {
      const notary = SimulatedNotary.open({
        ledgerPath: ':memory:',
        seed: new Uint8Array(32).fill(7),
        clock: new ManualClock(Date.now() - 3600_000),
      });
      const ot = tmpDir();
      notary.writeClientFolder(ot, 'me', 'v094');
      const me = new Uint8Array(32).fill(21);
      const friend = new Uint8Array(32).fill(22);
      await pool.publish(
        signEvent(buildFollowsEvent([{ pubkey: getPublicKey(friend) }], Math.floor(Date.now() / 1000) - 60), me),
      );
      const dead = 'ws://127.0.0.1:1';
      const args = [
        'mint',
        'check',
        '--ot-data',
        ot,
        '--pubkey',
        getPublicKey(me),
        '--relay',
        relay.url,
        '--relay',
        dead,
        '--home',
        tmpDir(),
      ];
      const r = await runCli([...args, '--json']);
      expect(r.code).toBe(1);
      const out = r.json[0] as {
        web: number;
        verdicts: { verdict: string }[];
        incomplete: { relay: string; reason: string }[];
      };
      expect(out.web).toBe(1);
      expect(out.verdicts.length).toBe(1);
      expect(out.incomplete).toEqual([{ relay: dead, reason: 'unreachable', message: expect.any(String) }]);
      expect(r.stderr).toContain(`INCOMPLETE: no full answer from ${dead} (unreachable`);
      const ok = await runCli([
        'mint',
        'check',
        '--ot-data',
        ot,
        '--pubkey',
        getPublicKey(me),
        '--relay',
        relay.url,
        '--home',
        tmpDir(),
        '--json',
      ]);
      expect(ok.code).toBe(0);
      expect(ok.json[0]).not.toHaveProperty('incomplete');
      notary.close();
    } finally {
      await pool.close();
      await relay.close();
    }
  });
});

const env = { OTP2P_PASSWORD: 'correct horse battery staple' };

describe('catalog show with a relay that does not answer', () => {
  it('says relay-incomplete naming the relay (exit 1), never "no catalog"', async () => {
    const relay = await startEmbeddedRelay({ host: '127.0.0.1' });
    try {
      const home = tmpDir();
      createVault(join(home, 'vault.json'), generateMnemonic(), env.OTP2P_PASSWORD, { logN: 4 });
      const dead = 'ws://127.0.0.1:1';
      const who = npubEncode(getPublicKey(new Uint8Array(32).fill(23)));
      const r = await runCli(
        ['catalog', 'show', who, '--relay', relay.url, '--relay', dead, '--home', home, '--json'],
        { env },
      );
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('relay-incomplete');
      expect(r.stderr).toContain(`${dead} (unreachable`);
      const alone = await runCli(['catalog', 'show', who, '--relay', relay.url, '--home', home, '--json'], { env });
      expect(alone.stderr).toContain('not-found');
    } finally {
      await relay.close();
    }
  });
});

describe('dm read and negotiate with a relay that does not answer', () => {
  it('carry incomplete in --json naming the relay, say INCOMPLETE on stderr, and exit 1', async () => {
    const relay = await startEmbeddedRelay({ host: '127.0.0.1' });
    try {
      const dead = 'ws://127.0.0.1:1';
      const alice = join(tmpDir(), 'alice');
      createVault(join(alice, 'vault.json'), generateMnemonic(), env.OTP2P_PASSWORD, { logN: 4 });
      const bob = join(tmpDir(), 'bob');
      const bobId = createVault(join(bob, 'vault.json'), generateMnemonic(), env.OTP2P_PASSWORD, { logN: 4 });
      const pub = await runCli(
        ['catalog', 'publish', '--unit', 'usd@n1:USD:100', '--force', '--relay', relay.url, '--home', bob, '--json'],
        { env },
      );
      expect(pub.code, pub.stderr).toBe(0);
      const both = ['--relay', relay.url, '--relay', dead, '--home', alice, '--json'];
      const neg = await runCli(['negotiate', npubEncode(bobId.pubkey), '--unit', 'usd@n1:USD:100', ...both], {
        env,
      });
      expect(neg.code, neg.stderr).toBe(1);
      expect(neg.json[0]).toMatchObject({
        ok: true,
        incomplete: [{ relay: dead, reason: 'unreachable', message: expect.any(String) }],
      });
      expect(neg.stderr).toContain(`INCOMPLETE: no full answer from ${dead} (unreachable`);
      const whole = await runCli(
        ['negotiate', npubEncode(bobId.pubkey), '--unit', 'usd@n1:USD:100', '--relay', relay.url, '--home', alice],
        { env },
      );
      expect(whole.code, whole.stderr).toBe(0);

      const read = await runCli(['dm', 'read', ...both], { env });
      expect(read.code, read.stderr).toBe(1);
      expect(read.json).toEqual([
        { incomplete: [{ relay: dead, reason: 'unreachable', message: expect.any(String) }] },
      ]);
      expect(read.stderr).toContain(`INCOMPLETE: no full answer from ${dead} (unreachable`);
      const readAll = await runCli(['dm', 'read', '--relay', relay.url, '--home', alice, '--json'], { env });
      expect(readAll.code, readAll.stderr).toBe(0);
      expect(readAll.json).toEqual([]);
    } finally {
      await relay.close();
    }
  });
});
