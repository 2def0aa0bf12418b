import { openStore } from '../../store/db.ts';
import { OutboxStore } from '../../store/outbox.ts';
import { defineCommand } from '../command.ts';
import { OtP2pError } from '../../core/errors.ts';
import { normalizeRelayUrl } from '../../core/relay-url.ts';
import { choiceArg } from '../options.ts';
import { printJson, printTable } from '../io.ts';

export default defineCommand({
  name: 'outbox',
  description:
    'List outgoing events not yet acknowledged by every relay: pending (being retried) and failed (refused for good)',
  details:
    'Pending targets are retried with backoff while a publishing otp2p process runs; failed ones were refused with invalid:, blocked:, pow: or as too large.\n' +
    'otp2p outbox drop EVENT [--relay URL]: give up on an event (the id or its first 8+ hex digits, as listed) for every\n' +
    'relay, or one: nothing retries it any more (an attempt already under way in a running daemon may still land).\n' +
    'Examples: otp2p outbox --json   otp2p outbox drop 94a7da8e97c2421d',
  positionals: [
    { name: 'action', description: 'list (default) | drop' },
    { name: 'event', description: 'drop: the event id, or a unique prefix of 8+ hex digits' },
  ],
  run: async (ctx) => {
    const action = ctx.args.action === undefined ? 'list' : choiceArg(ctx, 'action', ['list', 'drop'] as const);
    if (action === 'drop' && typeof ctx.args.event !== 'string')
      throw new OtP2pError('usage', 'outbox drop needs the EVENT id (as otp2p outbox lists it)', {
        context: { option: 'event' },
      });
    // drop --relay URL: only that relay's target (the global --relay, given once)
    if (action === 'drop' && (ctx.relays?.length ?? 0) > 1)
      throw new OtP2pError('usage', 'outbox drop takes one --relay', { context: { option: 'relay' } });
    const relayText = action === 'drop' ? ctx.relays?.[0] : undefined;
    const relay = relayText === undefined ? undefined : normalizeRelayUrl(relayText, '--relay');
    ctx.home.ensure();
    const store = await openStore(ctx.home.dbPath);
    try {
      const outbox = new OutboxStore(store);
      if (action === 'drop') {
        const r = outbox.drop(ctx.args.event as string, relay);
        if (ctx.json) printJson(ctx, r);
        else ctx.io.stdout(`dropped ${r.dropped} target(s) of event ${r.eventId}\n`);
        return;
      }
      const items = outbox.list();
      const counts = outbox.counts();
      if (ctx.json) {
        printJson(ctx, { counts, items });
        return;
      }
      if (items.length === 0) {
        ctx.io.stdout(`outbox empty (${counts.acked} acknowledged)\n`);
        return;
      }
      printTable(
        ctx,
        ['event', 'kind', 'relay', 'status', 'attempts', 'last', 'next attempt'],
        items.map((i) => [
          i.eventId.slice(0, 16),
          String(i.kind),
          i.relay,
          i.status,
          String(i.attempts),
          i.lastCode ? `${i.lastCode}${i.lastMessage ? `: ${i.lastMessage.slice(0, 40)}` : ''}` : '',
          i.status === 'pending' ? new Date(i.nextAttemptAt).toISOString() : '',
        ]),
      );
      ctx.io.stderr(`${counts.pending} pending, ${counts.failed} failed, ${counts.acked} acknowledged\n`);
    } finally {
      await store.close();
    }
  },
});
