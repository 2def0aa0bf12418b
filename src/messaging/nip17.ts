/**
 * NIP-17 private chat: kind 14 rumors, gift-wrapped once per recipient and once to the sender
 * (so the sender's other devices see the conversation). Readable by any NIP-17 client.
 */
import type { Clock } from '../core/clock.ts';
import { systemClock, unixSeconds } from '../core/clock.ts';
import { OtP2pError } from '../core/errors.ts';
import { isHex } from '../core/bytes.ts';
import { Kind } from '../events/kinds.ts';
import type { Signer } from '../events/signer.ts';
import type { EventTemplate, NostrEvent } from '../events/types.ts';
import type { Rumor, WrapOptions } from './nip59.ts';
import { createRumor, createSeal, createWrap } from './nip59.ts';

/** A chat message as read from a verified kind-14 rumor. */
export interface ChatMessage {
  id: string;
  sender: string;
  recipients: string[];
  created_at: number;
  text: string;
  subject?: string;
  replyTo?: string;
}

/** Options for {@link chatTemplate}. */
export interface ChatOptions {
  clock?: Clock;
  subject?: string;
  /** Id of the kind-14 rumor this replies to. */
  replyTo?: string;
}

/**
 * The kind-14 template for `text` to `recipients` (hex pubkeys).
 * @throws OtP2pError `bad-input` for empty text or no recipients, `bad-key` for a bad pubkey.
 */
export function chatTemplate(text: string, recipients: string[], options: ChatOptions = {}): EventTemplate {
  if (typeof text !== 'string' || text.length === 0)
    throw new OtP2pError('bad-input', 'message text must not be empty');
  if (recipients.length === 0) throw new OtP2pError('bad-input', 'a chat message needs at least one recipient');
  for (const r of recipients)
    if (!isHex(r, 32))
      throw new OtP2pError('bad-key', 'recipient must be a 32-byte hex pubkey', { context: { recipient: r } });
  const tags: string[][] = recipients.map((r) => ['p', r]);
  if (options.replyTo !== undefined) tags.push(['e', options.replyTo]);
  if (options.subject !== undefined) tags.push(['subject', options.subject]);
  return { kind: Kind.ChatMessage, created_at: unixSeconds(options.clock ?? systemClock), tags, content: text };
}

/**
 * Wrap a chat message for every recipient and for the sender. Returns the rumor and one wrap per
 * distinct pubkey (`to` names the pubkey each wrap is addressed to).
 * @throws OtP2pError as {@link chatTemplate}, `too-large` when the text does not fit an event, the
 *   signer's codes.
 */
export async function wrapChat(
  text: string,
  recipients: string[],
  signer: Signer,
  options: ChatOptions & WrapOptions = {},
): Promise<{ rumor: Rumor; wraps: { to: string; wrap: NostrEvent }[] }> {
  const me = await signer.getPublicKey();
  const rumor = createRumor(chatTemplate(text, recipients, options), me);
  const targets = [...new Set([...recipients, me])];
  const wraps: { to: string; wrap: NostrEvent }[] = [];
  for (const to of targets)
    wraps.push({ to, wrap: createWrap(await createSeal(rumor, signer, to, options), to, options) });
  return { rumor, wraps };
}

/**
 * Read a verified rumor as a chat message.
 * @throws OtP2pError `bad-kind` when the rumor is not kind 14.
 */
export function parseChat(rumor: Rumor): ChatMessage {
  if (rumor.kind !== Kind.ChatMessage)
    throw new OtP2pError('bad-kind', `rumor has kind ${rumor.kind}, expected 14`, { context: { kind: rumor.kind } });
  const recipients = rumor.tags.filter((t) => t[0] === 'p' && isHex(t[1], 32)).map((t) => t[1] as string);
  const msg: ChatMessage = {
    id: rumor.id,
    sender: rumor.pubkey,
    recipients,
    created_at: rumor.created_at,
    text: rumor.content,
  };
  const subject = rumor.tags.find((t) => t[0] === 'subject')?.[1];
  if (subject !== undefined) msg.subject = subject;
  const replyTo = rumor.tags.find((t) => t[0] === 'e')?.[1];
  if (replyTo !== undefined) msg.replyTo = replyTo;
  return msg;
}
