/** `peer.payments`: pay along a route, the payment history, and telling the wallet about transitions. */
import type { Store } from '../store/db.ts';
import type { PaymentCoordinator, PaymentResult } from '../payments/coordinator.ts';
import { legsFromPath } from '../payments/adapters/pathing.ts';
import { listMisbehaving, listPayments } from '../payments/store.ts';
import type { MisbehavingRow, PaymentRecord } from '../payments/store.ts';
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
  /** Last state seen per payment id (emits `payment` on change). */
  readonly #states = new Map<string, string>();
  #timer: NodeJS.Timeout | undefined;

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
      throw new OtP2pError('bad-input', 'the given route does not deliver the requested amount to the payee', { context: { to: req.to } });
    }
    const route = req.route ?? (await this.#routes.find(req));
    const results: PaymentResult[] = [];
    for (const part of route.parts) {
      const result = await this.#coordinator.pay({ route: legsFromPath(part), amount: part.receive, ...(req.maxFee !== undefined ? { maxFee: req.maxFee } : {}) });
      results.push(result);
    }
    await this.#watch();
    return { route, results };
  }

  /** Every payment this peer took part in, newest first. @throws OtP2pError `db-error`. */
  async list(): Promise<PaymentRecord[]> {
    return listPayments(this.#store.db);
  }

  /** Peers reported for holding payments until expiry (avoided in later routing). @throws OtP2pError `db-error`. */
  async misbehaving(): Promise<MisbehavingRow[]> {
    return listMisbehaving(this.#store.db);
  }

  /** @internal Start telling the wallet about transitions (the Peer's start). */
  async startWatching(): Promise<void> {
    // Payments change state from inbound messages too (as a hop or payee): one cheap query a
    // second on a small table tells the wallet about every transition.
    await this.#watch();
    this.#timer = setInterval(() => void this.#watch().catch(() => undefined), 1_000);
    this.#timer.unref();
  }

  /** @internal */
  stopWatching(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Emit `payment` for every payment whose state changed since the last look. */
  async #watch(): Promise<void> {
    for (const p of await listPayments(this.#store.db, 200)) {
      const key = `${p.state}:${p.updatedAt}`;
      if (this.#states.get(p.id) === key) continue;
      const known = this.#states.has(p.id) || this.#timer !== undefined;
      this.#states.set(p.id, key);
      if (known) this.#ctx.emit('payment', p);
    }
  }
}
