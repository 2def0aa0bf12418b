import { OtP2pError } from '../../core/errors.ts';
import { npubEncode } from '../../keys/nip19.ts';
import { POLICY_REFUSALS } from '../../messaging/messenger.ts';
import { parseChat } from '../../messaging/nip17.ts';
import type { PublishCode } from '../../relays/transport.ts';
import type { Rumor } from '../../messaging/nip59.ts';
import { Kind } from '../../events/kinds.ts';
import type { CommandContext } from '../command.ts';
import { defineCommand } from '../command.ts';
import { printJson, printTable } from '../io.ts';
import { describeGaps } from '../../relays/query.ts';
import { choiceArg, intOptionOr, pubkeyArg } from '../options.ts';
import { openPeer } from '../peer.ts';
import { peerInternals } from '../../peer/internals.ts';
import { awaitDelivery } from '../publish.ts';
import { PASSWORD_OPTION, STDIN_SECRETS_HELP } from '../secrets.ts';

/** `--timeout` bounds (ms): long enough for slow relays, short enough that a typo is not a hang. */
const TIMEOUT_MS = { min: 1, max: 600_000 };
/** `--limit` bounds: the newest messages listed. */
const LIMIT = { min: 1, max: 100_000 };
/**
 * Once one relay holds a wrap, how long its other relays may still answer before the command
 * reports them pending (they stay queued): a DM needs one of the recipient's inbox relays, and a
 * relay that is down must not hold the send for its whole connect timeout.
 */
const DM_AFTER_FIRST_ACK_MS = 2_000;

async function send(ctx: CommandContext): Promise<number> {
  const to = pubkeyArg(ctx, 'npub');
  const words = ctx.args.text;
  const text = Array.isArray(words) ? words.join(' ') : (words ?? '');
  if (text.length === 0) throw new OtP2pError('usage', '<text> is required');
  const { peer, close } = await openPeer(ctx);
  peer.on('warning', (w) => ctx.io.stderr(`warning: ${w}\n`));
  try {
    const r = await peer.dms.send(to, text);
    const wraps = [r.wrapId, ...(r.selfWrapId === undefined ? [] : [r.selfWrapId])];
    const [report] = await awaitDelivery(
      peer,
      wraps.map((id) => ({ id, kind: Kind.GiftWrap })),
      { afterFirstAckMs: DM_AFTER_FIRST_ACK_MS },
    );
    const relays = (report?.relays ?? []).map((x) => ({ relay: x.relay, ok: x.status === 'acked', code: x.code }));
    const ok = relays.some((x) => x.ok);
    // A relay that refuses gift wraps by policy never holds this one: the sender must know, since
    // the recipient reads there. The recipient's other DM relays were targets all along.
    const refused = relays
      .filter((x) => x.code !== null && POLICY_REFUSALS.has(x.code as PublishCode))
      .map((x) => x.relay);
    for (const x of relays.filter((y) => refused.includes(y.relay)))
      ctx.io.stderr(
        `warning: relay ${x.relay} refused the gift wrap by policy (${x.code}): the recipient will not find it there\n`,
      );
    const unanswered = relays.filter((x) => x.code === null).map((x) => x.relay);
    if (ok && unanswered.length > 0)
      ctx.io.stderr(
        `relay ${unanswered.join(', ')} did not answer yet: the wrap stays queued for it (otp2p outbox lists it)\n`,
      );
    const out = { ok, queued: !ok, rumor: r.rumorId, wrap: r.wrapId, relays, refused, source: r.choice.source };
    if (ctx.json) printJson(ctx, out);
    else
      ctx.io.stdout(
        `${ok ? 'sent' : 'queued, NOT yet sent'} to ${peer.nameOf(to)} via ${relays.map((x) => `${x.relay} (${x.code ?? 'pending'})`).join(', ')}\n`,
      );
    if (!ok && refused.length === relays.length)
      throw new OtP2pError('relay-error', 'every DM relay of the recipient refused the gift wrap by policy', {
        context: { relays },
      });
    // One document on stdout either way; the exit code and stderr say it is not delivered yet.
    if (!ok) {
      ctx.io.stderr(
        'no relay accepted the message yet: it stays queued in the outbox (otp2p outbox lists it; a running daemon or the next publishing command retries it)\n',
      );
      return 1;
    }
    return 0;
  } finally {
    await close();
  }
}

