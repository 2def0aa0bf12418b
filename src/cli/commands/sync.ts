/**
 * `otp2p sync`: bring the persisted social web up to date (cold: the whole design's worth; warm:
 * only what changed since), report what could not be fetched, exit 1 when something could not.
 */
import { describeGaps } from '../../relays/query.ts';
import { defineCommand } from '../command.ts';
import { printJson, progress } from '../io.ts';
import { openPeer } from '../peer.ts';
import { PASSWORD_OPTION } from '../secrets.ts';

export default defineCommand({
  name: 'sync',
  description: 'Sync the social web (follows, relay lists, names, catalogs, offers) into the local database',
  details:
    'Reads each author from the relays its NIP-65 list names (falling back to the configured relays),\n' +
    'pages through capped answers, and asks only for what changed since the last sync. Exit 1 when a\n' +
    'relay did not answer in full or the byte budget ran out (what was fetched is kept).\n' +
    'JSON: { web, offers, catalogs, reqs, bytes, budget_exhausted, unproven, incomplete: [{ relay, reason, message }] }',
  options: { 'password-stdin': PASSWORD_OPTION },
  run: async (ctx) => {
    const { peer, close } = await openPeer(ctx);
    try {
      let phase = '';
      let bar = progress(ctx, 'syncing');
      const r = await peer
        .sync({
          onProgress: (done, total, p) => {
            if (p !== undefined && p !== phase) {
              bar.done();
              phase = p;
              bar = progress(ctx, `syncing ${p}`);
            }
            bar.update(done, total);
          },
        })
        .finally(() => bar.done());
      const incomplete = r.incomplete ?? [];
      const failed = incomplete.length > 0 || r.budgetExhausted === true;
      if (ctx.json)
        printJson(ctx, {
          web: r.web,
          offers: r.offers,
          catalogs: r.catalogs,
          reqs: r.reqs ?? 0,
          bytes: r.bytes ?? 0,
          budget_exhausted: r.budgetExhausted === true,
          unproven: r.unproven ?? 0,
          incomplete,
        });
      else
        ctx.io.stdout(
          `web ${r.web} keys, ${r.offers} offers, ${r.catalogs} catalogs (${r.reqs ?? 0} REQs, ${r.bytes ?? 0} bytes)\n`,
        );
      if (incomplete.length > 0) ctx.io.stderr(`sync: no full answer from ${describeGaps(incomplete)}\n`);
      if (r.budgetExhausted)
        ctx.io.stderr(
          `sync: byte budget ran out; ${r.unproven ?? 0} publishers or payees not proven within the radius\n`,
        );
      return failed ? 1 : 0;
    } finally {
      await close();
    }
  },
});
