/**
 * The one I/O port of the web sync: ask one relay for the stored events matching some filters,
 * and, where the relay speaks NIP-77, reconcile the ids held with the relay's (`reconcile`).
 * The engine never sees sockets, so the benchmark plugs a modelled relay here and the library
 * plugs the {@link Transport} ({@link transportQueryPort}).
 */
import type { Filter } from '../events/filter.ts';
import type { NostrEvent } from '../events/types.ts';
import { fetchRelayLimits } from '../relays/nip11.ts';
import type { HeldId } from '../relays/nip77.ts';
import { Nip77Client } from '../relays/nip77.ts';
import type { RelayPool } from '../relays/pool.ts';
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

/**
 * What one relay answered to a NIP-77 reconciliation: `need`, the ids it holds that were not in
 * the held set; or why there is no answer (`unsupported`: it does not speak NIP-77; `failed`: a
 * NEG-ERR, silence midway, a bound). Neither is "nothing new": the caller asks with `since` instead.
 */
export type ReconcileAnswer =
  | { status: 'ok'; need: string[] }
  | { status: 'unsupported'; reason: string }
  | { status: 'failed'; reason: string };

/** Reconcile `filter` on `relay` against the `held` ids (NIP-77). Must not reject for a relay fault. */
export type ReconcilePort = (relay: string, filter: Filter, held: readonly HeldId[]) => Promise<ReconcileAnswer>;

/**
 * Ask `relay` for the stored events matching `filters` (one REQ). Must not reject for a relay
 * fault. `reconcile`, when present, is the relay's NIP-77 side (see {@link ReconcilePort}).
 */
export type QueryPort = ((relay: string, filters: Filter[]) => Promise<QueryAnswer>) & { reconcile?: ReconcilePort };

/** Options of {@link transportQueryPort}. */
export interface TransportPortOptions {
  /** Give up waiting for EOSE after this many ms (default 10 s): the answer is then incomplete. */
  eoseTimeoutMs?: number;
  /**
   * NIP-77 over a {@link RelayPool} (default on; other transports have no raw channel): wait this
   * long for each negentropy message (default 5 s; silence after NEG-OPEN marks the relay
   * unsupported for the life of the pool's port). `false`: `since` REQs only.
   */
  negentropy?: false | { timeoutMs?: number };
}

/**
 * A {@link QueryPort} over a {@link Transport}: one one-shot subscription on that relay only.
 * Rejections of the transport itself (closed, no relays) become incomplete answers naming them.
 */
export function transportQueryPort(transport: Transport, options: TransportPortOptions = {}): QueryPort {
  const timeout = options.eoseTimeoutMs ?? 10_000;
  const port: QueryPort = async (relay, filters) => {
    try {
      const r = await queryEvents(transport, filters, timeout, { relays: [relay] });
      const gap = r.incomplete[0];
      if (!gap) return { events: r.events, complete: true };
      return { events: r.events, complete: false, reason: `${gap.reason}${gap.message ? `: ${gap.message}` : ''}` };
    } catch (err) {
      return { events: [], complete: false, reason: (err as Error).message };
    }
  };
  const pool = transport as Partial<Pick<RelayPool, 'channel' | 'limits'>>;
  if (options.negentropy !== false && typeof pool.channel === 'function' && typeof pool.limits === 'function') {
    const channel = pool.channel.bind(pool);
    const limits = pool.limits.bind(pool);
    const nips = new Map<string, Promise<number[] | undefined>>();
    const client = new Nip77Client(channel, {
      timeoutMs: options.negentropy?.timeoutMs ?? 5000,
      // A relay whose NIP-11 lists its NIPs without 77 is not asked (nostream stays silent to
      // NEG-OPEN: without this, every one-shot command would wait out the timeout). The pool's
      // copy when it has one; a warm sync's first frame to a relay is often a NEG-OPEN, before
      // the pool's own fetch is back, so then one of ours.
      supportedNips: (relay) => {
        const known = limits(relay).supportedNips;
        if (known) return Promise.resolve(known);
        let p = nips.get(relay);
        if (!p) nips.set(relay, (p = fetchRelayLimits(relay, { timeoutMs: 2000 }).then((l) => l.supportedNips)));
        return p;
      },
    });
    port.reconcile = async (relay, filter, held) => {
      try {
        const out = await client.reconcile(relay, filter, held);
        if (out.ok) return { status: 'ok', need: out.need };
        return { status: out.code === 'unsupported' ? 'unsupported' : 'failed', reason: `${out.code}: ${out.reason}` };
      } catch (err) {
        return { status: 'failed', reason: (err as Error).message };
      }
    };
  }
  return port;
}
