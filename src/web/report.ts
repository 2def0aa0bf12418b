/**
 * What a web sync reports (src/web/sync.ts): its phases and progress, the parts relays did not
 * answer, and the totals. Apart from the engine so callers (Peer, CLI, bench) read the report
 * without the engine's internals.
 */
import type { GapReason, RelayGap } from '../relays/transport.ts';

/** The phases a progress report names, in order. */
export type SyncPhase = 'self' | 'forward' | 'discover' | 'publishers' | 'backward';

/** Progress of a sync (for a progress bar): REQs answered and planned in the current phase. */
export interface SyncProgress {
  phase: SyncPhase;
  done: number;
  total: number;
  bytes: number;
  reqs: number;
}

/** A part of the web a relay did not answer in full (after the bounded retries). */
export interface SyncGap {
  /** The relay ('' for the budget). */
  relay: string;
  /** What was asked: `authors`, `scan`, `followers`. */
  what: string;
  /** `no-answer: ...`, `closed: ...`, `page-stuck` (more same-second events than a page), `budget`. */
  reason: string;
}

/** What {@link syncWeb} did. */
export interface WebSyncReport {
  /** REQs sent (pages and retries included). */
  reqs: number;
  /** Bytes of event JSON received. */
  bytes: number;
  /** Events received (duplicates across relays included). */
  events: number;
  gaps: SyncGap[];
  /** The byte or time budget ran out before every target was proven or disproven. */
  budgetExhausted: boolean;
  /** Publishers and payees not proven within the radius (not routed through). */
  unproven: string[];
  /** Keys proven within the radius over the held follow links (self excluded). */
  webSize: number;
  /** Author groups brought up to date by NIP-77 reconciliation instead of a `since` REQ. */
  reconciled: number;
}

const GAP_REASONS: readonly GapReason[] = ['no-answer', 'unreachable', 'connection-lost', 'closed'];

/** The engine's gaps as the transport's, one per relay (the budget, relay '', is reported apart). */
export function relayGapsOf(gaps: readonly SyncGap[]): RelayGap[] {
  const out = new Map<string, RelayGap>();
  for (const g of gaps) {
    if (g.relay === '' || out.has(g.relay)) continue;
    const head = g.reason.split(':')[0] as GapReason;
    const reason = GAP_REASONS.includes(head) ? head : 'no-answer';
    out.set(g.relay, { relay: g.relay, reason, message: `${g.what}: ${g.reason}` });
  }
  return [...out.values()];
}
