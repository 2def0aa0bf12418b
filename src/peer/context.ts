/** What the Peer's capability namespaces share: the wiring one {@link Peer} composed. Internal. */
import type { Clock } from '../core/clock.ts';
import type { Config } from '../config.ts';
import type { EventTemplate, NostrEvent } from '../events/types.ts';
import type { Messenger } from '../messaging/messenger.ts';
import type { OtApi } from '../otapi/api.ts';
import type { Transport } from '../relays/transport.ts';
import type { PeerEvents } from './types.ts';
import type { OfferWeb } from './web.ts';

/** @internal The parts a namespace of the Peer works with. */
export interface PeerContext {
  readonly pubkey: string;
  readonly config: Config;
  readonly clock: Clock;
  readonly otApi: OtApi | undefined;
  readonly transport: Transport;
  readonly messenger: Messenger;
  readonly web: OfferWeb;
  /** The configured relays (read and written). */
  readonly relays: readonly string[];
  /** A Bitcoin wallet is attached (on-chain BTC is accepted and paid). */
  readonly hasBitcoin: boolean;
  /** Sign through the peer's signer (may be remote: async, may refuse or time out). */
  sign(template: EventTemplate): Promise<NostrEvent>;
  /** Sign, store and queue in the outbox (durable on return). */
  publish(template: EventTemplate): Promise<NostrEvent>;
  emit<K extends keyof PeerEvents>(event: K, ...args: PeerEvents[K]): void;
}
