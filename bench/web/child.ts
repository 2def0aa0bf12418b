/**
 * One scenario in a process of its own (so each peak memory is its own), started by main.ts:
 * `node --import tsx bench/web/child.ts <cold|warm|baseline> <keys> <seed> <now> <db>`. Logs go
 * to stderr; the last line on stdout is the {@link ScenarioResult} as JSON.
 */
import { advance, generateNetwork } from './network.ts';
import { runBaseline } from './baseline.ts';
import { runEngine } from './engine.ts';
import type { ScenarioResult } from './measure.ts';

/** The payer's configured relays: the three most popular of the model. */
export const CONFIGURED = 3;

const [scenario, keys, seed, now, db] = process.argv.slice(2);
const log = (s: string): void => void process.stderr.write(`${s}\n`);
const t = performance.now();
const net = generateNetwork({ keys: Number(keys), seed: Number(seed), now: Number(now) });
log(`${scenario}: network of ${keys} keys generated in ${((performance.now() - t) / 1000).toFixed(1)} s`);
const configured = net.relayUrls.slice(0, CONFIGURED);
let out: ScenarioResult;
if (scenario === 'baseline') out = await runBaseline(net, configured, undefined, log);
else {
  if (scenario === 'warm') advance(net);
  out = await runEngine(net, configured, db as string, log);
}
process.stdout.write(`${JSON.stringify(out)}\n`);
process.exit(0);
