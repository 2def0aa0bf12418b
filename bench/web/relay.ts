/**
 * The modelled relays of `npm run bench -- web`: NIP-01 answers from the compact {@link Network}
 * (filters on ids-free fields: authors, kinds, #p, #d, since, until, limit), a cap of 500 events
 * per filter (strfry's default `maxFilterLimit`; newest first, as relays return them), and a
 * virtual clock for the time a real network would take.
 *
 * Time model (one WebSocket per relay, as RelayPool keeps): the first REQ to a relay pays the
 * connection set-up, 2 round trips (TCP, then TLS 1.3 and the WebSocket upgrade); a REQ issued at
 * virtual time t goes up at `bandwidth`, its answer starts one round trip (100 ms) later and
 * streams at `bandwidth` (20 Mbit/s), after whatever that connection is still streaming (REQs on
 * one connection overlap their latency but share its bandwidth; different relays run in
 * parallel). The engine's own CPU time (parsing, SQLite) is not in the modelled time: the
 * benchmark reports it as wall time beside it.
 *
 * Bytes are the JSON text a relay sends: `["EVENT","<sub>",<event>]` per event and
 * `["EOSE","<sub>"]` per REQ (received), `["REQ",...]` and `["CLOSE",...]` (sent).
 */
import { Kind } from '../../src/events/kinds.ts';
import type { Filter } from '../../src/events/filter.ts';
import type { NostrEvent } from '../../src/events/types.ts';
import type { Clock } from '../../src/core/clock.ts';
import { normalizeRelayUrl } from '../../src/core/relay-url.ts';
import type { EventRef, Network } from './network.ts';
import {
  NETWORK_KINDS,
  dOf,
  eventOf,
  eventsOf,
  followersOf,
  follows,
  keyIndex,
  ROLE_ATTEST,
  ROLE_CATALOG,
  ROLE_OFFERS,
} from './network.ts';

/** The answer of one REQ (the shape of the engine's query port). */
export interface ModelAnswer {
  events: NostrEvent[];
  complete: boolean;
  reason?: string;
}

/** Parameters of the model. */
export interface ModelParams {
  /** Round trip, seconds (default 0.1). */
  rtt: number;
  /** Bits per second per connection (default 20e6). */
  bandwidth: number;
  /** Most events a relay returns per filter (default 500). */
  cap: number;
  /** Round trips to open a connection (default 2). */
  connectRtts: number;
}

export const DEFAULT_MODEL: ModelParams = { rtt: 0.1, bandwidth: 20e6, cap: 500, connectRtts: 2 };

/** Counters of what crossed the modelled wire. */
export interface ModelCounters {
  reqs: number;
  /** Bytes received (EVENT and EOSE frames). */
  bytes: number;
  /** Bytes sent (REQ and CLOSE frames). */
  bytesUp: number;
  events: number;
  /** REQs whose answer hit the cap (the client should paginate). */
  capped: number;
  /** REQs per relay. */
  perRelay: number[];
}

/**
 * JSON length of an event without building its text: every string the network generates is
 * ASCII without characters JSON escapes, except kind-0 content (measured with JSON.stringify).
 * test/bench/web-network.test.ts checks this against JSON.stringify for every kind.
 */
export function eventJsonSize(e: NostrEvent): number {
  let tags = 2;
  for (let i = 0; i < e.tags.length; i++) {
    const t = e.tags[i]!;
    let s = 2 + t.length - 1;
    for (let j = 0; j < t.length; j++) s += t[j]!.length + 2;
    tags += s + (i > 0 ? 1 : 0);
  }
  return (
    2 +
    5 +
    66 +
    10 +
    66 +
    14 +
    String(e.created_at).length +
    8 +
    String(e.kind).length +
    8 +
    tags +
    11 +
    JSON.stringify(e.content).length +
    7 +
    130
  );
}

let subCounter = 0;

/** A relay URL as RelayPool dials it (the model's URLs are in this form), or the input. */
function normalized(url: string): string {
  try {
    return normalizeRelayUrl(url);
  } catch {
    return url;
  }
}

