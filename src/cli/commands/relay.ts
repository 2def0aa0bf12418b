import { join } from 'node:path';
import { startEmbeddedRelay } from '../../relays/embedded.ts';
import { defineCommand } from '../command.ts';
import { printJson } from '../io.ts';
import { intOption, intOptionOr, portOption, stringOption } from '../options.ts';

export default defineCommand({
  name: 'relay',
  description: 'Run a local Nostr relay (embedded, SQLite-backed) until interrupted',
  details:
    'Serves NIP-01, NIP-11 (GET with Accept: application/nostr+json) and NIP-42; gift wraps (kind 1059) only to their authenticated recipient.\nExample: otp2p relay --port 7777 --db ./relay.sqlite',
  options: {
    host: { type: 'string', description: 'interface to listen on', default: '127.0.0.1', value: 'HOST' },
    port: { type: 'string', description: 'TCP port (0 picks a free one)', default: '7777', value: 'PORT' },
    db: { type: 'string', description: 'SQLite file for the relay', default: '<home>/relay.sqlite', value: 'FILE' },
    'default-limit': {
      type: 'string',
      description: 'REQ limit when a filter names none; the cap is 10x this',
      default: '500',
      value: 'N',
    },
    'max-limit': {
      type: 'string',
      description: 'most events any REQ filter gets (NIP-11 max_limit); default 10x the default limit',
      value: 'N',
    },
  },
  run: async (ctx) => {
    const host = stringOption(ctx, 'host') ?? '127.0.0.1';
    const port = portOption(ctx, 'port', 7777);
    const defaultLimit = intOptionOr(ctx, 'default-limit', 500, { min: 1, max: 1_000_000 });
    const maxLimit = intOption(ctx, 'max-limit', { min: 1, max: 1_000_000 });
    const dbPath = stringOption(ctx, 'db') ?? join(ctx.home.ensure(), 'relay.sqlite');
    const relay = await startEmbeddedRelay({
      host,
      port,
      dbPath,
      defaultLimit,
      ...(maxLimit !== undefined ? { maxLimit } : {}),
    });
    if (ctx.json) printJson(ctx, { url: relay.url, port: relay.port, db: dbPath });
    else ctx.io.stdout(`${relay.url}\n`);
    ctx.io.stderr(`relay listening on ${relay.url} (db ${dbPath}); Ctrl-C to stop\n`);
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) resolve();
      else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await relay.close();
    ctx.io.stderr('relay stopped\n');
  },
});
