/**
 * `npm run bench -- mint-sim [--json] [--embedded] [--wallets N] [--seeds S]`: the split-view
 * simulation per scenario. Prints detection rate, time to detect (p50/p95, simulated seconds from
 * first holding the mint to the first alarm) and false alarms. Runs over MemoryTransport by
 * default (the verdicts do not depend on the transport; test/mint/simulation.test.ts checks that
 * against the embedded relay), or over the embedded relay + RelayPool with `--embedded`.
 */
import { performance } from 'node:perf_hooks';
import { MemoryTransport } from '../src/relays/memory.ts';
import { startEmbeddedRelay } from '../src/relays/embedded.ts';
import { RelayPool } from '../src/relays/pool.ts';
import { SCENARIOS, runMintSimulation } from '../src/mint/sim.ts';
import type { Transport } from '../src/relays/transport.ts';
import { quantile, round } from './_stats.ts';

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : fallback;
}

export default async function main(args: string[]): Promise<void> {
  const json = args.includes('--json');
  const embedded = args.includes('--embedded');
  const wallets = arg(args, '--wallets', 32);
  const seeds = arg(args, '--seeds', 3);
  const out: Record<
    string,
    {
      wallets: number;
      tagged: number;
      detected: number;
      false_alarms: number;
      p50_s: number | null;
      p95_s: number | null;
      witnesses: number;
      evidence_events: number;
      wall_ms: number;
    }
  > = {};
  for (const scenario of SCENARIOS) {
    let tagged = 0;
    let detected = 0;
    let falseAlarms = 0;
    let witnesses = 0;
    let evidence = 0;
    const times: number[] = [];
    const t0 = performance.now();
    for (let seed = 1; seed <= seeds; seed++) {
      let transport: Transport;
      let stop: () => Promise<void>;
      if (embedded) {
        const relay = await startEmbeddedRelay({ host: '127.0.0.1' });
        const pool = new RelayPool({ relays: [relay.url], fetchLimits: false });
        transport = pool;
        stop = async () => {
          await pool.close();
          await relay.close();
        };
      } else {
        const mem = new MemoryTransport();
        transport = mem;
        stop = () => mem.close();
      }
      try {
        const r = await runMintSimulation({ scenario, transport, wallets, seed });
        tagged += r.tagged;
        detected += r.detected;
        falseAlarms += r.falseAlarms;
        witnesses += r.witnesses;
        evidence += r.evidenceEvents;
        times.push(...r.detectSeconds);
      } finally {
        await stop();
      }
    }
    out[scenario] = {
      wallets: wallets * seeds,
      tagged,
      detected,
      false_alarms: falseAlarms,
      p50_s: times.length ? quantile(times, 0.5) : null,
      p95_s: times.length ? quantile(times, 0.95) : null,
      witnesses,
      evidence_events: evidence,
      wall_ms: round(performance.now() - t0, 0),
    };
    if (!json) process.stderr.write(`${scenario} done\n`);
  }
  if (json) {
    console.log(JSON.stringify({ transport: embedded ? 'embedded-relay' : 'memory', seeds, scenarios: out }));
    return;
  }
  console.log(
    `mint-sim: ${wallets} wallets x ${seeds} seeds per scenario, k=3, depth 2, grace 48 h, checks every 6 h, transport ${embedded ? 'embedded relay' : 'memory'}`,
  );
  console.log('scenario        tagged  detected  rate    p50 (h)  p95 (h)  false alarms  witnesses  wall (ms)');
  for (const [name, r] of Object.entries(out)) {
    const rate = r.tagged ? `${round((100 * r.detected) / r.tagged, 1)}%` : '-';
    const h = (s: number | null): string => (s === null ? '-' : String(round(s / 3600, 1)));
    console.log(
      `${name.padEnd(15)} ${String(r.tagged).padStart(6)}  ${String(r.detected).padStart(8)}  ${rate.padEnd(6)}  ${h(r.p50_s).padStart(7)}  ${h(r.p95_s).padStart(7)}  ${String(r.false_alarms).padStart(12)}  ${String(r.witnesses).padStart(9)}  ${String(r.wall_ms).padStart(9)}`,
    );
  }
}
