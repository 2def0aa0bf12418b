/**
 * The wiring behind a {@link Peer}, for otp2p's own daemon, CLI, dashboard and tests. Not exported
 * from any entry point and not a stable API: a wallet uses the Peer's documented methods.
 */
import { OtP2pError } from '../core/errors.ts';
import type { Messenger } from '../messaging/messenger.ts';
import type { OfferGraph } from '../pathing/graph.ts';
import type { PaymentCoordinator } from '../payments/coordinator.ts';
import type { OutboxPublisher } from '../relays/outbox.ts';
import type { Transport } from '../relays/transport.ts';
import type { Store } from '../store/db.ts';
import type { EventStore } from '../store/events.ts';
import type { OutboxStore } from '../store/outbox.ts';
import type { Peer } from '../peer.ts';

/** @internal The parts one Peer composed. */
export interface PeerInternals {
  readonly store: Store;
  readonly events: EventStore;
  readonly transport: Transport;
  readonly outbox: OutboxPublisher;
  readonly outboxStore: OutboxStore;
  readonly messenger: Messenger;
  readonly coordinator: PaymentCoordinator;
  readonly graph: OfferGraph;
}

const registry = new WeakMap<object, PeerInternals>();

/** @internal Called once by the Peer's constructor. */
export function registerPeerInternals(peer: object, parts: PeerInternals): void {
  registry.set(peer, parts);
}

/**
 * @internal The parts behind `peer`.
 * @throws OtP2pError `bad-input` for an object that is not a Peer made by `createPeer`.
 */
export function peerInternals(peer: Peer): PeerInternals {
  const parts = registry.get(peer);
  if (!parts) throw new OtP2pError('bad-input', 'not a Peer made by createPeer', { context: { field: 'peer' } });
  return parts;
}