/** The modelled relays and the virtual clock they share. */
export class ModelNet {
  readonly net: Network;
  readonly params: ModelParams;
  /** Virtual seconds since the start of the run. */
  now = 0;
  readonly counters: ModelCounters;
  readonly #busy: Float64Array;
  readonly #ready: Float64Array;
  readonly #connected: Uint8Array;
  readonly #pending: { at: number; resolve: () => void }[] = [];
  #calls = 0;
  #pumping = false;
  /** Stop answering (every REQ closed) past this many received bytes. */
  budgetBytes = Number.POSITIVE_INFINITY;
  /** Called with each answer's size (for memory sampling by the caller). */
  onAnswer: (() => void) | undefined;

  constructor(net: Network, params: Partial<ModelParams> = {}) {
    this.net = net;
    this.params = { ...DEFAULT_MODEL, ...params };
    const R = net.relayUrls.length;
    this.#busy = new Float64Array(R);
    this.#ready = new Float64Array(R);
    this.#connected = new Uint8Array(R);
    this.counters = { reqs: 0, bytes: 0, bytesUp: 0, events: 0, capped: 0, perRelay: new Array(R).fill(0) };
  }

  /** A clock at the network's time plus the virtual time elapsed (for the engine's cursors and budget). */
  clock(): Clock {
    return { now: () => Math.floor((this.net.now + this.now) * 1000) };
  }

  /** Forget connections (a restarted process dials again) and reset the clock and counters. */
  restart(): void {
    this.now = 0;
    this.#busy.fill(0);
    this.#ready.fill(0);
    this.#connected.fill(0);
    Object.assign(this.counters, { reqs: 0, bytes: 0, bytesUp: 0, events: 0, capped: 0 });
    this.counters.perRelay.fill(0);
  }

