/**
 * NIP-42 client authentication: the kind 22242 event answering a relay's challenge, and the
 * policy of which relays get an answer (only allow-listed ones: authenticating tells a relay who
 * we are).
 */
import { Kind } from '../events/kinds.ts';
import type { EventTemplate, NostrEvent } from '../events/types.ts';

/** Signs a template with the identity key (the key itself never leaves the signer). */
export type EventSigner = (template: EventTemplate) => NostrEvent | Promise<NostrEvent>;

/** The template for answering `challenge` from `relayUrl`. */
export function authTemplate(relayUrl: string, challenge: string, nowSeconds: number): EventTemplate {
  return { kind: Kind.ClientAuth, created_at: nowSeconds, tags: [['relay', relayUrl], ['challenge', challenge]], content: '' };
}

/** Normalize a relay URL for comparisons (lowercase scheme and host, no trailing slash). */
export function normalizeRelayUrl(url: string): string {
  try {
    const u = new URL(url);
    const path = u.pathname === '/' ? '' : u.pathname.replace(/\/+$/, '');
    return `${u.protocol}//${u.host}${path}${u.search}`.toLowerCase();
  } catch {
    return url;
  }
}

/** Whether `relayUrl` is on `allowList` (after normalization). */
export function authAllowed(relayUrl: string, allowList: readonly string[]): boolean {
  const n = normalizeRelayUrl(relayUrl);
  return allowList.some((a) => normalizeRelayUrl(a) === n);
}
