/**
 * NIP-42 client authentication: the kind 22242 event answering a relay's challenge, and the
 * policy of which relays get an answer (only allow-listed ones: authenticating tells a relay who
 * we are).
 */
import { sameRelay } from '../core/relay-url.ts';
import { Kind } from '../events/kinds.ts';
import type { EventTemplate, NostrEvent } from '../events/types.ts';

/** Signs a template with the identity key (the key itself never leaves the signer). */
export type EventSigner = (template: EventTemplate) => NostrEvent | Promise<NostrEvent>;

/** The template for answering `challenge` from `relayUrl`. */
export function authTemplate(relayUrl: string, challenge: string, nowSeconds: number): EventTemplate {
  return {
    kind: Kind.ClientAuth,
    created_at: nowSeconds,
    tags: [
      ['relay', relayUrl],
      ['challenge', challenge],
    ],
    content: '',
  };
}

/**
 * Whether `relayUrl` is on `allowList`, compared in canonical form (`core/relay-url.ts`: the
 * host's case does not matter, the path's does). Nothing that is not a relay URL is allowed.
 */
export function authAllowed(relayUrl: string, allowList: readonly string[]): boolean {
  return allowList.some((a) => sameRelay(a, relayUrl));
}
