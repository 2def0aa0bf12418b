/**
 * Kind 10050 (NIP-17 DM relay list): `["relay", <url>]` tags naming where the author wants to
 * receive gift-wrapped DMs, in canonical form (`core/relay-url.ts`). The parser skips (and
 * counts) bad URLs and repeats; the builder is strict.
 */
import { OtP2pError, describeValue } from '../core/errors.ts';
import { normalizeRelayUrl, tryNormalizeRelayUrl } from '../core/relay-url.ts';
import { Kind } from './kinds.ts';
import type { EventTemplate, NostrEvent } from './types.ts';

/** A parsed DM relay list. */
export interface DmRelays {
  relays: string[];
  skipped: number;
}

/**
 * Build a kind-10050 template (URLs written in canonical form).
 * @throws OtP2pError `bad-relay-url` for a URL that is not a relay URL; `bad-input` for a repeat
 *   (after normalization).
 */
export function buildDmRelaysEvent(relays: readonly string[], createdAt: number): EventTemplate {
  const seen = new Set<string>();
  const tags = relays.map((raw, i) => {
    const url = normalizeRelayUrl(raw, `relays[${i}]`);
    if (seen.has(url))
      throw new OtP2pError('bad-input', `relays[${i}] repeats ${url}`, {
        context: { index: i, field: `relays[${i}]` },
      });
    seen.add(url);
    return ['relay', url];
  });
  return { kind: Kind.DmRelays, created_at: createdAt, tags, content: '' };
}

/**
 * Parse a kind-10050 event.
 * @throws OtP2pError `bad-kind` for another kind.
 */
export function parseDmRelaysEvent(event: Pick<NostrEvent, 'kind' | 'tags'>): DmRelays {
  if (event.kind !== Kind.DmRelays)
    throw new OtP2pError('bad-kind', `DM relay list must be kind 10050, got ${describeValue(event.kind)}`, {
      context: { kind: event.kind },
    });
  const relays: string[] = [];
  let skipped = 0;
  for (const t of event.tags) {
    if (t[0] !== 'relay') continue;
    const url = tryNormalizeRelayUrl(t[1]);
    if (url === undefined || relays.includes(url)) {
      skipped++;
      continue;
    }
    relays.push(url);
  }
  return { relays, skipped };
}
