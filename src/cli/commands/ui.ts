import { OtP2pError } from '../../core/errors.ts';
import { parseJson } from '../../core/json.ts';
import { parseOffersFile } from '../../pathing/index.ts';
import type { DashboardBackend } from '../../ui/backend.ts';
import { DEFAULT_UI_PORT, assertUiBuilt, defaultUiDir, startDashboardServer } from '../../ui/server.ts';
import { PeerDashboardBackend } from '../../ui/peer-backend.ts';
import { StaticDashboardBackend, parseNames } from '../../ui/static-backend.ts';
import { openPeer } from '../peer.ts';
import { PASSWORD_OPTION } from '../secrets.ts';
import { defineCommand } from '../command.ts';
import type { CommandContext } from '../command.ts';
import { printJson } from '../io.ts';
import { readTextFileBounded } from '../input.ts';
import { portOption, requiredPubkey, stringOption } from '../options.ts';

/** Offline files can be large (a whole offer graph): 64 MiB of JSON text. */
const MAX_FILE_BYTES = 64 << 20;

/** A backend and how to release it. */
export interface OpenedBackend {
  backend: DashboardBackend;
  close: () => Promise<void>;
}

/**
 * The backend the dashboard shows. Live: the user's {@link Peer} (unlocked from the data folder,
 * started, and syncing its web live). Offline: `--offers FILE --from PUBKEY` (a read-only
 * {@link StaticDashboardBackend} over the real route finder).
 * @throws OtP2pError what `openPeer` throws (`no-identity`, `no-password`, `bad-password`,
 *   `bad-config`), `usage` for `--from` without `--offers`, `io-error` for an unreadable file, and
 *   the codes of `parseOffersFile`.
 */
export async function createDashboardBackend(ctx: CommandContext): Promise<OpenedBackend> {
  const file = stringOption(ctx, 'offers');
  if (file === undefined) {
    if (ctx.options.from !== undefined)
      throw new OtP2pError('usage', '--from goes with --offers FILE (the offline view)');
    const { peer, close } = await openPeer(ctx);
    const backend = new PeerDashboardBackend(peer);
    try {
      await peer.start();
      // A first sync failure (relays down) still shows the page: relay health says why.
      await peer.sync({ live: true }).catch((err: unknown) => ctx.io.stderr(`sync: ${(err as Error).message}\n`));
    } catch (err) {
      backend.close();
      await close();
      throw err;
    }
    return {
      backend,
      close: async () => {
        backend.close();
        await close();
      },
    };
  }
  const self = requiredPubkey(ctx, 'from', 'PUBKEY (with --offers)');
  const text = await readTextFileBounded(file, MAX_FILE_BYTES, 'offers file', ctx.signal);
  const value = parseJson(text, 'offers file', MAX_FILE_BYTES);
  const backend = new StaticDashboardBackend({ file: parseOffersFile(value), self, names: parseNames(value) });
  return { backend, close: async () => {} };
}

export default defineCommand({
  name: 'ui',
  description: 'Serve the local web dashboard on 127.0.0.1 (offers graph, route finder, mint alarms, payments, DMs)',
  details:
    'Prints a URL carrying a random access token; open it in a browser on this machine. Every request and the\n' +
    'live-update WebSocket must carry the token (the first visit swaps it for an HttpOnly cookie). Runs until Ctrl-C.\n' +
    'Live: unlocks your identity (vault password from $OTP2P_PASSWORD or --password-stdin), starts the peer and\n' +
    'syncs your web. Offline view (read-only, no peer): otp2p ui --offers FILE --from PUBKEY (the otp2p route file; an optional\n' +
    '"names": { pubkey: "Alice" } labels the peers).\n' +
    'The page is built by `npm run build:ui` (into dist/ui). JSON: { "url", "port", "token" } once listening.',
  options: {
    port: {
      type: 'string',
      value: 'PORT',
      default: String(DEFAULT_UI_PORT),
      description: 'TCP port on 127.0.0.1 (0 picks a free one)',
    },
    offers: { type: 'string', value: 'FILE', description: 'offline offers file (see otp2p route --help)' },
    from: { type: 'string', value: 'PUBKEY', description: "with --offers: the user's pubkey (hex or npub)" },
    'password-stdin': PASSWORD_OPTION,
    dir: {
      type: 'string',
      value: 'DIR',
      description: 'serve the built page from DIR (default: dist/ui of this package)',
    },
  },
  run: async (ctx) => {
    const port = portOption(ctx, 'port', DEFAULT_UI_PORT);
    const staticDir = stringOption(ctx, 'dir') ?? defaultUiDir();
    assertUiBuilt(staticDir);
    const { backend, close } = await createDashboardBackend(ctx);
    let server;
    try {
      server = await startDashboardServer({ backend, staticDir, port });
    } catch (err) {
      await close();
      throw err;
    }
    if (ctx.json) printJson(ctx, { url: server.urlWithToken, port: server.port, token: server.token });
    else ctx.io.stdout(`dashboard: ${server.urlWithToken}\n`);
    ctx.io.stderr('serving on 127.0.0.1 only; Ctrl-C stops\n');
    if (!ctx.signal.aborted)
      await new Promise<void>((r) => ctx.signal.addEventListener('abort', () => r(), { once: true }));
    await server.close();
    await close();
  },
});
