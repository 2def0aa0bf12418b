/**
 * MemoryTransport: an in-process {@link Transport} with the semantics of real relays, for unit
 * tests of the layers above. A {@link MemoryNetwork} holds any number of named relays; several
 * transports (several simulated peers) share one network. Relays keep NIP-01 replaceable and
 * addressable semantics (newest wins, ties keep the lowest id), do not store ephemeral events,
 * send EOSE after stored events, deliver live events, refuse unverifiable events with
 * `invalid:`, and can be taken down to simulate an unreachable relay.
 */
import { EventVerifier } from '../events/verify.ts';
import type { Filter } from '../events/filter.ts';
import { matchFilter, matchFilters } from '../events/filter.ts';
import { dTag, kindClass } from '../events/types.ts';
import type { NostrEvent } from '../events/types.ts';
import { OtP2pError } from '../core/errors.ts';
import { classifyOk } from './nip01-prefixes.ts';
import { SubscriptionSink } from './subscription.ts';
import type {
  PublishResult,
  RelayStats,
  SubscribeOptions,
  Subscription,
  SubscriptionHandlers,
  Transport,
} from './transport.ts';

type Listener = (event: NostrEvent) => void;

/** One simulated relay. */
export class MemoryRelay {
  readonly url: string;
  /** When false, publishes get `relay-unreachable` and subscriptions skip this relay. */
  up = true;
  /** Refuse every publish with this `OK false` message (e.g. 'blocked: not allowed'). */
  refuseWith: string | undefined;
  readonly #byId = new Map<string, NostrEvent>();
  readonly #byAddress = new Map<string, string>();
  readonly #listeners = new Set<Listener>();
  readonly #verifier: EventVerifier;

  constructor(url: string, verifier: EventVerifier) {
    this.url = url;
    this.#verifier = verifier;
  }

  /** Number of stored events. */
  get size(): number {
    return this.#byId.size;
  }

  /** Whether the relay stores `id`. */
  has(id: string): boolean {
    return this.#byId.has(id);
  }

