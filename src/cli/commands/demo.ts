import { runDemo } from '../../demo.ts';
import type { DemoStep, DemoWorld } from '../../demo.ts';
import { PeerDashboardBackend } from '../../ui/peer-backend.ts';
import { DEFAULT_UI_PORT, assertUiBuilt, defaultUiDir, startDashboardServer } from '../../ui/server.ts';
import type { DashboardServer } from '../../ui/server.ts';
import { defineCommand } from '../command.ts';
import type { CommandContext } from '../command.ts';
import { printJson } from '../io.ts';
import { boolOption, portOption } from '../options.ts';

/** Serve Alice's and Frank's dashboards over the live demo until Ctrl-C. */
async function serveDashboards(ctx: CommandContext, world: DemoWorld, port: number): Promise<void> {
  const staticDir = defaultUiDir();
  assertUiBuilt(staticDir);
  const servers: DashboardServer[] = [];
  const names = Object.fromEntries(
    Object.entries(world.peers).map(([n, p]) => [p.pubkey, n.charAt(0).toUpperCase() + n.slice(1)]),
  );
  try {
    for (const [i, name] of (['alice', 'frank'] as const).entries()) {
      const server = await startDashboardServer({
        backend: new PeerDashboardBackend(world.peers[name], { names }),
        staticDir,
        port: port === 0 ? 0 : port + i,
      });
      servers.push(server);
      if (ctx.json) printJson(ctx, { step: 'ui', say: `${name}'s dashboard`, peer: name, url: server.urlWithToken });
      else ctx.io.stdout(`[ui] ${name}'s dashboard: ${server.urlWithToken}\n`);
    }
    ctx.io.stderr('dashboards on 127.0.0.1 only; Ctrl-C stops the demo\n');
    if (!ctx.signal.aborted)
      await new Promise<void>((r) => ctx.signal.addEventListener('abort', () => r(), { once: true }));
  } finally {
    for (const s of servers) await s.close();
  }
}

export default defineCommand({
  name: 'demo',
  description:
    'Run the whole story on this machine: embedded relay, two simulated notaries, six peers, a 3-hop payment and a mint alarm',
  details:
    'Needs no network: everything runs on 127.0.0.1 in a temporary folder that is removed afterwards (--keep keeps it).\n' +
    'With --json, prints one JSON object per step (field "step"): relay, notaries, peers, publish, negotiate, route,\n' +
    'payment, cheat, attest, mint-verdict (one per peer), done. Exit 0 when every step went as the story says, 1 otherwise.\n' +
    "With --ui, keeps the peers running after the story and serves Alice's and Frank's dashboards until Ctrl-C.",
  options: {
    keep: { type: 'boolean', description: 'keep the working folder' },
    port: { type: 'string', value: 'PORT', description: 'relay port (default: any free port)' },
    ui: { type: 'boolean', description: "serve Alice's and Frank's dashboards after the story, until Ctrl-C" },
    'ui-port': {
      type: 'string',
      value: 'PORT',
      default: String(DEFAULT_UI_PORT),
      description: "first dashboard port (Frank's is the next one; 0 = any free)",
    },
  },
  run: async (ctx) => {
    const started = Date.now();
    const port = portOption(ctx, 'port', 0);
    const uiPort = portOption(ctx, 'ui-port', DEFAULT_UI_PORT);
    const ui = boolOption(ctx, 'ui');
    if (ui) assertUiBuilt(defaultUiDir());
    const summary = await runDemo({
      keep: boolOption(ctx, 'keep'),
      port,
      signal: ctx.signal,
      ...(ui ? { hold: (world: DemoWorld) => serveDashboards(ctx, world, uiPort) } : {}),
      onStep: (step: DemoStep) => {
        if (ctx.json) printJson(ctx, step);
        else ctx.io.stdout(`[${step.step}] ${step.say}\n`);
      },
    });
    if (!ctx.json) ctx.io.stderr(`demo finished in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    return summary.ok ? 0 : 1;
  },
});
