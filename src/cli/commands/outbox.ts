import { openStore } from '../../store/db.ts';
import { OutboxStore } from '../../store/outbox.ts';
import { defineCommand } from '../command.ts';
import { printJson, printTable } from '../io.ts';

export default defineCommand({
  name: 'outbox',
  description:
    'List outgoing events not yet acknowledged by every relay: pending (being retried) and failed (refused for good)',
  details:
    'Pending targets are retried with backoff while a publishing otp2p process runs; failed ones were refused with invalid:, blocked:, pow: or as too large.\nExample: otp2p outbox --json',
  run: async (ctx) => {
    ctx.home.ensure();
    const store = await openStore(ctx.home.dbPath);
    try {
      const outbox = new OutboxStore(store);
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