  /** One REQ to one relay; resolves at the virtual time its EOSE arrives. */
  query(relay: string, filters: Filter[]): Promise<ModelAnswer> {
    this.#calls++;
    const r = this.net.relayUrls.indexOf(normalized(relay));
    const sub = `sub-${(subCounter++).toString(36)}`;
    const upBytes = JSON.stringify(['REQ', sub, ...filters]).length + JSON.stringify(['CLOSE', sub]).length;
    let answer: ModelAnswer;
    let down = 0;
    if (r < 0) {
      // an unknown relay is unreachable: no bytes, one connection attempt's time
      answer = { events: [], complete: false, reason: 'unreachable: not a relay of the model' };
    } else if (this.counters.bytes >= this.budgetBytes) {
      answer = { events: [], complete: false, reason: 'closed: byte budget of the run exhausted' };
    } else {
      const events = this.answer(r, filters);
      for (const e of events) down += 13 + sub.length + eventJsonSize(e);
      down += 12 + sub.length;
      answer = { events, complete: true };
      this.counters.reqs++;
      this.counters.perRelay[r]!++;
      this.counters.bytes += down;
      this.counters.bytesUp += upBytes;
      this.counters.events += events.length;
    }
    const { rtt, bandwidth, connectRtts } = this.params;
    let at = this.now;
    if (r >= 0) {
      if (this.#connected[r] === 0) {
        this.#connected[r] = 1;
        this.#ready[r] = this.now + connectRtts * rtt;
      }
      const start = Math.max(this.now, this.#ready[r]!) + (upBytes * 8) / bandwidth;
      at = Math.max(start + rtt, this.#busy[r]!) + (down * 8) / bandwidth;
      this.#busy[r] = at;
    } else {
      at = this.now + rtt;
    }
    this.onAnswer?.();
    return new Promise((resolve) => {
      this.#pending.push({ at, resolve: () => resolve(answer) });
      this.#pump();
    });
  }

  /**
   * Advance the virtual clock: once the caller has nothing left to do but wait (no new REQ for
   * one turn of the event loop), the earliest pending answer is delivered at its time.
   */
  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    const step = (): void => {
      const seen = this.#calls;
      setImmediate(() => {
        if (seen !== this.#calls) return step();
        if (this.#pending.length === 0) {
          this.#pumping = false;
          return;
        }
        let k = 0;
        for (let i = 1; i < this.#pending.length; i++) if (this.#pending[i]!.at < this.#pending[k]!.at) k = i;
        const p = this.#pending.splice(k, 1)[0]!;
        this.now = Math.max(this.now, p.at);
        p.resolve();
        step();
      });
    };
    step();
  }

  /** Events relay `r` holds matching `filters`, newest first, at most `cap` per filter. */
  answer(r: number, filters: readonly Filter[]): NostrEvent[] {
    const out = new Map<string, NostrEvent>();
    for (const f of filters) {
      const refs = this.#match(r, f);
      refs.sort((a, b) => b.createdAt - a.createdAt || a.key - b.key || a.sub - b.sub);
      const n = Math.min(refs.length, f.limit ?? this.params.cap, this.params.cap);
      if (refs.length > n && n === this.params.cap) this.counters.capped++;
      for (let i = 0; i < n; i++) {
        const e = eventOf(this.net, refs[i]!);
        out.set(e.id, e);
      }
    }
    return [...out.values()];
  }

  #match(r: number, f: Filter): EventRef[] {
    const net = this.net;
    const bit = 1 << r;
    const kinds = (f.kinds ?? NETWORK_KINDS).filter((k) => (NETWORK_KINDS as readonly number[]).includes(k));
    const pTags = (f as Record<string, unknown>)['#p'] as string[] | undefined;
    const dTags = (f as Record<string, unknown>)['#d'] as string[] | undefined;
    const pKeys = pTags?.map((p) => keyIndex(net, p)).filter((i) => i >= 0);
    const out: EventRef[] = [];
    if (f.ids !== undefined) return out; // the model holds no index by id: nothing the bench asks
    // tag filters other than #p and #d: no event of the network carries those tags
    for (const k of Object.keys(f)) if (k.startsWith('#') && k !== '#p' && k !== '#d') return out;
    let keys: Iterable<number>;
    if (f.authors) {
      keys = new Set(f.authors.map((a) => keyIndex(net, a)).filter((i) => i >= 0));
    } else if (pKeys && kinds.every((k) => k === Kind.Follows)) {
      const s = new Set<number>();
      for (const t of pKeys) for (const i of followersOf(net, t)) s.add(i);
      keys = s;
    } else if (kinds.every((k) => k === Kind.Catalog || k === Kind.Offer || k === Kind.MintAttestation)) {
      const s = new Set<number>();
      const role = (k: number): number =>
        k === Kind.Catalog ? ROLE_CATALOG : k === Kind.Offer ? ROLE_OFFERS : ROLE_ATTEST;
      const lists = { [ROLE_CATALOG]: net.catalogKeys, [ROLE_OFFERS]: net.offerKeys, [ROLE_ATTEST]: net.attestKeys };
      for (const k of kinds) for (const i of lists[role(k) as 1 | 2 | 4]) s.add(i);
      keys = s;
    } else {
      keys = {
        [Symbol.iterator]: function* () {
          for (let i = 0; i < net.keys; i++) yield i;
        },
      };
    }
    const refs: EventRef[] = [];
    for (const key of keys) {
      if ((net.writeMask[key]! & bit) === 0) continue;
      for (const k of kinds) {
        refs.length = 0;
        eventsOf(net, key, k, refs);
        for (const e of refs) {
          if (f.since !== undefined && e.createdAt < f.since) continue;
          if (f.until !== undefined && e.createdAt > f.until) continue;
          if (pKeys) {
            if (e.kind !== Kind.Follows) continue;
            if (!pKeys.some((t) => follows(net, e.key, t))) continue;
          }
          if (dTags) {
            const d = dOf(net, e);
            if (d === undefined || !dTags.includes(d)) continue;
          }
          out.push({ ...e });
        }
      }
    }
    return out;
  }
}
