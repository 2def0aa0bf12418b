/** `peer.payments`: pay along a route, the payment history, and telling the wallet about transitions. */
import type { Store } from '../store/db.ts';
import type { PaymentCoordinator, PaymentResult } from '../payments/coordinator.ts';
import { legsFromPath } from '../payments/adapters/pathing.ts';
import { listMisbehaving, listPayments } from '../payments/store.ts';
import type { MisbehavingRecord, PaymentRecord } from '../payments/store.ts';
import { OtP2pError } from '../core/errors.ts';
import type { PeerContext } from './context.ts';
import type { PeerRoutes } from './routes.ts';
import type { FoundRoute, PayRequestByPeer } from './types.ts';

/** Payments: pay along a route, history. */
export class PeerPayments {
  readonly #ctx: PeerContext;
  readonly #coordinator: PaymentCoordinator;
  readonly #store: Store;
  readonly #routes: PeerRoutes;
  #unwatch: (() => void) | undefined;

  /** @internal Built by the Peer. */
  constructor(ctx: PeerContext, coordinator: PaymentCoordinator, store: Store, routes: PeerRoutes) {
    this.#ctx = ctx;
    this.#coordinator = coordinator;
    this.#store = store;
    this.#routes = routes;
  }

  /**
   * Find a route and pay it; resolves when the payment succeeded, failed or was refunded.
   * A multi-part route pays each part as its own payment (each with its own receipt).
   * @throws OtP2pError `no-route`, `bad-input` (a given route for another payee or amount), or the coordinator's refusal codes (`exposure-limit`, `fee-too-high`, ...).
   */
  async pay(req: PayRequestByPeer): Promise<{ route: FoundRoute; results: PaymentResult[] }> {
    if (req.route && (req.route.receive !== req.amount || req.route.parts.some((p) => p.hops.at(-1)?.to !== req.to))) {
      throw new OtP2pError('bad-input', 'the given route does not deliver the requested amount to the payee', {
        context: { to: req.to },
      });
    }
    const route = req.route ?? (await this.#routes.find(req));
    const results: PaymentResult[] = [];
    for (const part of route.parts) {
      const result = await this.#coordinator.pay({
        route: legsFromPath(part),
        amount: part.receive,
        ...(req.maxFee !== undefined ? { maxFee: req.maxFee } : {}),
      });
      results.push(result);
    }
    return { route, results };
  }

  /** Every payment this peer took part in, newest first. @throws OtP2pError `db-error`. */
  async list(): Promise<PaymentRecord[]> {
    return listPayments(this.#store.db);
  }

  /** Peers reported for holding payments until expiry (avoided in later routing). @throws OtP2pError `db-error`. */
  async misbehaving(): Promise<MisbehavingRecord[]> {
    return listMisbehaving(this.#store.db);
  }

  /**
   * @internal Start telling the wallet about transitions (the Peer's start, before the
   * coordinator resumes its payments so that their transitions are told too). Payments change
   * state from inbound messages as well (as a hop or payee): the coordinator announces every
   * committed transition, so nothing needs polling.
   */
  startWatching(): void {
    this.#unwatch ??= this.#coordinator.onTransition((t) => {
      const p = this.#coordinator.payment(t.paymentId);
      if (p) this.#ctx.emit('payment', p);
    });
  }

  /** @internal */
  stopWatching(): void {
    this.#unwatch?.();
    this.#unwatch = undefined;
  }
}
