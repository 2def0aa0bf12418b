/**
 * NIP-65 outbox model and NIP-17 DM relays, looked up over a {@link Transport}: read an author's
 * events from the relays that author writes to (kind 10002), send DMs to the recipient's kind
 * 10050 relays. The lists are parsed by the one codec of each kind (`events/relay-list.ts`,
 * `events/dm-relays.ts`, URLs in canonical form); lists come from strangers, so at most
 * {@link MAX_LISTED_RELAYS} of their relays are ever dialled.
 */
import { OtP2pError, isOtP2pError } from '../core/errors.ts';
import { parseDmRelaysEvent } from '../events/dm-relays.ts';
import type { Filter } from '../events/filter.ts';
import { Kind } from '../events/kinds.ts';
import type { RelayList } from '../events/relay-list.ts';
import { parseRelayListEvent, relaysFor } from '../events/relay-list.ts';
import type { NostrEvent } from '../events/types.ts';
import { assertComplete, queryEvents } from './query.ts';
import type {
  PublishResult,
  RelayGap,
  Subscription,
  SubscriptionHandlers,
  SubscribeOptions,
  Transport,
} from './transport.ts';

/** Most relays taken from one list (a hostile list must not make us dial hundreds). */
export const MAX_LISTED_RELAYS = 8;

/** Where to look lists up, and how long to wait for the relays' EOSE. */
export interface LookupOptions {
  /** Relays to ask; default: the transport's read relays. */
  relays?: string[];
  /** Give up waiting for EOSE after this many ms (default 5000). */
  eoseTimeoutMs?: number;
}

/**
 * The newest event of `kind` by `author` (one-shot query, EOSE-bounded). Events of another kind
 * or author are ignored, whatever a relay sends; ties on `created_at` go to the lowest id (NIP-01).
 * Nothing found while some relay did not answer is not "none": it throws, naming the relays.
 * @throws OtP2pError `relay-incomplete` when nothing was found and some relay left a gap.
 */
export async function fetchNewest(
  transport: Transport,
  kind: number,
  author: string,
  options: LookupOptions = {},
): Promise<NostrEvent | undefined> {
  const r = await newestOfKinds(transport, [kind], author, options);
  const best = r.newest.get(kind);
  if (best === undefined) assertComplete(r, `kind ${kind} of ${author}`);
  return best;
}

/**
 * The newest event of each of `kinds` by `author`, in one query (one round trip for lists that
 * are looked up together), and the relays that did not answer: a kind absent from `newest` while
 * `incomplete` is not empty may still exist.
 */
export async function newestOfKinds(
  transport: Transport,
  kinds: readonly number[],
  author: string,
  options: LookupOptions = {},
): Promise<{ newest: Map<number, NostrEvent>; incomplete: RelayGap[] }> {
  // Replaceable kinds: a relay holds one of each, a few more if it keeps superseded versions.
  const filter: Filter = { kinds: [...kinds], authors: [author], limit: 5 * kinds.length };
  const r = await queryEvents(transport, [filter], options.eoseTimeoutMs ?? 5000, {
    ...(options.relays !== undefined ? { relays: options.relays } : {}),
  });
  const newest = new Map<number, NostrEvent>();
  for (const e of r.events) {
    if (!kinds.includes(e.kind) || e.pubkey !== author) continue;
    const b = newest.get(e.kind);
    if (!b || e.created_at > b.created_at || (e.created_at === b.created_at && e.id < b.id)) newest.set(e.kind, e);
  }
  return { newest, incomplete: r.incomplete };
}

/**
 * `pubkey`'s relay list (kind 10002), or undefined when every relay answered and none has one.
 * @throws OtP2pError `relay-incomplete` when none was found and some relay did not answer.
 */
export async function relayListOf(
  transport: Transport,
  pubkey: string,
  options: LookupOptions = {},
): Promise<RelayList | undefined> {
  const ev = await fetchNewest(transport, Kind.RelayList, pubkey, options);
  return ev ? parseRelayListEvent(ev) : undefined;
}

/**
 * `pubkey`'s DM relays (kind 10050), at most {@link MAX_LISTED_RELAYS}; empty when every relay
 * answered and none has a list.
 * @throws OtP2pError `relay-incomplete` when none was found and some relay did not answer.
 */
export async function dmRelaysOf(transport: Transport, pubkey: string, options: LookupOptions = {}): Promise<string[]> {
  const ev = await fetchNewest(transport, Kind.DmRelays, pubkey, options);
  return ev ? parseDmRelaysEvent(ev).relays.slice(0, MAX_LISTED_RELAYS) : [];
}

