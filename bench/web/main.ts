/**
 * `npm run bench -- web [--json] [--keys N] [--seed S] [--no-baseline] [--check-model]`: the web
 * sync at the size of the real Nostr network (issue 17), on a seeded simulated network with
 * modelled relays (network.ts, relay.ts; the model and its check are in docs/performance.md).
 *
 * Three scenarios, each in a process of its own so each peak memory is its own: the engine's cold
 * start (empty database), its warm restart one simulated hour later (same database file; 1% of
 * offers changed, 100 new follow lists), and the baseline, today's `OfferWeb.sync`, stopped at
 * 2 GB received. `--check-model` instead runs only the model's check: a 10,000-key slice (or
 * --keys, if smaller) on 4 embedded relays over real sockets, bytes and REQs against the model
 * (check-model.ts).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ScenarioResult } from './measure.ts';

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = join(here, '..', '..');

/** Run one scenario in a child process; its stderr is passed through as log lines. */
function scenario(name: string, args: string[], log: (s: string) => void, heapMb?: number): Promise<ScenarioResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--expose-gc',
        ...(heapMb ? [`--max-old-space-size=${heapMb}`] : []),
        '--import',
        'tsx',
        join(here, 'child.ts'),
        name,
        ...args,
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => void (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      let i = err.indexOf('\n');
      while (i >= 0) {
        log(err.slice(0, i));
        err = err.slice(i + 1);
        i = err.indexOf('\n');
      }
    });
    child.on('exit', (code) => {
      if (err) log(err);
      const last = out.trim().split('\n').pop();
      if (code !== 0 || !last) return reject(new Error(`web bench: scenario ${name} exited with ${code}`));
      resolve(JSON.parse(last) as ScenarioResult);
    });
  });
}

const pick = (r: ScenarioResult) => ({
  seconds: r.seconds,
  bytes: r.bytes,
  reqs: r.reqs,
  peak_mb: r.peak_mb,
  recall: r.recall,
});

function row(name: string, r: ScenarioResult): string {
  return `${name.padEnd(9)} ${r.seconds.toFixed(2).padStart(9)} s ${(r.bytes / 1e6).toFixed(2).padStart(10)} MB ${String(r.reqs).padStart(6)} REQs ${r.peak_mb.toFixed(0).padStart(5)} MB peak  recall ${r.recall.toFixed(3)} (${r.detail.recall.found}/${r.detail.recall.routes} routes, ${r.detail.recall.viaOffers} via offers)  wall ${r.detail.wall_seconds} s${r.stopped ? '  STOPPED at 2 GB' : ''}`;
}

export default async function main(args: string[]): Promise<void> {
  const json = args.includes('--json');
  const num = (flag: string, dflt: number, min: number): number => {
    const i = args.indexOf(flag);
    if (i < 0) return dflt;
    const v = Number(args[i + 1]);
    if (!Number.isInteger(v) || v < min) {
      process.stderr.write(`web bench: ${flag} must be an integer >= ${min}, got ${String(args[i + 1])}\n`);
      process.exit(2);
    }
    return v;
  };
  const keys = num('--keys', 100_000, 1000);
  const seed = num('--seed', 1, 0);
  // hour-aligned, so a run's timestamps have the same digits (and bytes) as any other run's
  const now = Math.floor(Date.now() / 3_600_000) * 3600;
  const log = (s: string): void => void (json ? process.stderr : process.stdout).write(`${s}\n`);
  const dir = mkdtempSync(join(tmpdir(), 'otp2p-bench-web-'));
  try {
    if (args.includes('--check-model')) {
      // a separate experiment: the model against real sockets on a slice (check-model.ts)
      const { checkModel } = await import('./check-model.ts');
      const check = await checkModel(Math.min(keys, 10_000), seed, log);
      if (json) process.stdout.write(`${JSON.stringify({ check_model: check })}\n`);
      return;
    }
    const common = [String(keys), String(seed), String(now), join(dir, 'wallet.sqlite'), join(dir, 'full.json')];
    log(`web bench: ${keys} keys, 16 relays (seed ${seed}); modelled 100 ms round trip, 20 Mbit/s per connection`);
    const t0 = performance.now();
    await scenario('full', common, log);
    const cold = await scenario('cold', common, log);
    const warm = await scenario('warm', common, log);
    const baseline = args.includes('--no-baseline') ? undefined : await scenario('baseline', common, log, 12_000);
    log('');
    log(row('cold', cold));
    log(row('warm', warm));
    if (baseline) log(row('baseline', baseline));
    log('targets: cold <= 15 s and 25 MB; warm <= 1 s and 500 kB; recall >= 0.98; peak < 300 MB');
    const benchWall = Math.round((performance.now() - t0) / 100) / 10;
    log(`bench wall time: ${benchWall} s (every scenario, recall and the full-knowledge search included)`);
    if (json) {
      process.stdout.write(
        `${JSON.stringify({
          keys,
          relays: 16,
          cold: pick(cold),
          warm: pick(warm),
          baseline: baseline ? { cold: pick(baseline), stopped: baseline.stopped === true } : null,
          detail: { cold: cold.detail, warm: warm.detail, baseline: baseline?.detail, bench_wall_seconds: benchWall },
        })}\n`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