async function read(ctx: CommandContext): Promise<number> {
  const timeoutMs = intOptionOr(ctx, 'timeout', 10_000, TIMEOUT_MS);
  const limit = intOptionOr(ctx, 'limit', 1000, LIMIT);
  const { peer, close } = await openPeer(ctx);
  try {
    const { messenger } = peerInternals(peer);
    const stats = await messenger.fetch({ timeoutMs });
    const rows = await messenger.received.list(Kind.ChatMessage, { limit });
    const chats = rows.map((r) => parseChat(JSON.parse(r.rumor_json) as Rumor));
    // Names are shown, not trusted: a relay that does not answer leaves a short npub.
    await peer.loadNames(chats.map((c) => c.sender));
    const msgs = chats.map((chat) => {
      // Every stored message passed seal-signature, author and id checks before it was stored.
      return {
        id: chat.id,
        from: npubEncode(chat.sender),
        name: peer.nameOf(chat.sender),
        time: new Date(chat.created_at * 1000).toISOString(),
        text: chat.text,
        verified: true,
        outgoing: chat.sender === peer.pubkey,
      };
    });
    const rejected = Object.entries(stats.rejected).filter(([code]) => code !== 'replay' && code !== 'duplicate');
    if (rejected.length > 0)
      ctx.io.stderr(`ignored ${rejected.map(([c, n]) => `${n} ${c}`).join(', ')} (invalid wraps)\n`);
    // No answer is not an empty inbox: the list is what this folder already holds.
    const { incomplete } = stats;
    if (incomplete.length > 0)
      ctx.io.stderr(
        `INCOMPLETE: no full answer from ${describeGaps(incomplete)}: showing the messages already stored here, which may be stale\n`,
      );
    if (ctx.json) {
      for (const m of msgs) printJson(ctx, m);
      // The last JSON line, only when some relay did not answer: a reader of the lines above
      // must not take them for the whole inbox.
      if (incomplete.length > 0) printJson(ctx, { incomplete });
    } else if (msgs.length === 0) ctx.io.stdout(incomplete.length > 0 ? 'no messages found\n' : 'no messages\n');
    // One row per message: printTable shows the text's newlines and controls visibly (␊, ␛).
    else
      printTable(
        ctx,
        ['time', 'from', 'text'],
        msgs.map((m) => [m.time, m.outgoing ? 'me' : m.name, m.text]),
      );
    return incomplete.length > 0 ? 1 : 0;
  } finally {
    await close();
  }
}

export default defineCommand({
  name: 'dm',
  description: 'Private messages (NIP-17 gift wraps; NIP-04 is never sent)',
  details:
    "otp2p dm send <npub> <text...>: wrap to the recipient's DM relays (kind 10050); when they have none,\n" +
    '    to their NIP-65 read relays with a warning (those relays learn that a DM exists). The wrap goes\n' +
    '    through the outbox: when no relay takes it in time it stays queued (exit 1). Once one relay holds it,\n' +
    '    the others get 2 s more; one that has not answered by then is listed without a code and stays queued.\n' +
    'otp2p dm read [--json]: fetch wraps addressed to you (answering NIP-42 AUTH), check every layer,\n' +
    '    and list the messages: JSON lines { id, from (npub), name, time, text, verified, outgoing }. In the\n' +
    '    table, control characters in a message are shown visibly (␛ for ESC, ␊ for a newline). When a\n' +
    '    relay did not answer in full, the messages stored here are listed, a warning goes to stderr, with\n' +
    '    --json a last line { incomplete: [{ relay, reason, message }] }, and the exit code is 1.\n' +
    'A recipient whose DM relay lookup got no full answer is not guessed at: relay-incomplete, exit 1.\n\n' +
    STDIN_SECRETS_HELP,
  positionals: [
    { name: 'action', description: 'send | read', required: true },
    { name: 'npub', description: 'recipient (send): npub, nprofile or hex pubkey' },
    { name: 'text', description: 'message text (send)', variadic: true },
  ],
  options: {
    'password-stdin': PASSWORD_OPTION,
    timeout: {
      type: 'string',
      value: 'MS',
      default: '10000',
      description: `how long to wait for relays (read; ${TIMEOUT_MS.min}..${TIMEOUT_MS.max})`,
    },
    limit: {
      type: 'string',
      value: 'N',
      default: '1000',
      description: `most messages listed (read; ${LIMIT.min}..${LIMIT.max})`,
    },
  },
  run: async (ctx) => {
    const action = choiceArg(ctx, 'action', ['send', 'read'] as const);
    return action === 'send' ? send(ctx) : read(ctx);
  },
});
