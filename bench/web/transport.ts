/**
 * A {@link Transport} over the modelled relays, so today's `OfferWeb.sync` / `fetchWebOfTrust`
 * (which speak Transport, not the web engine's query port) run unchanged against the same model:
 * a subscription sends one REQ per relay asked (in parallel, each on its relay's connection) and
 * fires EOSE once every relay answered, as RelayPool does. Read-only: publishing is refused.
 */
import type { Filter } from '../../src/events/filter.ts';
import type { NostrEvent } from '../../src/events/types.ts';
import { SubscriptionSink } from '../../src/relays/subscription.ts';
import type {
  PublishResult,
  RelayGap,
  SubscribeOptions,
  Subscription,
  SubscriptionHandlers,
  Transport,
} from '../../src/relays/transport.ts';
import type { ModelNet } from './relay.ts';

let counter = 0;

/** The modelled relays as a Transport whose read relays are `readRelays`. */
export class ModelTransport implements Transport {
  readonly #model: ModelNet;
  readonly #read: string[];

  constructor(model: ModelNet, readRelays: string[]) {
    this.#model = model;
    this.#read = readRelays;
  }

  async publish(_event: NostrEvent, relays?: string[]): Promise<PublishResult[]> {
    return (relays ?? this.#read).map((relay) => ({
      relay,
      ok: false,
      code: 'restricted',
      message: 'read-only model',
    }));
  }

  subscribe(filters: Filter[], handlers: SubscriptionHandlers = {}, options: SubscribeOptions = {}): Subscription {
    const sink = new SubscriptionSink(`model-${(counter++).toString(36)}`, handlers, () => undefined);
    const relays = options.relays ?? this.#read;
    void Promise.all(relays.map((r) => this.#model.query(r, filters))).then((answers) => {
      const gaps: RelayGap[] = [];
      answers.forEach((a, i) => {
        for (const e of a.events) sink.event(e, relays[i]!);
        if (!a.complete) gaps.push({ relay: relays[i]!, reason: 'closed', message: a.reason ?? '' });
      });
      sink.eose(gaps);
      if (options.closeOnEose) sink.close();
    });
    return sink;
  }

  async close(): Promise<void> {}
}
