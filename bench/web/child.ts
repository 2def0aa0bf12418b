/**
 * One scenario in a process of its own (so each peak memory is its own), started by main.ts:
 * `node --import tsx bench/web/child.ts <full|cold|warm|baseline> <keys> <seed> <now> <db> <costs>`.
 * `full` writes the full-knowledge route costs of the network before and after the simulated hour
 * to the file `<costs>` (one graph for both: recall.ts `fullCosts`); the others read them. Logs go
 * to stderr; the last line on stdout is the {@link ScenarioResult} as JSON (`{}` for `full`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { advance, generateNetwork } from './network.ts';
import { runBaseline } from './baseline.ts';
import { runEngine } from './engine.ts';
import type { ScenarioResult } from './measure.ts';
import { costsFromJson, costsToJson, fullCosts } from './recall.ts';

/** The payer's configured relays: the three most popular of the model. */
export const CONFIGURED = 3;

const [scenario, keys, seed, now, db, costs] = process.argv.slice(2);
const log = (s: string): void => void process.stderr.write(`${s}\n`);
const t = performance.now();
const net = generateNetwork({ keys: Number(keys), seed: Number(seed), now: Number(now) });
log(`${scenario}: network of ${keys} keys generated in ${((performance.now() - t) / 1000).toFixed(1)} s`);
const configured = net.relayUrls.slice(0, CONFIGURED);
if (scenario === 'full') {
  const c = fullCosts(net);
  writeFileSync(costs as string, costsToJson(c));
  log(
    `full knowledge: ${c.base.filter(Boolean).length} routes (${c.advanced.filter(Boolean).length} after the hour) in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
  process.stdout.write('{}\n');
} else {
  const full = costsFromJson(readFileSync(costs as string, 'utf8'));
  let out: ScenarioResult;
  if (scenario === 'baseline') out = await runBaseline(net, configured, full.base, undefined, log);
  else {
    if (scenario === 'warm') advance(net);
    out = await runEngine(net, configured, db as string, scenario === 'warm' ? full.advanced : full.base, log);
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}
process.exit(0);
