/**
 * Kind 3 (NIP-02 follow list): `["p", <pubkey>, <relay hint>, <petname>]` tags.
 *
 * Real follow lists carry junk (bad keys, http hints); the parser keeps every valid entry and
 * counts what it skipped instead of refusing the whole list, because the web of trust is built
 * from other people's lists. Duplicated pubkeys keep their first entry. Builders are strict.
 */
import { OtP2pError, describeValue } from '../core/errors.ts';
import { Kind } from './kinds.ts';
import { isRelayUrl } from '../core/relay-url.ts';
import type { EventTemplate, NostrEvent } from './types.ts';

/** One followed key. */
export interface Follow {
  pubkey: string;
  /** Relay where that key can be found (a hint). */
  relay?: string;
  petname?: string;
}

/** A parsed follow list. */
export interface FollowList {
  follows: Follow[];
  /** Legacy content (some clients kept a relay map here); kept verbatim. */
  content: string;
  /** Malformed or duplicated `p` tags that were ignored. */
  skipped: number;
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Build a kind-3 template.
 * @throws OtP2pError `bad-key` for a pubkey that is not 64 lowercase hex; `bad-relay-url` for a
 *   relay hint that is not a relay URL (`core/relay-url.ts`; hints are kept as written, since a
 *   follow list is the user's and otp2p rewrites none of its tags); `bad-input` for a duplicated pubkey.
 */
export function buildFollowsEvent(follows: readonly Follow[], createdAt: number, content = ''): EventTemplate {
  const seen = new Set<string>();
  const tags = follows.map((f, i) => {
    if (!HEX64.test(f.pubkey))
      throw new OtP2pError('bad-key', `follows[${i}].pubkey must be 64 lowercase hex, got ${describeValue(f.pubkey)}`, {
        context: { index: i },
      });
    if (seen.has(f.pubkey))
      throw new OtP2pError('bad-input', `follows[${i}] repeats pubkey ${f.pubkey}`, { context: { index: i } });
    seen.add(f.pubkey);
    if (f.relay !== undefined && !isRelayUrl(f.relay)) {
      throw new OtP2pError(
        'bad-relay-url',
        `follows[${i}].relay must be a ws:// or wss:// URL, got ${describeValue(f.relay)}`,
        { context: { index: i } },
      );
    }
    const tag = ['p', f.pubkey];
    if (f.relay !== undefined || f.petname !== undefined) tag.push(f.relay ?? '');
    if (f.petname !== undefined) tag.push(f.petname);
    return tag;
  });
  return { kind: Kind.Follows, created_at: createdAt, tags, content };
}

/**
 * Parse a kind-3 event. Invalid `p` tags are skipped and counted; invalid relay hints dropped.
 * @throws OtP2pError `bad-kind` for another kind.
 */
export function parseFollowsEvent(event: Pick<NostrEvent, 'kind' | 'tags' | 'content'>): FollowList {
  if (event.kind !== Kind.Follows)
    throw new OtP2pError('bad-kind', `follow list must be kind 3, got ${describeValue(event.kind)}`, {
      context: { kind: event.kind },
    });
  const follows: Follow[] = [];
  const seen = new Set<string>();
  let skipped = 0;
  for (const t of event.tags) {
    if (t[0] !== 'p') continue;
    const pubkey = t[1];
    if (pubkey === undefined || !HEX64.test(pubkey) || seen.has(pubkey)) {
      skipped++;
      continue;
    }
    seen.add(pubkey);
    const f: Follow = { pubkey };
    if (isRelayUrl(t[2])) f.relay = t[2];
    if (t[3] !== undefined && t[3] !== '') f.petname = t[3];
    follows.push(f);
  }
  return { follows, content: event.content, skipped };
}

/** What a follow command asks to change: nothing else in the list may move. */
export interface FollowChange {
  /** Keys to follow; an already followed key only gets the petname (or relay hint) given here. */
  add?: readonly Follow[];
  /** Keys to unfollow (every `p` tag of the key goes, duplicates included). */
  remove?: readonly string[];
}

/**
 * Edit the user's newest follow list, changing only what was asked. Every other tag (other
 * follows with their hints and petnames, `t` tags, tags we do not know) and the `content` are
 * kept as they were, in order, byte for byte: the list was made by the user's other clients
 * (Damus, Amethyst, Primal, Coracle) and is theirs. New follows are appended.
 *
 * `latest` is null only for a user who has never published a follow list; the caller decides
 * that from relays that answered (never from silence). `createdAt` is raised above the latest
 * list's so that relays replace it.
 * @throws OtP2pError `bad-key` / `bad-relay-url` for a malformed change, `bad-kind` when
 *   `latest` is not kind 3.
 */
export function editFollowList(
  latest: Pick<NostrEvent, 'kind' | 'tags' | 'content' | 'created_at'> | null,
  change: FollowChange,
  createdAt: number,
): EventTemplate {
  if (latest !== null && latest.kind !== Kind.Follows) {
    throw new OtP2pError('bad-kind', `follow list must be kind 3, got ${describeValue(latest.kind)}`, {
      context: { kind: latest.kind },
    });
  }
  const remove = new Set<string>();
  for (const [i, pk] of (change.remove ?? []).entries()) {
    if (!HEX64.test(pk))
      throw new OtP2pError('bad-key', `remove[${i}] must be 64 lowercase hex, got ${describeValue(pk)}`, {
        context: { index: i },
      });
    remove.add(pk);
  }
  const add = new Map<string, Follow>();
  for (const [i, f] of (change.add ?? []).entries()) {
    if (!HEX64.test(f.pubkey))
      throw new OtP2pError('bad-key', `add[${i}].pubkey must be 64 lowercase hex, got ${describeValue(f.pubkey)}`, {
        context: { index: i },
      });
    if (f.relay !== undefined && !isRelayUrl(f.relay)) {
      throw new OtP2pError(
        'bad-relay-url',
        `add[${i}].relay must be a ws:// or wss:// URL, got ${describeValue(f.relay)}`,
        { context: { index: i } },
      );
    }
    if (remove.has(f.pubkey))
      throw new OtP2pError('bad-input', `add[${i}] also asks to remove ${f.pubkey}`, { context: { index: i } });
    add.set(f.pubkey, f);
  }
  const tags: string[][] = [];
  const present = new Set<string>();
  for (const t of latest?.tags ?? []) {
    const pk = t[0] === 'p' ? t[1] : undefined;
    if (pk !== undefined && remove.has(pk)) continue;
    const wanted = pk !== undefined && !present.has(pk) ? add.get(pk) : undefined;
    if (pk !== undefined) present.add(pk);
    if (wanted === undefined || (wanted.petname === undefined && wanted.relay === undefined)) {
      tags.push(t);
      continue;
    }
    // Asked for a new petname or hint on a key already followed: change those fields only.
    const edited = [...t];
    while (edited.length < 4) edited.push('');
    if (wanted.relay !== undefined) edited[2] = wanted.relay;
    if (wanted.petname !== undefined) edited[3] = wanted.petname;
    tags.push(edited);
  }
  for (const f of add.values()) {
    if (present.has(f.pubkey)) continue;
    const tag = ['p', f.pubkey];
    if (f.relay !== undefined || f.petname !== undefined) tag.push(f.relay ?? '');
    if (f.petname !== undefined) tag.push(f.petname);
    tags.push(tag);
  }
  const created_at = latest === null ? createdAt : Math.max(createdAt, latest.created_at + 1);
  return { kind: Kind.Follows, created_at, tags, content: latest?.content ?? '' };
}
