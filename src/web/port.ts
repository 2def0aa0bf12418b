/**
 * The one I/O port of the web sync: ask one relay for the stored events matching some filters.
 * The engine never sees sockets, so the benchmark plugs a modelled relay here and the library
 * plugs the {@link Transport} ({@link transportQueryPort}).
 */
import type { Filter } from '../events/filter.ts';
import type { NostrEvent } from '../events/types.ts';
import { queryEvents } from '../relays/query.ts';
import type { Transport } from '../relays/transport.ts';

/**
 * What one relay answered to one REQ. `complete` is true only when the relay sent EOSE: a relay
 * that stayed silent, closed the subscription or dropped is an incomplete answer (`reason` says
 * why), never "nothing stored". Events must be verified (signature and id) before they are returned.
 */
export interface QueryAnswer {
  events: NostrEvent[];
  complete: boolean;
  reason?: string;
}

/** Ask `relay` for the stored events matching `filters` (one REQ). Must not reject for a relay fault. */
export type QueryPort = (relay: string, filters: Filter[]) => Promise<QueryAnswer>;

/** Options of {@link transportQueryPort}. */
export interface TransportPortOptions {
  /** Give up waiting for EOSE after this many ms (default 10 s): the answer is then incomplete. */
  eoseTimeoutMs?: number;
}

/**
 * A {@link QueryPort} over a {@link Transport}: one one-shot subscription on that relay only.
 * Rejections of the transport itself (closed, no relays) become incomplete answers naming them.
 */
export function transportQueryPort(transport: Transport, options: TransportPortOptions = {}): QueryPort {
  const timeout = options.eoseTimeoutMs ?? 10_000;
  return async (relay, filters) => {
    try {
      const r = await queryEvents(transport, filters, timeout, { relays: [relay] });
      const gap = r.incomplete[0];
      if (!gap) return { events: r.events, complete: true };
      return { events: r.events, complete: false, reason: `${gap.reason}${gap.message ? `: ${gap.message}` : ''}` };
    } catch (err) {
      return { events: [], complete: false, reason: (err as Error).message };
    }
  };
}
