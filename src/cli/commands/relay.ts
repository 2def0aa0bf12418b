import { join } from 'node:path';
import { OtP2pError, describeValue } from '../../core/errors.ts';
import { startEmbeddedRelay } from '../../relays/embedded.ts';
import { defineCommand } from '../command.ts';
import { printJson } from '../io.ts';

export default defineCommand({
  name: 'relay',
  description: 'Run a local Nostr relay (embedded, SQLite-backed) until interrupted',
  details: 'Serves NIP-01, NIP-11 (GET with Accept: application/nostr+json) and NIP-42; gift wraps (kind 1059) only to their authenticated recipient.\nExample: otp2p relay --port 7777 --db ./relay.sqlite',
  options: {
    host: { type: 'string', description: 'interface to listen on', default: '127.0.0.1', value: 'HOST' },
    port: { type: 'string', description: 'TCP port (0 picks a free one)', default: '7777', value: 'PORT' },
    db: { type: 'string', description: 'SQLite file for the relay', default: '<home>/relay.sqlite', value: 'FILE' },
    'default-limit': { type: 'string', description: 'REQ limit when a filter names none; the cap is 10x this', default: '500', value: 'N' },
  },
  run: async (ctx) => {
    const host = (ctx.options.host as string | undefined) ?? '127.0.0.1';
    const portText = (ctx.options.port as string | undefined) ?? '7777';
    const port = Number(portText);
    if (!/^\d+$/.test(portText) || port > 65535) {
      throw new OtP2pError('usage', `--port must be an integer in 0..65535, got ${describeValue(portText)}`, { context: { port: portText } });
    }
    const limitText = (ctx.options['default-limit'] as string | undefined) ?? '500';
    const defaultLimit = Number(limitText);
    if (!/^\d+$/.test(limitText) || defaultLimit < 1 || defaultLimit > 1_000_000) {
      throw new OtP2pError('usage', `--default-limit must be an integer in 1..1000000, got ${describeValue(limitText)}`, { context: { defaultLimit: limitText } });
    }
    const dbPath = (ctx.options.db as string | undefined) ?? join(ctx.home.ensure(), 'relay.sqlite');
    const relay = await startEmbeddedRelay({ host, port, dbPath, defaultLimit });
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
