/**
 * Crash test: the payer, a hop and the payee run as child processes talking gift-wrapped DMs
 * through the embedded relay and paying through one SimulatedNotary ledger file. For every
 * numbered persistence point of each role (in a seeded order), the party playing that role is
 * armed with that point (the same hook OTP2P_CRASH_AT sets, armed over stdin to spare a restart),
 * kills itself with SIGKILL at that point during a fresh payment, and is restarted. Then the invariants are checked: every transfer of the payment
 * happened exactly once, the sum of all balances is unchanged, the payment ended succeeded or
 * failed/refunded (never stuck) at every party, and the balances moved as the outcome says.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex } from '../../src/core/bytes.ts';
import { SeededRandom } from '../../src/core/random.ts';
import { getPublicKey } from '../../src/events/sign.ts';
import { SimulatedNotary } from '../../src/otapi/notary.ts';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import type { EmbeddedRelay } from '../../src/relays/embedded.ts';
import { CRASH_POINTS } from '../../src/payments/crash.ts';
import { TERMINAL_STATES } from '../../src/payments/coordinator.ts';
import { minInputFor } from '../../src/payments/quote.ts';
import { PROJECT_ROOT } from '../helpers/shared.ts';
import { tmpDir } from '../helpers/tmp.ts';
import type { PartyConfig } from './fixtures/party.ts';

const SEED = Number(process.env.PAY_CRASH_SEED ?? 20261124);
const FIXTURE = join(PROJECT_ROOT, 'test/payments/fixtures/party.ts');
type Name = 'alice' | 'bob' | 'dave';
const ROLE_OF: Record<string, Name> = { payer: 'alice', hop: 'bob', payee: 'dave' };

interface Proc {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  exited: Promise<NodeJS.Signals | number | null>;
  waitLine(
    pred: (l: Record<string, unknown>) => boolean,
    timeoutMs: number,
  ): Promise<Record<string, unknown> | undefined>;
}

function start(config: PartyConfig, crashAt?: string): Proc {
  const env: NodeJS.ProcessEnv = { ...process.env, PAY_PARTY: JSON.stringify(config) };
  delete env.OTP2P_CRASH_AT;
  if (crashAt) env.OTP2P_CRASH_AT = crashAt;
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      return;
    }
    for (const w of waiters) w();
  });
  child.stderr!.on('data', (d: Buffer) => {
    if (process.env.PAY_DEBUG) process.stderr.write(d);
  });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(signal ?? code)),
  );
  return {
    child,
    lines,
    exited,
    waitLine: (pred, timeoutMs) =>
      new Promise((resolve) => {
        const check = (): void => {
          const hit = lines.find(pred);
          if (hit) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(hit);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          resolve(undefined);
        }, timeoutMs);
        waiters.add(check);
        check();
        void exited.then(() => setTimeout(check, 0));
      }),
  };
}

async function stop(p: Proc): Promise<void> {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
  await p.exited;
}

function shuffled<T>(items: T[], seed: number): T[] {
  const rnd = new SeededRandom(seed);
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = rnd.bytes(4).reduce((x, b) => x * 256 + b, 0) % (i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

describe('payments survive kill -9 at every persistence point', () => {
  let relay: EmbeddedRelay;
  const procs: Partial<Record<Name, Proc>> = {};
  beforeAll(async () => {
    relay = await startEmbeddedRelay();
  });
  afterAll(async () => {
    for (const p of Object.values(procs)) if (p) await stop(p);
    await relay?.close();
  });

  it('each transfer happens exactly once, balances are conserved, no payment is stuck', async () => {
    const dir = tmpDir();
    const ledger = join(dir, 'notary.sqlite');
    const seedHex = '11'.repeat(32);
    const notary = SimulatedNotary.open({
      ledgerPath: ledger,
      seed: Buffer.from(seedHex, 'hex'),
      units: [
        { name: 'US Dollars', tla: 'USD', factor: 100n, decimalPower: 2 },
        { name: 'Euros', tla: 'EUR', factor: 100n, decimalPower: 2 },
      ],
    });
    const [usd, eur] = [notary.units[0]!.id, notary.units[1]!.id];
    const acct = {
      aliceUsd: notary.openAccount('alice', usd, 100_000n),
      bobUsd: notary.openAccount('bob', usd, 0n),
      bobEur: notary.openAccount('bob', eur, 100_000n),
      daveEur: notary.openAccount('dave', eur, 0n),
    };
    const rnd = new SeededRandom(SEED);
    const sk = { alice: bytesToHex(rnd.bytes(32)), bob: bytesToHex(rnd.bytes(32)), dave: bytesToHex(rnd.bytes(32)) };
    const pk = {
      alice: getPublicKey(Buffer.from(sk.alice, 'hex')),
      bob: getPublicKey(Buffer.from(sk.bob, 'hex')),
      dave: getPublicKey(Buffer.from(sk.dave, 'hex')),
    };
    const rate = { num: 9n, den: 10n };
    const leg0 = minInputFor(100n, rate, 1000, 1n);
    const base = { dir, relay: relay.url, notary: { ledger, seed: seedHex }, expiryDeltaSeconds: 15 };
    const configs: Record<Name, PartyConfig> = {
      alice: {
        ...base,
        name: 'alice',
        secretKey: sk.alice,
        accounts: [{ notary: notary.id, unit: usd, account: acct.aliceUsd }],
        offers: [],
        friends: [pk.bob],
        route: [
          { from: pk.alice, to: pk.bob, notary: notary.id, unit: usd, amount: leg0.toString(), offer: 'bob-usd-eur' },
          { from: pk.bob, to: pk.dave, notary: notary.id, unit: eur, amount: '100' },
        ],
      },
      bob: {
        ...base,
        name: 'bob',
        secretKey: sk.bob,
        accounts: [
          { notary: notary.id, unit: usd, account: acct.bobUsd },
          { notary: notary.id, unit: eur, account: acct.bobEur },
        ],
        offers: [
          {
            id: 'bob-usd-eur',
            inNotary: notary.id,
            inUnit: usd,
            outNotary: notary.id,
            outUnit: eur,
            rate: ['9', '10'],
            cutPpm: 1000,
            fee: '1',
          },
        ],
      },
      dave: {
        ...base,
        name: 'dave',
        secretKey: sk.dave,
        accounts: [{ notary: notary.id, unit: eur, account: acct.daveEur }],
        offers: [],
      },
    };
    const balances = (): Record<string, bigint> =>
      Object.fromEntries(Object.entries(acct).map(([k, id]) => [k, notary.balance(id)]));
    const total = (b: Record<string, bigint>): string => `${b.aliceUsd! + b.bobUsd!}:${b.bobEur! + b.daveEur!}`;
    const totals0 = total(balances());

    const launch = async (name: Name, crashAt?: string): Promise<Proc> => {
      const t0 = Date.now();
      const p = start(configs[name], crashAt);
      procs[name] = p;
      const ready = await p.waitLine((l) => l.event === 'ready', 30_000);
      if (process.env.PAY_DEBUG) console.error(`${name} ready in ${Date.now() - t0} ms`);
      if (!ready) throw new Error(`${name} did not start`);
      return p;
    };
    await Promise.all((['alice', 'bob', 'dave'] as const).map((n) => launch(n)));

    const rowState = (name: Name, id: string): string | undefined => {
      const db = new Database(join(dir, `${name}.sqlite`), { readonly: true });
      try {
        return (db.prepare('SELECT state FROM payments WHERE id = ?').get(id) as { state: string } | undefined)?.state;
      } finally {
        db.close();
      }
    };
    const transferKeys = (id: string): string[] => {
      const db = new Database(ledger, { readonly: true });
      try {
        return (
          db
            .prepare('SELECT idempotency_key FROM sim_transfers WHERE idempotency_key LIKE ?')
            .pluck()
            .all(`${id}:%`) as string[]
        ).sort();
      } finally {
        db.close();
      }
    };

    const only = process.env.PAY_CRASH_ONLY?.split(',');
    const points = shuffled([...CRASH_POINTS], SEED).filter((p) => !only || only.includes(p));
    const violations: string[] = [];
    let exercised = 0;
    let paid = 0;
    for (const [i, point] of points.entries()) {
      const role = point.split(':')[0]!;
      const victim = ROLE_OF[role]!;
      const occurrence = point.endsWith(':sent') ? 1 + (i % 2) : 1;
      const victimProc = procs[victim]!;
      const armed = victimProc.lines.length;
      victimProc.child.stdin!.write(`arm ${point}#${occurrence}\n`);
      await victimProc.waitLine((l) => l.event === 'armed' && victimProc.lines.indexOf(l) >= armed, 30_000);
      const id = bytesToHex(rnd.bytes(16));
      const before = balances();
      procs.alice!.child.stdin!.write(`pay ${id}\n`);
      const done = (l: Record<string, unknown>): boolean =>
        l.event === 'result' && (l.result as { paymentId: string }).paymentId === id;
      const tPay = Date.now();
      const first = await Promise.race([
        victimProc.exited.then(() => 'killed' as const),
        procs.alice!.waitLine(done, 60_000).then(() => 'finished' as const),
      ]);
      if (first === 'killed' || victimProc.child.signalCode === 'SIGKILL') {
        if (victimProc.child.signalCode === 'SIGKILL') exercised++;
        else violations.push(`${point}: ${victim} exited without SIGKILL`);
        await launch(victim);
      } else {
        victimProc.child.stdin!.write('disarm\n');
      }
      const result = (await procs.alice!.waitLine(done, 60_000))?.result as { state: string } | undefined;
      if (process.env.PAY_DEBUG)
        console.error(`--- ${point}: ${first}, result ${result?.state} after ${Date.now() - tPay} ms`);
      if (!result) {
        violations.push(`${point}: payment ${id} stuck at the payer (${rowState('alice', id)})`);
        continue;
      }
      // hops and payee reach a terminal state too
      const settleBy = Date.now() + 30_000;
      let bobState = rowState('bob', id);
      let daveState = rowState('dave', id);
      while (
        Date.now() < settleBy &&
        !(TERMINAL_STATES.hop.includes(bobState ?? '') && TERMINAL_STATES.payee.includes(daveState ?? ''))
      ) {
        if (result.state !== 'succeeded' && bobState === undefined) break;
        await new Promise((r) => setTimeout(r, 100));
        bobState = rowState('bob', id);
        daveState = rowState('dave', id);
      }
      const keys = transferKeys(id);
      const after = balances();
      if (total(after) !== totals0) violations.push(`${point}: total balances changed`);
      const delta = (k: string): bigint => after[k]! - before[k]!;
      if (result.state === 'succeeded') {
        paid++;
        if (keys.join(',') !== `${id}:leg:0,${id}:leg:1`) violations.push(`${point}: transfers ${keys.join(',')}`);
        if (delta('aliceUsd') !== -leg0 || delta('daveEur') !== 100n)
          violations.push(`${point}: balances moved wrongly for a success`);
        if (bobState !== 'forwarded' || daveState !== 'fulfilled')
          violations.push(`${point}: success but bob ${bobState}, dave ${daveState}`);
      } else if (result.state === 'refunded' || result.state === 'failed') {
        if (delta('aliceUsd') !== 0n && result.state === 'refunded')
          violations.push(`${point}: refunded but alice lost ${-delta('aliceUsd')}`);
        if (keys.some((k) => !/:(leg|refund):\d+$/.test(k)))
          violations.push(`${point}: unexpected transfer keys ${keys.join(',')}`);
        if (result.state === 'failed' && keys.length > 0 && delta('aliceUsd') !== 0n)
          violations.push(`${point}: failed after moving money`);
      } else violations.push(`${point}: payer ended in ${result.state}`);
    }
    console.log(
      `payments crash test (seed ${SEED}): ${exercised} of ${points.length} crash points exercised, ${paid} payments succeeded, ${violations.length} violations`,
    );
    for (const v of violations) console.log(`  violation: ${v}`);
    expect(violations).toEqual([]);
    expect(exercised).toBe(points.length);
    notary.close();
  }, 300_000);
});
