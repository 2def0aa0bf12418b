/**
 * `otp2p relays set|publish`: the user's relays, stored in the configuration and announced as a
 * NIP-65 relay list (kind 10002: read and write) and a NIP-17 DM relay list (kind 10050), so
 * others find the user's events and know where to send DMs. (`otp2p relay`, singular, runs the
 * embedded relay.)
 */
import { unixSeconds } from '../../core/clock.ts';
import { OtP2pError } from '../../core/errors.ts';
import { normalizeRelayUrl } from '../../core/relay-url.ts';
import { buildDmRelaysEvent } from '../../events/dm-relays.ts';
import { buildRelayListEvent } from '../../events/relay-list.ts';
import { Kind } from '../../events/kinds.ts';
import type { NostrEvent } from '../../events/types.ts';
import { peerInternals } from '../../peer/internals.ts';
import { defineCommand } from '../command.ts';
import type { CommandContext, CommandDef } from '../command.ts';
import { printJson } from '../io.ts';
import { openPeer } from '../peer.ts';
import { awaitDelivery, deliveryLine } from '../publish.ts';
import { PASSWORD_OPTION, STDIN_SECRETS_HELP } from '../secrets.ts';

/**
 * Sign both lists for `relays` and queue them for `targets` (durable first), then report delivery
 * like every publishing command: exit 1 while a relay has not acknowledged.
 */
async function announce(ctx: CommandContext, relays: readonly string[], targets: readonly string[]): Promise<number> {
  const { peer, close } = await openPeer(ctx);
  try {
    const parts = peerInternals(peer);
    // A replacement in the same second would lose to the older list on relays (ties keep the lowest id).
    let now = unixSeconds();
    for (const kind of [Kind.RelayList, Kind.DmRelays])
      now = Math.max(now, ((await parts.events.getAddress(kind, peer.pubkey))?.created_at ?? 0) + 1);
    const templates = [
      buildRelayListEvent(
        relays.map((url) => ({ url, read: true, write: true })),
        now,
      ),
      buildDmRelaysEvent(relays, now),
    ];
    const events: NostrEvent[] = [];
    // `sign` may become asynchronous (a remote signer): awaiting works either way.
    for (const t of templates) events.push(await peer.sign(t));
    for (const e of events) parts.events.insert(e);
    parts.outbox.publishMany(events, targets);
    const report = await awaitDelivery(peer, events);
    if (ctx.json) printJson(ctx, { relays, events: report });
    else for (const r of report) ctx.io.stdout(deliveryLine(r));
    return report.every((r) => r.delivered) ? 0 : 1;
  } finally {
    await close();
  }
}

const set: CommandDef = defineCommand({
  name: 'set',
  description: 'Store your relays in the configuration and publish them (NIP-65 kind 10002, DM relays kind 10050)',
  details:
    'Every relay is used to read and write, and to receive DMs. The lists go to the new relays and to the\n' +
    'ones configured before (or to --relay), so whoever still looks for you there learns where you moved.\n' +
    `Example: otp2p relays set wss://relay.example.com wss://nos.example.org\n\n${STDIN_SECRETS_HELP}`,
  positionals: [{ name: 'url', description: 'relay URLs (ws:// or wss://)', required: true, variadic: true }],
  options: { 'password-stdin': PASSWORD_OPTION },
  run: async (ctx) => {
    const raw = ctx.args.url;
    const given = Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : [];
    if (given.length === 0)
      throw new OtP2pError('usage', 'give at least one relay URL', { context: { field: '<url>' } });
    const relays: string[] = [];
    given.forEach((u, i) => {
      const url = normalizeRelayUrl(u, `<url>[${i}]`);
      if (!relays.includes(url)) relays.push(url);
    });
    const config = ctx.home.config();
    const before = config.relays;
    ctx.home.writeConfig({ ...config, relays });
    return announce(ctx, relays, [...new Set([...relays, ...(ctx.relays ?? before)])]);
  },
});

const publish: CommandDef = defineCommand({
  name: 'publish',
  description: 'Publish your configured relays again (NIP-65 kind 10002, DM relays kind 10050)',
  details: `The lists name the configured relays; they are sent to those relays, or to --relay when given.\n\n${STDIN_SECRETS_HELP}`,
  options: { 'password-stdin': PASSWORD_OPTION },
  run: async (ctx) => {
    const relays = ctx.home.config().relays;
    if (relays.length === 0)
      throw new OtP2pError('no-relays', 'no relays configured: otp2p relays set <url...>', {
        context: { key: 'relays' },
      });
    return announce(ctx, relays, ctx.relays ?? relays);
  },
});

const subs = { set, publish };

export default defineCommand({
  name: 'relays',
  description: 'Your relays: store and publish them as NIP-65 (kind 10002) and DM relay (kind 10050) lists',
  subcommands: Object.fromEntries(
    Object.entries(subs).map(([name, def]) => [name, { summary: def.description, load: async () => def }]),
  ),
});
