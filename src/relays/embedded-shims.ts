/**
 * Patches the embedded relay applies to the third-party relay packages it is built on
 * (`@nostr-relay/*`), process-wide and once: kept apart from the relay's wiring (embedded.ts) so
 * what we change in code we did not write is read in one place.
 */
import { EventUtils } from '@nostr-relay/common';
import type { EventRepositorySqlite } from '@nostr-relay/event-repository-sqlite';
import { computeEventId, verifySignature } from '../events/verify.ts';
import type { NostrEvent } from '../events/types.ts';

let fastChecksInstalled = false;
let deprecationSilenced = false;

/**
 * The repository calls kysely's deprecated `orderBy('created_at desc')`, and kysely prints a
 * one-time notice with `console.log`: on stdout, where `otp2p relay --json` must print only JSON.
 * Run one query at start-up with console.log muted so the once-per-process notice is spent.
 */
export async function silenceDeprecationNotice(repository: EventRepositorySqlite): Promise<void> {
  if (deprecationSilenced) return;
  deprecationSilenced = true;
  const log = console.log;
  console.log = () => undefined;
  try {
    await repository.find({ kinds: [0], limit: 1 });
  } finally {
    console.log = log;
  }
}

/**
 * The packages verify every event with pure-JS noble (~1.6 ms each, the bulk of their ack
 * latency). Same checks, same answers, on node:crypto + libsecp256k1. Process-wide because
 * `EventUtils` is a static class inside the CommonJS package; only the embedded relay uses it.
 */
export function installFastChecks(): void {
  if (fastChecksInstalled) return;
  fastChecksInstalled = true;
  const utils = EventUtils as unknown as {
    isIdValid: (e: NostrEvent) => boolean;
    isSigValid: (e: NostrEvent) => boolean;
  };
  utils.isIdValid = (e) => computeEventId(e) === e.id;
  utils.isSigValid = (e) => verifySignature(e.id, e.pubkey, e.sig);
}