  /** Store (or refuse) an event; returns the NIP-01 OK message. */
  accept(event: NostrEvent): { ok: boolean; message: string } {
    if (this.refuseWith !== undefined) return { ok: false, message: this.refuseWith };
    const v = this.#verifier.verify(event);
    if (!v.ok) return { ok: false, message: `invalid: ${v.message}` };
    if (this.#byId.has(event.id)) return { ok: true, message: 'duplicate: already have this event' };
    const cls = kindClass(event.kind);
    if (cls !== 'ephemeral') {
      if (cls === 'replaceable' || cls === 'addressable') {
        const address = `${event.kind}:${event.pubkey}:${cls === 'addressable' ? dTag(event) : ''}`;
        const currentId = this.#byAddress.get(address);
        const current = currentId === undefined ? undefined : this.#byId.get(currentId);
        if (current) {
          const newer =
            event.created_at > current.created_at || (event.created_at === current.created_at && event.id < current.id);
          if (!newer) return { ok: true, message: 'duplicate: have a newer version' };
          this.#byId.delete(current.id);
        }
        this.#byAddress.set(address, event.id);
      }
      this.#byId.set(event.id, event);
    }
    for (const l of this.#listeners) l(event);
    return { ok: true, message: '' };
  }

  /** Stored events matching `filters`, newest first, each filter's `limit` applied. */
  query(filters: readonly Filter[]): NostrEvent[] {
    const out = new Map<string, NostrEvent>();
    const all = [...this.#byId.values()].sort((a, b) => b.created_at - a.created_at || (a.id < b.id ? -1 : 1));
    for (const f of filters) {
      let n = 0;
      for (const e of all) {
        if (f.limit !== undefined && n >= f.limit) break;
        if (matchFilter(f, e)) {
          out.set(e.id, e);
          n++;
        }
      }
    }
    return [...out.values()];
  }

  /** Listen to every accepted event; returns the unsubscribe function. */
  listen(l: Listener): () => void {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  }
}

/** A set of named simulated relays, shared by the transports of several simulated peers. */
export class MemoryNetwork {
  readonly #relays = new Map<string, MemoryRelay>();
  readonly verifier: EventVerifier;

  constructor(verifier = new EventVerifier()) {
    this.verifier = verifier;
  }

  /** The relay named `url`, created on first use. */
  relay(url: string): MemoryRelay {
    let r = this.#relays.get(url);
    if (!r) {
      r = new MemoryRelay(url, this.verifier);
      this.#relays.set(url, r);
    }
    return r;
  }

  /** Every relay created so far. */
  relays(): MemoryRelay[] {
    return [...this.#relays.values()];
  }
}

/** Options for {@link MemoryTransport}. */
export interface MemoryTransportOptions {
  /** The shared network; default a fresh one. */
  network?: MemoryNetwork;
  /** Default relays for publish and subscribe; default `['memory://a']`. */
  relays?: string[];
}

let nextSub = 0;

/** The in-process transport. */
export class MemoryTransport implements Transport {
  readonly network: MemoryNetwork;
  readonly relays: string[];
  readonly #subs = new Set<SubscriptionSink>();
  readonly #stats = new Map<string, RelayStats>();
  #closed = false;

  constructor(options: MemoryTransportOptions = {}) {
    this.network = options.network ?? new MemoryNetwork();
    this.relays = options.relays ?? ['memory://a'];
  }

  /**
   * Publish to `relays` (default: this transport's relays); one result per relay.
   * @throws OtP2pError `closed` after {@link close}.
   */
  async publish(event: NostrEvent, relays: string[] = this.relays): Promise<PublishResult[]> {
    if (this.#closed) throw new OtP2pError('closed', 'transport is closed');
    await Promise.resolve();
    return relays.map((url) => {
      const relay = this.network.relay(url);
      if (!relay.up) return { relay: url, ok: false, code: 'relay-unreachable', message: 'relay is down' };
      const r = relay.accept(event);
      return { relay: url, ...classifyOk(r.ok, r.message) };
    });
  }

  /**
   * Subscribe; stored events are delivered asynchronously, then EOSE, then live events.
   * @throws OtP2pError `closed` after {@link close}.
   */
  subscribe(filters: Filter[], handlers: SubscriptionHandlers = {}, options: SubscribeOptions = {}): Subscription {
    if (this.#closed) throw new OtP2pError('closed', 'transport is closed');
    const urls = options.relays ?? this.relays;
    const unlisten: (() => void)[] = [];
    const sink = new SubscriptionSink(`mem${nextSub++}`, handlers, () => {
      for (const u of unlisten) u();
      this.#subs.delete(sink);
    });
    this.#subs.add(sink);
    queueMicrotask(() => {
      if (sink.closed) return;
      const live = urls.map((u) => this.network.relay(u)).filter((r) => r.up);
      for (const relay of live) for (const e of relay.query(filters)) this.#deliver(sink, e, relay.url);
      sink.eose();
      if (options.closeOnEose) {
        sink.close();
        return;
      }
      for (const relay of live) {
        unlisten.push(
          relay.listen((e) => {
            if (matchFilters(filters, e)) this.#deliver(sink, e, relay.url);
          }),
        );
      }
    });
    return sink;
  }

  #deliver(sink: SubscriptionSink, event: NostrEvent, relay: string): void {
    let s = this.#stats.get(relay);
    if (!s) {
      s = {
        received: 0,
        invalid: 0,
        invalidByCode: {},
        unmatched: 0,
        duplicates: 0,
        orphans: 0,
        notices: 0,
        authChallenges: 0,
        authAnswers: 0,
        connects: 0,
        disconnects: 0,
        badFrames: 0,
        oversizedFrames: 0,
      };
      this.#stats.set(relay, s);
    }
    s.received++;
    if (!sink.event(event, relay)) s.duplicates++;
  }

  /**
   * Events delivered per relay (`received`, `duplicates`). The other counters stay 0: in-process
   * relays have no connections, frames or authentication, and refuse bad events on publish.
   */
  stats(): Record<string, RelayStats> {
    const out: Record<string, RelayStats> = {};
    for (const [url, s] of this.#stats) out[url] = { ...s };
    return out;
  }

  /** Whether `relay` is up (a relay not created yet comes up on first use) and this transport open. */
  isConnected(relay: string): boolean {
    return !this.#closed && (this.network.relays().find((r) => r.url === relay)?.up ?? true);
  }

  /** Close every subscription. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const s of [...this.#subs]) s.close();
  }
}
