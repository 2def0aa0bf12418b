/** `peer.routes`: path finding over the offers of our social radius. */
import { unixSeconds } from '../core/clock.ts';
import { OtP2pError, isOtP2pError } from '../core/errors.ts';
import { parseUnitRef } from '../events/offer.ts';
import type { UnitRef } from '../events/offer.ts';
import { findArbitrage } from '../pathing/arbitrage.ts';
import type { ArbitrageCycle } from '../pathing/arbitrage.ts';
import { Router } from '../pathing/router.ts';
import type { MultiRouteResult, RoutePath } from '../pathing/router.ts';
import type { PeerContext } from './context.ts';
import type { FindRouteRequest, FoundRoute, SyncOptions, SyncResult } from './types.ts';
import { catalogUnitRefs } from '../events/catalog.ts';
import { resolveUnit } from './units.ts';
import { assertComplete } from '../relays/query.ts';
import type { Catalog } from '../events/catalog.ts';

/** Options of {@link PeerRoutes.payee}. */
export interface PayeeOptions {
  /** Restrict what the payee receives: a unit ID, `unit@notary`, or a TLA from its catalog. */
  unit?: string;
  /** Sync the web even when the payee's catalog is known (fresh offers before a route). */
  sync?: boolean;
  /** Progress of that sync (REQs answered, planned, phase). */
  onProgress?: SyncOptions['onProgress'];
}

/** What a payee accepts, from its catalog: the one check before a route or a payment. */
export interface RoutePayee {
  /** The payee (hex). */
  pubkey: string;
  /** Its catalog: the units it accepts, with their scales (`factor`) and short names. */
  catalog: Catalog;
  /** The units the payment may arrive in: those matching `unit`, else every unit it accepts. */
  units: UnitRef[];
  /** The sync this call ran, if it ran one (its gaps did not hide the catalog). */
  synced?: SyncResult;
}

/** Path finding over the offers of our social radius. */
export class PeerRoutes {
  readonly #ctx: PeerContext;
  readonly #router: Router;
  readonly #sync: (options: SyncOptions) => Promise<SyncResult>;

  /** @internal Built by the Peer. */
  constructor(ctx: PeerContext, sync: (options: SyncOptions) => Promise<SyncResult>) {
    this.#ctx = ctx;
    this.#router = new Router(ctx.web.graph);
    this.#sync = sync;
  }

  /**
   * The payee's catalog and the units a payment to it may arrive in, syncing first when the web
   * was never synced, the catalog is unknown, or `sync` asks. A caller reads the amount's scale
   * from it (the catalog's `factor`) before {@link find}, which runs the same check.
   * @throws OtP2pError `relay-incomplete` when the catalog is unknown and a relay did not answer
   *   (silence is not "no catalog"), `no-route` when the payee publishes no catalog or accepts
   *   no unit named `unit`, `bad-input` for a malformed `unit@notary`.
   */
  async payee(to: string, options: PayeeOptions = {}): Promise<RoutePayee> {
    const { web } = this.#ctx;
    const synced =
      options.sync || web.lastSyncAt === null || !web.catalogOf(to)
        ? await this.#sync({ extra: [to], ...(options.onProgress ? { onProgress: options.onProgress } : {}) })
        : undefined;
    const catalog = web.catalogOf(to);
    // A relay that did not answer is not "the payee publishes no catalog": report the gap.
    if (!catalog && synced?.incomplete?.length)
      assertComplete({ incomplete: synced.incomplete }, "finding the payee's catalog");
    if (!catalog)
      throw new OtP2pError(
        'no-route',
        `the payee ${web.nameOf(to)} publishes no catalog, so nothing says what it accepts`,
        {
          context: { to },
        },
      );
    const all = catalogUnitRefs(catalog);
    const units = options.unit === undefined ? all : resolveUnit(options.unit, catalog, all);
    return { pubkey: to, catalog, units, ...(synced ? { synced } : {}) };
  }

