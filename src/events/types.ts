/** NIP-01 event shapes. */

/** A signed Nostr event, as on the wire. */
export interface NostrEvent {
  id: string;
  pubkey: string;
  created_at: number;
  kind: number;
  tags: string[][];
  content: string;
  sig: string;
}

/** An event before id and signature: what builders return. */
export interface UnsignedEvent {
  pubkey: string;
  created_at: number;
  kind: number;
  tags: string[][];
  content: string;
}

/** An event template without an author: what callers hand to a signer. */
export interface EventTemplate {
  created_at: number;
  kind: number;
  tags: string[][];
  content: string;
}

/** NIP-01 kind classes. */
export type KindClass = 'regular' | 'replaceable' | 'ephemeral' | 'addressable';

/** The NIP-01 class of a kind. */
export function kindClass(kind: number): KindClass {
  if (kind === 0 || kind === 3 || (kind >= 10000 && kind < 20000)) return 'replaceable';
  if (kind >= 20000 && kind < 30000) return 'ephemeral';
  if (kind >= 30000 && kind < 40000) return 'addressable';
  return 'regular';
}

/** The value of the first `d` tag, or '' (NIP-01: a missing `d` counts as empty). */
export function dTag(event: { tags: string[][] }): string {
  for (const t of event.tags) if (t[0] === 'd') return t[1] ?? '';
  return '';
}

/** First value of the first tag named `name`, if any. */
export function tagValue(event: { tags: string[][] }, name: string): string | undefined {
  for (const t of event.tags) if (t[0] === name) return t[1];
  return undefined;
}

/** All first values of tags named `name`. */
export function tagValues(event: { tags: string[][] }, name: string): string[] {
  const out: string[] = [];
  for (const t of event.tags) if (t[0] === name && t[1] !== undefined) out.push(t[1]);
  return out;
}