/** The relays of `list` used as `use` (`write`: where the author publishes), at most {@link MAX_LISTED_RELAYS}. */
export function listedRelays(list: RelayList | undefined, use: 'read' | 'write'): string[] {
  return list === undefined ? [] : relaysFor(list, use).slice(0, MAX_LISTED_RELAYS);
}

/** Where a recipient's gift wraps go, and why there. */
export interface DmRelayChoice {
  /** Empty for `default`: the transport's own write relays. */
  relays: string[];
  source: 'dm-relays' | 'nip65-read' | 'default';
  /** Set when the choice leaks that a DM exists (not the recipient's DM relays). */
  warning?: string;
}

/**
 * Where wraps for `recipient` go: their kind 10050 relays; else their NIP-65 read relays
 * (with a warning: those relays learn that a DM exists); else the transport's defaults (same).
 * A fallback is taken only after a complete lookup says there is no list: a relay that did not
 * answer may hold it, and guessing would tell other relays that a DM exists.
 * @throws OtP2pError `relay-incomplete` naming the relays that did not answer (`context.incomplete`).
 */
export async function dmRelayChoice(
  transport: Transport,
  recipient: string,
  options: LookupOptions = {},
): Promise<DmRelayChoice> {
  // Both lists in one REQ: the NIP-65 fallback costs no second round trip.
  const r = await newestOfKinds(transport, [Kind.DmRelays, Kind.RelayList], recipient, options);
  const dmEvent = r.newest.get(Kind.DmRelays);
  const dm = dmEvent ? parseDmRelaysEvent(dmEvent).relays.slice(0, MAX_LISTED_RELAYS) : [];
  if (dm.length > 0) return { relays: dm, source: 'dm-relays' };
  // A relay that did not answer may hold the DM relay list: no fallback that would leak the DM.
  if (dmEvent === undefined) assertComplete(r, `kind ${Kind.DmRelays} of ${recipient}`);
  const listEvent = r.newest.get(Kind.RelayList);
  if (listEvent === undefined) assertComplete(r, `kind ${Kind.RelayList} of ${recipient}`);
  const read = listedRelays(listEvent ? parseRelayListEvent(listEvent) : undefined, 'read');
  if (read.length > 0) {
    return {
      relays: read,
      source: 'nip65-read',
      warning: `${recipient} publishes no DM relays (kind 10050): sending to their NIP-65 read relays, which learn that a DM exists`,
    };
  }
  return {
    relays: [],
    source: 'default',
    warning: `${recipient} publishes no DM or read relays: sending to our default relays, which learn that a DM exists`,
  };
}

/**
 * Subscribe to an author's events on that author's write relays (outbox model), falling back to
 * `indexRelays` when the author publishes no list, or when the lookup got no full answer (the
 * index relays are where we looked anyway). Every filter is restricted to the author.
 */
export async function subscribeAuthor(
  transport: Transport,
  pubkey: string,
  filters: Filter[],
  handlers: SubscriptionHandlers,
  options: SubscribeOptions & { indexRelays: string[] },
): Promise<Subscription> {
  const { indexRelays, ...rest } = options;
  const list = await relayListOf(transport, pubkey, { relays: indexRelays }).catch((err: unknown) => {
    if (isOtP2pError(err) && err.code === 'relay-incomplete') return undefined;
    throw err;
  });
  const write = listedRelays(list, 'write');
  const relays = write.length > 0 ? write : indexRelays;
  return transport.subscribe(
    filters.map((f) => ({ ...f, authors: [pubkey] })),
    handlers,
    { ...rest, relays },
  );
}

/**
 * Publish a gift wrap to the recipient's DM relays (kind 10050).
 * @throws OtP2pError `no-relays` when the recipient lists no DM relay (NIP-17: do not guess),
 *   `relay-incomplete` when none was found and some relay did not answer.
 */
export async function publishToDmRelays(
  transport: Transport,
  wrap: NostrEvent,
  recipient: string,
  indexRelays: string[],
): Promise<PublishResult[]> {
  const relays = await dmRelaysOf(transport, recipient, { relays: indexRelays });
  if (relays.length === 0)
    throw new OtP2pError('no-relays', `recipient ${recipient.slice(0, 16)}… lists no DM relays (kind 10050)`, {
      context: { recipient },
    });
  return transport.publish(wrap, relays);
}
