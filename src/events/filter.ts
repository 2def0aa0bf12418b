/** NIP-01 filters and matching. Used by relays (to drop events that do not match) and MemoryTransport. */
import type { NostrEvent } from './types.ts';

/** A NIP-01 filter. Tag filters are `#<single letter>`. */
export interface Filter {
  ids?: string[];
  authors?: string[];
  kinds?: number[];
  since?: number;
  until?: number;
  limit?: number;
  [tag: `#${string}`]: string[] | undefined;
}

/** Whether `event` matches `filter` (NIP-01: every present condition holds). */
export function matchFilter(filter: Filter, event: NostrEvent): boolean {
  if (filter.ids && !filter.ids.includes(event.id)) return false;
  if (filter.authors && !filter.authors.includes(event.pubkey)) return false;
  if (filter.kinds && !filter.kinds.includes(event.kind)) return false;
  if (filter.since !== undefined && event.created_at < filter.since) return false;
  if (filter.until !== undefined && event.created_at > filter.until) return false;
  for (const key of Object.keys(filter)) {
    if (key.length !== 2 || key[0] !== '#') continue;
    const wanted = filter[key as `#${string}`];
    if (!wanted) continue;
    const name = key[1];
    if (!event.tags.some((t) => t[0] === name && t[1] !== undefined && wanted.includes(t[1]))) return false;
  }
  return true;
}

/** Whether `event` matches any of `filters`. */
export function matchFilters(filters: readonly Filter[], event: NostrEvent): boolean {
  for (const f of filters) if (matchFilter(f, event)) return true;
  return false;
}
