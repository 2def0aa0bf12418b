/**
 * One-shot queries over a {@link Transport}: every stored event matching some filters, and the
 * relays that did not answer. A relay that stayed silent, refused the connection or closed the
 * subscription is a gap in the answer, never "nothing stored": callers report it.
 */
import { OtP2pError } from '../core/errors.ts';
import type { Filter } from '../events/filter.ts';
import type { NostrEvent } from '../events/types.ts';
import type { RelayGap, Transport } from './transport.ts';

/** What a one-shot query found, and which relays left a gap. */
export interface QueryResult {
  events: NostrEvent[];
  /** Relays that did not answer in full (empty when every relay sent EOSE). */
  incomplete: RelayGap[];
}

/** Options for {@link queryEvents}. */
export interface QueryOptions {
  /** Relays to ask (default: the transport's read relays). */
  relays?: string[];
}

/**
 * Every stored event matching `filters`, resolved at EOSE (or the timeout), with the relays that
 * did not answer. Events arrive verified (the Transport contract). Never rejects for a relay.
 * A relay the pool already knows is down (its last dials failed) is an `unreachable` gap at once;
 * only a relay that may still answer is waited for, up to `eoseTimeoutMs`.
 * @throws OtP2pError `closed` / `no-relays` from {@link Transport.subscribe}.
 */
export function queryEvents(
  transport: Transport,
  filters: Filter[],
  eoseTimeoutMs = 10_000,
  options: QueryOptions = {},
): Promise<QueryResult> {
  return new Promise((resolve) => {
    const out = new Map<string, NostrEvent>();
    let done = false;
    const finish = (incomplete: readonly RelayGap[]): void => {
      if (done) return;
      done = true;
      resolve({ events: [...out.values()], incomplete: [...incomplete] });
    };
    const sub = transport.subscribe(
      filters,
      {
        onevent: (e) => void out.set(e.id, e),
        oneose: (incomplete) => {
          finish(incomplete ?? []);
          sub.close();
        },
        // Ended before EOSE: every relay closed it, or the transport closed.
        onclose: (reasons) => {
          const gaps = Object.entries(reasons).map(
            ([relay, message]): RelayGap => ({ relay, reason: 'closed', message }),
          );
          finish(
            gaps.length > 0 ? gaps : [{ relay: '', reason: 'closed', message: 'the transport closed before EOSE' }],
          );
        },
      },
      { closeOnEose: true, eoseTimeoutMs, ...(options.relays ? { relays: options.relays } : {}) },
    );
  });
}

/** Add `gaps` to `into`, one per relay (the first reason seen is the one reported). */
export function addGaps(into: RelayGap[], gaps: readonly RelayGap[]): void {
  for (const g of gaps) if (!into.some((x) => x.relay === g.relay)) into.push(g);
}

/**
 * Throw when some relays left a gap: for callers that must not act on a partial answer.
 * @throws OtP2pError `relay-incomplete` naming each relay and why, with `context.incomplete`.
 */
export function assertComplete(result: { incomplete: readonly RelayGap[] }, what = 'query'): void {
  if (result.incomplete.length === 0) return;
  throw new OtP2pError('relay-incomplete', `${what}: no full answer from ${describeGaps(result.incomplete)}`, {
    context: { incomplete: [...result.incomplete] },
  });
}

/**
 * A short human description of the gaps (`ws://a (no-answer), ws://b (closed: restricted)`).
 */
export function describeGaps(gaps: readonly RelayGap[]): string {
  return gaps.map((g) => `${g.relay || 'transport'} (${g.reason}${g.message ? `: ${g.message}` : ''})`).join(', ');
}
