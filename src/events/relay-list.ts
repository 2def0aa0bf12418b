/**
 * Kind 10002 (NIP-65 relay list): `["r", <url>]` (read and write), `["r", <url>, "read"]`,
 * `["r", <url>, "write"]`. URLs are kept in their canonical form (`core/relay-url.ts`), so
 * `wss://Relay.example/` and `wss://relay.example` are one relay. The parser skips (and counts)
 * entries with a bad URL or an unknown marker, and merges repeated URLs; the builder is strict.
 * This is the one NIP-65 codec; looking lists up on relays is `relays/nip65.ts`.
 */
import { OtP2pError, describeValue } from '../core/errors.ts';
import { normalizeRelayUrl, tryNormalizeRelayUrl } from '../core/relay-url.ts';
import { Kind } from './kinds.ts';
import type { EventTemplate, NostrEvent } from './types.ts';

/** One relay of a NIP-65 list. At least one of read/write is true. */
export interface RelayListEntry {
  url: string;
  read: boolean;
  write: boolean;
}

/** A parsed relay list. */
export interface RelayList {
  relays: RelayListEntry[];
  skipped: number;
}

/**
 * Build a kind-10002 template (URLs written in canonical form).
 * @throws OtP2pError `bad-relay-url` for a URL that is not a relay URL; `bad-input` for an entry
 *   neither read nor write, or a URL repeated (after normalization).
 */
export function buildRelayListEvent(relays: readonly RelayListEntry[], createdAt: number): EventTemplate {
  const seen = new Set<string>();
  const tags = relays.map((r, i) => {
    const url = normalizeRelayUrl(r.url, `relays[${i}].url`);
    if (seen.has(url))
      throw new OtP2pError('bad-input', `relays[${i}] repeats ${url}`, {
        context: { index: i, field: `relays[${i}].url` },
      });
    seen.add(url);
    if (r.read && r.write) return ['r', url];
    if (r.read) return ['r', url, 'read'];
    if (r.write) return ['r', url, 'write'];
    throw new OtP2pError('bad-input', `relays[${i}] must be read, write or both`, { context: { index: i } });
  });
  return { kind: Kind.RelayList, created_at: createdAt, tags, content: '' };
}

/**
 * Parse a kind-10002 event.
 * @throws OtP2pError `bad-kind` for another kind.
 */
export function parseRelayListEvent(event: Pick<NostrEvent, 'kind' | 'tags'>): RelayList {
  if (event.kind !== Kind.RelayList)
    throw new OtP2pError('bad-kind', `relay list must be kind 10002, got ${describeValue(event.kind)}`, {
      context: { kind: event.kind },
    });
  const byUrl = new Map<string, RelayListEntry>();
  let skipped = 0;
  for (const t of event.tags) {
    if (t[0] !== 'r') continue;
    const url = tryNormalizeRelayUrl(t[1]);
    const marker = t[2];
    if (url === undefined || (marker !== undefined && marker !== '' && marker !== 'read' && marker !== 'write')) {
      skipped++;
      continue;
    }
    const read = marker === undefined || marker === '' || marker === 'read';
    const write = marker === undefined || marker === '' || marker === 'write';
    const prev = byUrl.get(url);
    if (prev) {
      prev.read ||= read;
      prev.write ||= write;
    } else {
      byUrl.set(url, { url, read, write });
    }
  }
  return { relays: [...byUrl.values()], skipped };
}

/** URLs to read an author's events from (their write relays) or to send them mentions and DMs (their read relays). */
export function relaysFor(list: RelayList, use: 'read' | 'write'): string[] {
  return list.relays.filter((r) => r[use]).map((r) => r.url);
}
