/**
 * Kind 5 (NIP-09 deletion request): `e` tags name event ids, `a` tags name addresses
 * (`kind:pubkey:d`), `k` tags the kinds concerned; `content` is an optional reason. Relays and
 * our store honour a request only for the author's own events (see `EventStore`).
 */
import { OtP2pError, describeValue } from '../core/errors.ts';
import { formatAddress, parseAddress } from './address.ts';
import type { Address } from './address.ts';
import { Kind } from './kinds.ts';
import type { EventTemplate, NostrEvent } from './types.ts';

/** A parsed deletion request. */
export interface Deletion {
  eventIds: string[];
  addresses: Address[];
  /** Kinds of the targets (`k` tags), as listed. */
  kinds: number[];
  reason: string;
}

const HEX64 = /^[0-9a-f]{64}$/;
const KIND_RE = /^(0|[1-9][0-9]{0,4})$/;

/**
 * Build a kind-5 template. `kinds` defaults to the kinds of the addresses (NIP-09 asks for `k`
 * tags; the kinds of plain event ids are only known to the caller).
 * @throws OtP2pError `bad-tag` when an id is not 64 lowercase hex, an address is malformed, or
 *   nothing is named.
 */
export function buildDeletionEvent(d: Partial<Deletion>, createdAt: number): EventTemplate {
  const ids = d.eventIds ?? [];
  const addresses = d.addresses ?? [];
  if (ids.length === 0 && addresses.length === 0)
    throw new OtP2pError('bad-tag', 'a deletion must name at least one event id or address');
  const tags: string[][] = [];
  ids.forEach((id, i) => {
    if (!HEX64.test(id))
      throw new OtP2pError('bad-tag', `eventIds[${i}] must be 64 lowercase hex, got ${describeValue(id)}`, {
        context: { index: i },
      });
    tags.push(['e', id]);
  });
  for (const [i, a] of addresses.entries())
    tags.push(['a', formatAddress(parseAddress(formatAddress(a), `addresses[${i}]`))]);
  const kinds = d.kinds ?? [...new Set(addresses.map((a) => a.kind))];
  for (const k of kinds) {
    if (!Number.isInteger(k) || k < 0 || k > 65535)
      throw new OtP2pError('bad-tag', `kinds must be integers in 0..65535, got ${describeValue(k)}`);
    tags.push(['k', String(k)]);
  }
  return { kind: Kind.Deletion, created_at: createdAt, tags, content: d.reason ?? '' };
}

/**
 * Parse a kind-5 event.
 * @throws OtP2pError `bad-kind` for another kind; `bad-tag` for a malformed `e`, `a` or `k`
 *   value, or when no event or address is named.
 */
export function parseDeletionEvent(event: Pick<NostrEvent, 'kind' | 'tags' | 'content'>): Deletion {
  if (event.kind !== Kind.Deletion)
    throw new OtP2pError('bad-kind', `deletion must be kind 5, got ${describeValue(event.kind)}`, {
      context: { kind: event.kind },
    });
  const out: Deletion = { eventIds: [], addresses: [], kinds: [], reason: event.content };
  event.tags.forEach((t, i) => {
    const v = t[1];
    if (t[0] === 'e') {
      if (v === undefined || !HEX64.test(v))
        throw new OtP2pError('bad-tag', `tags[${i}] e must be 64 lowercase hex, got ${describeValue(v)}`, {
          context: { index: i },
        });
      out.eventIds.push(v);
    } else if (t[0] === 'a') {
      out.addresses.push(parseAddress(v ?? '', `tags[${i}] a`));
    } else if (t[0] === 'k') {
      if (v === undefined || !KIND_RE.test(v) || Number(v) > 65535)
        throw new OtP2pError('bad-tag', `tags[${i}] k must be a kind number, got ${describeValue(v)}`, {
          context: { index: i },
        });
      out.kinds.push(Number(v));
    }
  });
  if (out.eventIds.length === 0 && out.addresses.length === 0)
    throw new OtP2pError('bad-tag', 'deletion names no event id or address');
  return out;
}
