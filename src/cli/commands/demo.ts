import { runDemo } from '../../demo.ts';
import type { DemoStep } from '../../demo.ts';
import { defineCommand } from '../command.ts';
import { printJson } from '../io.ts';

export default defineCommand({
  name: 'demo',
  description: 'Run the whole story on this machine: embedded relay, two simulated notaries, six peers, a 3-hop payment and a mint alarm',
  details:
    'Needs no network: everything runs on 127.0.0.1 in a temporary folder that is removed afterwards (--keep keeps it).\n' +
    'With --json, prints one JSON object per step (field "step"): relay, notaries, peers, publish, negotiate, route,\n' +
    'payment, cheat, attest, mint-verdict (one per peer), done. Exit 0 when every step went as the story says, 1 otherwise.',
  options: {
    keep: { type: 'boolean', description: 'keep the working folder' },
    port: { type: 'string', value: 'PORT', description: 'relay port (default: any free port)' },
  },
  run: async (ctx) => {
    const started = Date.now();
    const port = ctx.options.port === undefined ? 0 : Number(ctx.options.port);
    const summary = await runDemo({
      keep: ctx.options.keep === true,
      port,
      signal: ctx.signal,
      onStep: (step: DemoStep) => {
        if (ctx.json) printJson(ctx, step);
        else ctx.io.stdout(`[${step.step}] ${step.say}\n`);
      },
    });
    if (!ctx.json) ctx.io.stderr(`demo finished in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    return summary.ok ? 0 : 1;
  },
});
