/**
 * NIP-65 outbox model and NIP-17 DM relays: read an author's events from the relays that author
 * writes to (kind 10002), publish own events to own write relays, send DMs to the recipient's
 * kind 10050 relays. Relay lists come from strangers, so they are sanitized and capped: only
 * ws:/wss: URLs, at most {@link MAX_LISTED_RELAYS} of them.
 */
import { OtP2pError } from '../core/errors.ts';
import type { Filter } from '../events/filter.ts';
import { Kind } from '../events/kinds.ts';
import type { EventTemplate, NostrEvent } from '../events/types.ts';
import { normalizeRelayUrl } from './nip42.ts';
import type { PublishResult, Subscription, SubscriptionHandlers, SubscribeOptions, Transport } from './transport.ts';

/** Most relays taken from one list (a hostile list must not make us dial hundreds). */
export const MAX_LISTED_RELAYS = 8;

/** An author's relay list. */
export interface RelayList {
  read: string[];
  write: string[];
}

function cleanUrl(raw: unknown): string | undefined {
  if (typeof raw !== 'string' || raw.length > 256) return undefined;
  try {
    const u = new URL(raw);
    if (u.protocol !== 'ws:' && u.protocol !== 'wss:') return undefined;
    if (u.username || u.password) return undefined;
  } catch {
    return undefined;
  }
  return normalizeRelayUrl(raw);
}

function capped(urls: Iterable<string>): string[] {
  return [...new Set(urls)].slice(0, MAX_LISTED_RELAYS);
}

/** Read/write relays from a kind 10002 event (`r` tags; no marker = both). Bad URLs are skipped. */
export function parseRelayList(event: NostrEvent): RelayList {
  if (event.kind !== Kind.RelayList) return { read: [], write: [] };
  const read: string[] = [];
  const write: string[] = [];
  for (const t of event.tags) {
    if (t[0] !== 'r') continue;
    const url = cleanUrl(t[1]);
    if (!url) continue;
    if (t[2] === undefined || t[2] === 'read') read.push(url);
    if (t[2] === undefined || t[2] === 'write') write.push(url);
  }
  return { read: capped(read), write: capped(write) };
}

/** DM relays from a kind 10050 event (`relay` tags). Bad URLs are skipped. */
export function parseDmRelays(event: NostrEvent): string[] {
  if (event.kind !== Kind.DmRelays) return [];
  return capped(event.tags.filter((t) => t[0] === 'relay').flatMap((t) => cleanUrl(t[1]) ?? []));
}

/** The kind 10002 template for `list` (URLs in both lists get no marker). */
export function relayListTemplate(list: RelayList, nowSeconds: number): EventTemplate {
  const tags: string[][] = [];
  for (const url of new Set([...list.read, ...list.write])) {
    const r = list.read.includes(url);
    const w = list.write.includes(url);
    tags.push(r && w ? ['r', url] : ['r', url, r ? 'read' : 'write']);
  }
  return { kind: Kind.RelayList, created_at: nowSeconds, tags, content: '' };
}

/** The kind 10050 template listing `relays`. */
export function dmRelaysTemplate(relays: readonly string[], nowSeconds: number): EventTemplate {
  return { kind: Kind.DmRelays, created_at: nowSeconds, tags: relays.map((r) => ['relay', r]), content: '' };
}

/** The newest event matching `filter` on `relays` (one-shot query, EOSE-bounded). */
export async function fetchNewest(transport: Transport, filter: Filter, relays: string[], eoseTimeoutMs = 5000): Promise<NostrEvent | undefined> {
  let best: NostrEvent | undefined;
  for await (const item of transport.subscribe([filter], undefined, { relays, closeOnEose: true, eoseTimeoutMs })) {
    if (item.type !== 'event') continue;
    const e = item.event;
    if (!best || e.created_at > best.created_at || (e.created_at === best.created_at && e.id < best.id)) best = e;
  }
  return best;
}

/** `pubkey`'s relay list as published on `indexRelays` (empty lists when none is found). */
export async function relayListOf(transport: Transport, pubkey: string, indexRelays: string[]): Promise<RelayList> {
  const ev = await fetchNewest(transport, { kinds: [Kind.RelayList], authors: [pubkey], limit: 1 }, indexRelays);
  return ev ? parseRelayList(ev) : { read: [], write: [] };
}

/** `pubkey`'s DM relays (kind 10050) as published on `indexRelays`. */
export async function dmRelaysOf(transport: Transport, pubkey: string, indexRelays: string[]): Promise<string[]> {
  const ev = await fetchNewest(transport, { kinds: [Kind.DmRelays], authors: [pubkey], limit: 1 }, indexRelays);
  return ev ? parseDmRelays(ev) : [];
}

/**
 * Subscribe to an author's events on that author's write relays (outbox model), falling back to
 * `indexRelays` when the author publishes no list. Every filter is restricted to the author.
 */
export async function subscribeAuthor(
  transport: Transport,
  pubkey: string,
  filters: Filter[],
  handlers: SubscriptionHandlers,
  options: SubscribeOptions & { indexRelays: string[] },
): Promise<Subscription> {
  const { write } = await relayListOf(transport, pubkey, options.indexRelays);
  const { indexRelays, ...rest } = options;
  const relays = write.length > 0 ? write : indexRelays;
  return transport.subscribe(
    filters.map((f) => ({ ...f, authors: [pubkey] })),
    handlers,
    { ...rest, relays },
  );
}

/**
 * Publish a gift wrap to the recipient's DM relays (kind 10050).
 * @throws OtP2pError `no-relays` when the recipient lists no DM relay (NIP-17: do not guess).
 */
export async function publishToDmRelays(transport: Transport, wrap: NostrEvent, recipient: string, indexRelays: string[]): Promise<PublishResult[]> {
  const relays = await dmRelaysOf(transport, recipient, indexRelays);
  if (relays.length === 0) throw new OtP2pError('no-relays', `recipient ${recipient.slice(0, 16)}… lists no DM relays (kind 10050)`, { context: { recipient } });
  return transport.publish(wrap, relays);
}