  /**
   * Find a route to `to` delivering `amount` (multi-path when one path is too small).
   * Syncs first when the graph has never been synced or the payee's catalog is unknown.
   * @throws OtP2pError `no-route` when none exists (or the payee publishes no catalog, or we
   *   hold nothing), `relay-incomplete` when the payee's catalog is unknown and a relay did not
   *   answer, `bad-input` for a malformed `unit@notary`.
   */
  async find(req: FindRouteRequest): Promise<FoundRoute> {
    const { web, config, clock, pubkey } = this.#ctx;
    const wanted = (await this.payee(req.to, req.unit !== undefined ? { unit: req.unit } : {})).units;
    const fromUnits = req.fromUnit !== undefined ? [parseUnitRef(req.fromUnit, 'fromUnit')] : await this.#holdings();
    if (fromUnits.length === 0) throw new OtP2pError('no-route', 'we hold no funds in any unit', { context: {} });
    let last: unknown;
    for (const fromUnit of fromUnits) {
      try {
        const q = {
          from: pubkey,
          fromUnit,
          to: req.to,
          // the units asked for, for this query only: the graph keeps what the payee accepts
          toUnits: wanted,
          amount: req.amount,
          maxHops: req.maxHops ?? config.maxHops,
          maxDegree: config.maxDegree,
          maxParts: req.maxParts ?? 8,
          now: unixSeconds(clock),
        };
        const result = (req.maxParts ?? 8) <= 1 ? single(this.#router.findRoute(q)) : this.#router.findMultiRoute(q);
        return { ...result, fromUnit };
      } catch (err) {
        if (!isOtP2pError(err, 'no-route')) throw err;
        last = err;
      }
    }
    const hint = emptyWebHint(this.#ctx);
    if (hint !== undefined && isOtP2pError(last))
      throw new OtP2pError('no-route', `no route to ${web.nameOf(req.to)}: ${hint}`, {
        context: { ...last.context, hint },
        cause: last,
      });
    throw last;
  }

  /** Arbitrage cycles among the known offers (reported, never routed through). */
  arbitrage(): ArbitrageCycle[] {
    return findArbitrage(this.#ctx.web.graph);
  }

  /** Units we hold, largest balance first (what we can spend). */
  async #holdings(): Promise<UnitRef[]> {
    const otApi = this.#ctx.otApi;
    if (!otApi) return [];
    const accounts = await otApi.listAccounts();
    return accounts
      .filter((a) => a.unitId !== undefined && (a.balance ?? 0n) > 0n)
      .sort((a, b) => ((b.balance ?? 0n) > (a.balance ?? 0n) ? 1 : -1))
      .map((a) => ({ unit: a.unitId as string, notary: a.notaryId }));
  }
}

/**
 * Why a route search could not succeed whatever the amount: the user follows nobody, or nobody
 * in their radius offers a conversion. Said plainly with what to do, because a bare `no-route`
 * sent newcomers looking for a bug in their amounts. Undefined when the web is not the problem.
 */
export function emptyWebHint(ctx: Pick<PeerContext, 'web' | 'pubkey'>): string | undefined {
  const mine = ctx.web.followLists().get(ctx.pubkey) ?? [];
  if (mine.length === 0)
    return 'you follow nobody yet, so no offer is within your reach: follow a friend with `otp2p follow add <npub>` (library: `peer.follow(npub)`)';
  const others = ctx.web.knownOffers().filter((o) => o.pubkey !== ctx.pubkey && o.status === 'open');
  if (others.length === 0)
    return `nobody within your social radius (${ctx.web.web().size} peers) publishes an open offer yet`;
  return undefined;
}

function single(r: { best: RoutePath; exact: boolean }): MultiRouteResult {
  return { spend: r.best.spend, receive: r.best.receive, parts: [r.best], exact: r.exact };
}
