/** `peer.catalog`: what this peer accepts (kind 11560), what others accept, and negotiation. */
import { unixSeconds } from '../core/clock.ts';
import { OtP2pError } from '../core/errors.ts';
import { btcAssetKey, buildCatalogEvent } from '../events/catalog.ts';
import type { Catalog } from '../events/catalog.ts';
import type { NostrEvent } from '../events/types.ts';
import { catalogFromOt, holdingsFromAccounts, refuseEmptyCatalog } from '../catalog/from-ot.ts';
import { fetchCatalog, requestCatalog } from '../catalog/exchange.ts';
import { negotiate } from '../catalog/negotiation.ts';
import type { NegotiationResult } from '../catalog/negotiation.ts';
import type { PeerContext } from './context.ts';
import { btcNetworkOf } from '../core/assets.ts';

/** Catalogs: what we accept, and what others accept. */
export class PeerCatalog {
  readonly #ctx: PeerContext;

  /** @internal Built by the Peer. */
  constructor(ctx: PeerContext) {
    this.#ctx = ctx;
  }

  /**
   * Our catalog, built from the OT wallet (notaries and units of our accounts); with a Bitcoin
   * wallet attached, on-chain BTC is accepted (last in preference).
   * @throws OtP2pError from the OT wallet (`ot-error`, ...).
   */
  async build(): Promise<Catalog> {
    const { otApi, hasBitcoin, config } = this.#ctx;
    const btc = hasBitcoin ? btcNetworkOf(config.network) : undefined;
    if (!otApi)
      return {
        notaries: [],
        units: [],
        preference: btc ? [btcAssetKey(btc)] : [],
        ...(btc ? { btc: { network: btc } } : {}),
      };
    return catalogFromOt(otApi, btc ? { btc } : {});
  }

  /**
   * Publish our public catalog (kind 11560), by default the one {@link build} makes. An empty
   * catalog would replace our published one on every relay, so it is refused unless `force`.
   * @throws OtP2pError `empty-catalog` (nothing accepted, no `force`), `bad-catalog` for an
   *   invalid catalog, `db-error`.
   */
  async publish(catalog?: Catalog, options: { force?: boolean } = {}): Promise<NostrEvent> {
    const c = catalog ?? (await this.build());
    refuseEmptyCatalog(c, [], options.force ?? false);
    const event = await this.#ctx.publish(buildCatalogEvent(c, unixSeconds(this.#ctx.clock)));
    this.#ctx.web.setCatalog(this.#ctx.pubkey, c, event.created_at);
    return event;
  }

  /**
   * A peer's public catalog from the relays (undefined when it published none).
   * @throws OtP2pError `bad-catalog` / `unsupported-version` when the newest one is malformed.
   */
  async fetch(pubkey: string): Promise<Catalog | undefined> {
    return (await fetchCatalog(this.#ctx.transport, pubkey))?.catalog;
  }

  /**
   * A peer's private catalog, asked for over DM.
   * @throws OtP2pError `bad-message` for another reply, the messenger's codes (`timeout`, ...).
   */
  async request(pubkey: string): Promise<Catalog> {
    return requestCatalog(this.#ctx.messenger, pubkey);
  }

  /**
   * Rank the assets we and `pubkey` can settle in; `no-common-asset` hands over to path finding.
   * @throws OtP2pError `not-found` when `pubkey` publishes no catalog.
   */
  async negotiate(pubkey: string, options: { amount?: bigint; unit?: string } = {}): Promise<NegotiationResult> {
    const mine = await this.build();
    const theirs = await this.fetch(pubkey);
    if (!theirs) throw new OtP2pError('not-found', `no catalog published by ${pubkey}`, { context: { pubkey } });
    const otApi = this.#ctx.otApi;
    const holdings = otApi ? holdingsFromAccounts(await otApi.listAccounts()) : new Map<string, bigint>();
    return negotiate(mine, theirs, {
      holdings,
      ...(options.amount !== undefined ? { amount: options.amount } : {}),
      ...(options.unit ? { unit: options.unit } : {}),
    });
  }
}
