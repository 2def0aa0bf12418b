/**
 * End to end, the way a user runs it: four data folders made with `otp2p init` and `otp2p config
 * set`, two simulated notaries made with `otp2p notary init|account` (folders shared by every
 * process), an embedded relay on 127.0.0.1. Bob, Carol and Dave run as child processes that keep
 * their peers started (test/e2e/fixtures/peer.ts); Alice pays with `otp2p pay` in-process.
 *
 * Alice holds USD on notary 1; Bob converts USD to EUR on notary 1; Carol moves EUR from notary 1
 * to notary 2; Dave accepts only EUR on notary 2. Variants: a hop that cannot forward (no
 * liquidity: it refunds, and the refund cascades), a withdrawn offer (no route, nothing moves), a
 * hop that goes silent before quoting, and one that goes silent after preparing (the payer ends
 * failed, never stuck, and names the holder). A hop that lies about amounts is covered in-process
 * by test/payments/coordinator.test.ts ("a hop that lies about amounts cannot drain the payer").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '../../src/core/bytes.ts';
import { npubEncode } from '../../src/keys/nip19.ts';
import { ledgerAccounts, openNotaryDir } from '../../src/otapi/notary-dir.ts';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import type { EmbeddedRelay } from '../../src/relays/embedded.ts';
import { runCli } from '../helpers/cli.ts';
import { PROJECT_ROOT } from '../helpers/shared.ts';
import { tmpDir } from '../helpers/tmp.ts';

const PW = 'e2e password, long enough';
const ENV = { OTP2P_PASSWORD: PW };
type Name = 'alice' | 'bob' | 'carol' | 'dave';
const NAMES: Name[] = ['alice', 'bob', 'carol', 'dave'];

interface Child {
  proc: ChildProcess;
  lines: Array<Record<string, unknown>>;
  waitFor: (pred: (l: Record<string, unknown>) => boolean, ms?: number) => Promise<Record<string, unknown>>;
}

function startPeer(home: string, setup: unknown): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'test/e2e/fixtures/peer.ts')], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, OTP2P_HOME: home, OTP2P_PASSWORD: PW, E2E_SETUP: JSON.stringify(setup) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: Array<Record<string, unknown>> = [];
  const waiters: Array<{
    pred: (l: Record<string, unknown>) => boolean;
    resolve: (l: Record<string, unknown>) => void;
  }> = [];
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    let l: Record<string, unknown>;
    try {
      l = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    lines.push(l);
    for (const w of waiters.splice(0)) {
      if (w.pred(l)) w.resolve(l);
      else waiters.push(w);
    }
  });
  const waitFor = (pred: (l: Record<string, unknown>) => boolean, ms = 30_000): Promise<Record<string, unknown>> => {
    const hit = lines.find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`peer ${home} did not report in ${ms} ms; stderr: ${stderr}`)), ms);
      waiters.push({ pred, resolve: (l) => (clearTimeout(t), resolve(l)) });
      proc.once('exit', (c) => reject(new Error(`peer ${home} exited with ${c}; stderr: ${stderr}`)));
    });
  };
  return { proc, lines, waitFor };
}

async function cli(argv: string[], home?: string): Promise<Record<string, unknown>> {
  const r = await runCli([...argv, '--json', ...(home ? ['--home', home] : [])], { env: ENV });
  const out = r.json[0] as Record<string, unknown> | undefined;
  if (r.code !== 0 && !out) throw new Error(`otp2p ${argv.join(' ')} failed: ${r.stderr}`);
  return { ...(out ?? {}), exitCode: r.code };
}

describe('otp2p pay end to end: 4 peers, 2 simulated notaries, embedded relay', () => {
  const root = tmpDir('otp2p-e2e-');
  const n1 = join(root, 'notary1');
  const n2 = join(root, 'notary2');
  const homes = Object.fromEntries(NAMES.map((n) => [n, join(root, n)])) as Record<Name, string>;
  const pub = {} as Record<Name, string>;
  const units = {} as Record<string, { notary: string; unit: string }>;
  const children: Partial<Record<Name, Child>> = {};
  let relay: EmbeddedRelay;

  /** Every non-issuer balance by `owner:notary:TLA`, and the sum per notary and unit (always 0). */
  const balances = (): { by: Record<string, bigint>; sums: Record<string, bigint> } => {
    const by: Record<string, bigint> = {};
    const sums: Record<string, bigint> = {};
    for (const [label, dir] of [
      ['n1', n1],
      ['n2', n2],
    ] as const) {
      for (const a of ledgerAccounts(dir)) {
        const tla =
          Object.entries(units)
            .find(([, u]) => u.unit === a.unitId)?.[0]
            ?.split('@')[0] ?? a.unitId;
        sums[`${label}:${tla}`] = (sums[`${label}:${tla}`] ?? 0n) + a.balance;
        if (!a.issuer) by[`${a.owner}:${label}:${tla}`] = (by[`${a.owner}:${label}:${tla}`] ?? 0n) + a.balance;
      }
    }
    return { by, sums };
  };
  const allZero = (sums: Record<string, bigint>): boolean => Object.values(sums).every((v) => v === 0n);

  beforeAll(async () => {
    relay = await startEmbeddedRelay({ host: '127.0.0.1', port: 0, dbPath: join(root, 'relay.sqlite') });
    const i1 = await cli(['notary', 'init', n1, '--name', 'Notary One', '--unit', 'USD', '--unit', 'EUR']);
    const i2 = await cli(['notary', 'init', n2, '--name', 'Notary Two', '--unit', 'EUR']);
    for (const [key, info] of [
      ['1', i1],
      ['2', i2],
    ] as const) {
      for (const u of info.units as Array<{ id: string; tla: string }>)
        units[`${u.tla}@${key}`] = { notary: info.id as string, unit: u.id };
    }
    const accounts: Array<[string, Name, string, string]> = [
      [n1, 'alice', 'USD', '100000'],
      [n1, 'bob', 'USD', '0'],
      [n1, 'bob', 'EUR', '50000'],
      [n1, 'carol', 'EUR', '0'],
      [n2, 'carol', 'EUR', '50000'],
      [n2, 'dave', 'EUR', '0'],
    ];
    for (const [dir, owner, unit, fund] of accounts) {
      const r = await cli(['notary', 'account', dir, '--owner', owner, '--unit', unit, '--fund', fund]);
      expect(r.exitCode).toBe(0);
    }
    await Promise.all(
      NAMES.map(async (name) => {
        const init = await cli(['init'], homes[name]);
        expect(init.exitCode).toBe(0);
        pub[name] = (await import('../../src/keys/nip19.ts')).npubDecode(init.npub as string);
        for (const [k, v] of [
          ['relays', JSON.stringify([relay.url])],
          ['simulatedNotaries', JSON.stringify([n1, n2])],
          ['otUser', name],
        ]) {
          expect((await cli(['config', 'set', k as string, v as string], homes[name])).exitCode).toBe(0);
        }
      }),
    );
    const follows = (me: Name): string[] => NAMES.filter((n) => n !== me).map((n) => pub[n]);
    const offer = (id: string, from: string, to: string, rate: [string, string], cutPpm: string, fee: string) => ({
      id,
      in: units[from],
      out: units[to],
      rate,
      cutPpm,
      fee,
      min: '100',
      max: '1000000',
      liquidity: '50000',
    });
    const alice = startPeer(homes.alice, { follows: follows('alice'), exit: true });
    children.bob = startPeer(homes.bob, {
      follows: follows('bob'),
      offers: [offer('usd-eur', 'USD@1', 'EUR@1', ['92', '100'], '2000', '10')],
    });
    children.carol = startPeer(homes.carol, {
      follows: follows('carol'),
      offers: [offer('eur1-eur2', 'EUR@1', 'EUR@2', ['1', '1'], '1000', '5')],
    });
    children.dave = startPeer(homes.dave, { follows: follows('dave') });
    await alice.waitFor((l) => l.event === 'done', 60_000);
    for (const c of Object.values(children)) await c.waitFor((l) => l.event === 'ready', 60_000);
  }, 120_000);

  afterAll(async () => {
    for (const c of Object.values(children)) {
      c.proc.kill('SIGCONT');
      c.proc.kill('SIGTERM');
    }
    await Promise.all(
      Object.values(children).map(
        (c) => new Promise((r) => (c.proc.exitCode !== null ? r(null) : c.proc.once('exit', r))),
      ),
    );
    await relay?.close();
  }, 30_000);

  it('route online, then pay: Dave receives the quoted EUR on notary 2, the receipt verifies, the ledgers balance', async () => {
    const route = await cli(
      ['route', '--to', npubEncode(pub.dave), '--amount', '100.00', '--unit', 'EUR'],
      homes.alice,
    );
    expect(route.exitCode).toBe(0);
    const parts = route.parts as Array<{ hops: Array<{ from: string; to: string; offer: string | null }> }>;
    expect(parts[0]?.hops.map((h) => h.to)).toEqual([pub.bob, pub.carol, pub.dave]);
    expect(parts[0]?.hops.map((h) => h.offer)).toEqual(['usd-eur', 'eur1-eur2', null]);

    const before = balances();
    const pay = await cli(
      ['pay', '--to', npubEncode(pub.dave), '--amount', '100.00', '--unit', 'EUR', '--max-fee', '1.00'],
      homes.alice,
    );
    expect(pay).toMatchObject({ exitCode: 0, state: 'succeeded' });
    const result = (pay.results as Array<Record<string, unknown>>)[0]!;
    const receipt = result.receipt as { paymentHash: string; preimage: string; verified: boolean };
    expect(receipt.verified).toBe(true);
    expect(bytesToHex(sha256(hexToBytes(receipt.preimage)))).toBe(receipt.paymentHash);
    const quoted = BigInt((pay.route as { receive: string }).receive);
    expect(quoted).toBe(10_000n);
    const after = balances();
    expect(after.by['dave:n2:EUR']! - before.by['dave:n2:EUR']!).toBe(quoted);
    expect(before.by['alice:n1:USD']! - after.by['alice:n1:USD']!).toBe(BigInt(result.sent as string));
    expect(allZero(after.sums)).toBe(true);
    // every party recorded its side as done
    await children.dave!.waitFor((l) => l.id === result.paymentId && l.state === 'fulfilled');
    await children.bob!.waitFor((l) => l.id === result.paymentId && l.state === 'forwarded');
    const history = await cli(['payments'], homes.alice);
    expect(
      (history.payments as Array<{ id: string; state: string }>).find((p) => p.id === result.paymentId)?.state,
    ).toBe('succeeded');
  }, 60_000);

  it('a hop that cannot forward (no liquidity on notary 2) refunds; the refund cascades and nothing is lost', async () => {
    // Carol's offer still says 50000 of liquidity, but her EUR on notary 2 is moved away
    const n = openNotaryDir(n2);
    const carolAcct = n.accounts('carol').find((a) => a.type !== 'issuer')!;
    const savings = n.openAccount('carol-savings', carolAcct.unitId!);
    const held = n.balance(carolAcct.id);
    n.transfer({
      idempotencyKey: 'e2e-drain-carol',
      notaryId: n.id,
      fromAccountId: carolAcct.id,
      toAccountId: savings,
      amount: held,
    });
    try {
      const before = balances();
      const pay = await cli(
        ['pay', '--to', npubEncode(pub.dave), '--amount', '50.00', '--unit', 'EUR', '--max-fee', '1.00'],
        homes.alice,
      );
      expect(pay.exitCode).toBe(1);
      expect(pay.state).toBe('refunded');
      const result = (pay.results as Array<Record<string, unknown>>)[0]!;
      expect(result.receipt).toBeNull();
      expect(result.refunded).toBe(result.sent);
      const after = balances();
      expect(after.by).toEqual(before.by);
      expect(allZero(after.sums)).toBe(true);
    } finally {
      n.transfer({
        idempotencyKey: 'e2e-restore-carol',
        notaryId: n.id,
        fromAccountId: savings,
        toAccountId: carolAcct.id,
        amount: held,
      });
      n.close();
    }
  }, 60_000);

  it('a hop that goes silent before quoting: the payer fails after its timeout, nothing moved', async () => {
    const before = balances();
    children.carol!.proc.kill('SIGSTOP');
    try {
      const pay = await cli(
        ['pay', '--to', npubEncode(pub.dave), '--amount', '30', '--unit', 'EUR', '--timeout', '3'],
        homes.alice,
      );
      expect(pay.exitCode).toBe(1);
      const result = (pay.results as Array<Record<string, unknown>>)[0]!;
      expect(result).toMatchObject({ state: 'failed', sent: '0', error: { code: 'hop-timeout' } });
    } finally {
      children.carol!.proc.kill('SIGCONT');
    }
    expect(balances().by).toEqual(before.by);
  }, 60_000);

  it('a hop that goes silent after preparing: the payer ends failed within its expiry and names the holder; the refund follows when it wakes', async () => {
    const before = balances();
    const carol = children.carol!;
    carol.proc.stdin!.write('stop-after-prepare\n');
    await carol.waitFor((l) => l.event === 'armed');
    const pay = await cli(
      [
        'pay',
        '--to',
        npubEncode(pub.dave),
        '--amount',
        '20.00',
        '--unit',
        'EUR',
        '--timeout',
        '5',
        '--expiry-delta',
        '2',
      ],
      homes.alice,
    );
    carol.proc.kill('SIGCONT');
    expect(pay.exitCode).toBe(1);
    const result = (pay.results as Array<Record<string, unknown>>)[0]!;
    expect(['failed', 'refunded']).toContain(result.state);
    expect(result.receipt).toBeNull();
    const flagged = await cli(['payments', '--misbehaving'], homes.alice);
    if (result.state === 'failed' && result.sent !== '0') {
      expect((flagged.misbehaving as Array<{ pubkey: string }>).map((r) => r.pubkey)).toContain(pub.carol);
    }
    // Carol wakes up, finds the funds arrived after her expiry, and refunds; Bob refunds Alice
    let after = balances();
    for (let i = 0; i < 100 && after.by['alice:n1:USD'] !== before.by['alice:n1:USD']; i++) {
      await new Promise((r) => setTimeout(r, 200));
      after = balances();
    }
    expect(after.by).toEqual(before.by);
    expect(allZero(after.sums)).toBe(true);
  }, 60_000);

  it('a withdrawn offer leaves no route: route and pay exit 1 with no-route, nothing moved', async () => {
    const before = balances();
    children.bob!.proc.stdin!.write('withdraw usd-eur\n');
    await children.bob!.waitFor((l) => l.event === 'withdrawn');
    const route = await cli(['route', '--to', npubEncode(pub.dave), '--amount', '10.00', '--unit', 'EUR'], homes.alice);
    expect(route).toMatchObject({ exitCode: 1, error: { code: 'no-route' } });
    const pay = await cli(['pay', '--to', npubEncode(pub.dave), '--amount', '10.00', '--unit', 'EUR'], homes.alice);
    expect(pay).toMatchObject({ exitCode: 1, error: { code: 'no-route' } });
    expect(balances().by).toEqual(before.by);
  }, 60_000);
});
