import { OtP2pError, describeValue } from '../../core/errors.ts';
import { EventVerifier } from '../../events/verify.ts';
import { signEvent } from '../../events/sign.ts';
import { npubDecode, npubEncode } from '../../keys/nip19.ts';
import type { Identity } from '../../keys/identity.ts';
import { Messenger } from '../../messaging/messenger.ts';
import { parseChat } from '../../messaging/nip17.ts';
import type { Rumor } from '../../messaging/nip59.ts';
import { Kind } from '../../events/kinds.ts';
import { RelayPool } from '../../relays/pool.ts';
import { openStore } from '../../store/db.ts';
import type { Store } from '../../store/db.ts';
import type { CommandContext } from '../command.ts';
import { defineCommand } from '../command.ts';
import { printJson, printTable } from '../io.ts';
import { PASSWORD_OPTION, STDIN_SECRETS_HELP, unlockHomeIdentity } from '../secrets.ts';

/**
 * A hex pubkey from an npub (or 64-char hex).
 * @throws OtP2pError `usage` when missing; the NIP-19 codes (`bad-bech32`, `bad-checksum`, `wrong-prefix`, ...).
 */
export function pubkeyArg(value: unknown, name = 'npub'): string {
  if (typeof value !== 'string' || value.length === 0) throw new OtP2pError('usage', `<${name}> is required`);
  if (/^[0-9a-f]{64}$/.test(value)) return value;
  if (!value.startsWith('npub1')) throw new OtP2pError('usage', `<${name}> must be an npub or a 64-character hex pubkey, got ${describeValue(value)}`);
  return npubDecode(value);
}

/** What a messaging command works with: the unlocked identity, the relays, the database. */
export interface Session {
  id: Identity;
  relays: string[];
  pool: RelayPool;
  store: Store;
  messenger: Messenger;
  close(): Promise<void>;
}

/**
 * Unlock the identity and connect to the configured (or `--relay`) relays, answering NIP-42
 * AUTH with the identity key. Warnings go to stderr.
 * @throws OtP2pError the vault's codes, `no-relays`, `db-error`.
 */
export async function openSession(ctx: CommandContext): Promise<Session> {
  const id = await unlockHomeIdentity(ctx);
  const relays = ctx.relays ?? ctx.home.config().relays;
  if (relays.length === 0) throw new OtP2pError('no-relays', 'no relays configured: pass --relay URL or run `otp2p config`');
  const verifier = new EventVerifier();
  const pool = new RelayPool({ relays, verifier, signer: (t) => signEvent(t, id.secretKey, id.pubkey) });
  ctx.home.ensure();
  const store = await openStore(ctx.home.dbPath);
  const messenger = new Messenger({
    transport: pool,
    secretKey: id.secretKey,
    store,
    verifier,
    inboxRelays: relays,
    discoveryRelays: relays,
    onWarning: (w) => ctx.io.stderr(`warning: ${w}\n`),
  });
  return {
    id,
    relays,
    pool,
    store,
    messenger,
    close: async () => {
      messenger.stop();
      await pool.close();
      await store.close();
    },
  };
}

async function send(ctx: CommandContext): Promise<number> {
  const to = pubkeyArg(ctx.args.npub);
  const words = ctx.args.text;
  const text = Array.isArray(words) ? words.join(' ') : (words ?? '');
  if (text.length === 0) throw new OtP2pError('usage', '<text> is required');
  const s = await openSession(ctx);
  try {
    const r = await s.messenger.sendChat(to, text);
    const out = { ok: r.ok, rumor: r.rumorId, wrap: r.wrapId, relays: r.results.map((x) => ({ relay: x.relay, ok: x.ok, code: x.code })), source: r.choice.source };
    if (ctx.json) printJson(ctx, out);
    else ctx.io.stdout(`${r.ok ? 'sent' : 'NOT sent'} to ${npubEncode(to)} via ${r.results.map((x) => `${x.relay} (${x.code})`).join(', ')}\n`);
    if (!r.ok) throw new OtP2pError('relay-error', 'no relay accepted the message', { context: { relays: out.relays } });
    return 0;
  } finally {
    await s.close();
  }
}

async function read(ctx: CommandContext): Promise<number> {
  const s = await openSession(ctx);
  try {
    const stats = await s.messenger.fetch({ timeoutMs: Number(ctx.options.timeout ?? '10000') });
    const rows = await s.messenger.received.list(Kind.ChatMessage, { limit: Number(ctx.options.limit ?? '1000') });
    const msgs = rows.map((r) => {
      const chat = parseChat(JSON.parse(r.rumor_json) as Rumor);
      // Every stored message passed seal-signature, author and id checks before it was stored.
      return { id: chat.id, from: npubEncode(chat.sender), time: new Date(chat.created_at * 1000).toISOString(), text: chat.text, verified: true, outgoing: chat.sender === s.id.pubkey };
    });
    const rejected = Object.entries(stats.rejected).filter(([code]) => code !== 'replay' && code !== 'duplicate');
    if (rejected.length > 0) ctx.io.stderr(`ignored ${rejected.map(([c, n]) => `${n} ${c}`).join(', ')} (invalid wraps)\n`);
    if (ctx.json) for (const m of msgs) printJson(ctx, m);
    else if (msgs.length === 0) ctx.io.stdout('no messages\n');
    else printTable(ctx, ['time', 'from', 'text'], msgs.map((m) => [m.time, m.outgoing ? 'me' : m.from, m.text.replace(/\s+/g, ' ')]));
    return 0;
  } finally {
    await s.close();
  }
}

export default defineCommand({
  name: 'dm',
  description: 'Private messages (NIP-17 gift wraps; NIP-04 is never sent)',
  details:
    'otp2p dm send <npub> <text...>: wrap to the recipient\'s DM relays (kind 10050); when they have none,\n' +
    '    to their NIP-65 read relays with a warning (those relays learn that a DM exists).\n' +
    'otp2p dm read [--json]: fetch wraps addressed to you (answering NIP-42 AUTH), check every layer,\n' +
    '    and list the messages: JSON lines { id, from (npub), time, text, verified, outgoing }.\n\n' +
    STDIN_SECRETS_HELP,
  positionals: [
    { name: 'action', description: 'send | read', required: true },
    { name: 'npub', description: 'recipient (send)' },
    { name: 'text', description: 'message text (send)', variadic: true },
  ],
  options: {
    'password-stdin': PASSWORD_OPTION,
    timeout: { type: 'string', value: 'MS', default: '10000', description: 'how long to wait for relays (read)' },
    limit: { type: 'string', value: 'N', default: '1000', description: 'most messages listed (read)' },
  },
  run: async (ctx) => {
    switch (ctx.args.action) {
      case 'send':
        return send(ctx);
      case 'read':
        return read(ctx);
      default:
        throw new OtP2pError('usage', `unknown action ${describeValue(ctx.args.action)}: use send or read`);
    }
  },
});
