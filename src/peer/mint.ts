/** `peer.mint`: mint transparency over the mints our OT wallet was served. */
import { unixSeconds } from '../core/clock.ts';
import { MintWatcher, ownMint } from '../mint/watcher.ts';
import type { CheckResult } from '../mint/watcher.ts';
import { isAlarm } from '../mint/verdict.ts';
import type { MintVerdict } from '../mint/verdict.ts';
import type { PeerContext } from './context.ts';

/** A web synced this recently is read as it is (the daemon keeps it live meanwhile). */
const WEB_FRESH_SECONDS = 60;

/** Mint transparency. Alarms also arrive as the Peer's `mint-alarm` event. */
export class PeerMint {
  readonly #ctx: PeerContext;
  #watcher: MintWatcher | undefined;
  #alarms: MintVerdict[] = [];
  /** When each (notary, unit, series) was first seen here: a mint's validity starts no earlier. */
  readonly #firstSeen = new Map<string, number>();

  /** @internal Built by the Peer. */
  constructor(ctx: PeerContext) {
    this.#ctx = ctx;
  }

  /**
   * Pull attestations from the web of trust and compare with our mints; emits `mint-alarm`.
   * @throws OtP2pError from the OT wallet or the relays (`ot-error`, `relay-error`, ...).
   */
  async check(): Promise<CheckResult> {
    const result = await this.#get().check(await this.#ownMints());
    this.#alarms = result.verdicts.filter(isAlarm);
    for (const v of this.#alarms) this.#ctx.emit('mint-alarm', v);
    return result;
  }

  /**
   * Publish our attestations that join a herd of at least k (or all with `force`).
   * @throws OtP2pError as {@link check}.
   */
  async attest(force = false): ReturnType<MintWatcher['attest']> {
    const own = await this.#ownMints();
    const watcher = this.#get();
    const { verdicts } = await watcher.check(own);
    return watcher.attest(own, verdicts, force);
  }

  /** The last alarms found by {@link check}. */
  alarms(): MintVerdict[] {
    return this.#alarms;
  }

  #get(): MintWatcher {
    const { transport, pubkey, clock, config } = this.#ctx;
    this.#watcher ??= new MintWatcher({
      transport,
      self: pubkey,
      signer: (t) => this.#ctx.sign(t),
      clock,
      k: config.attestersK,
      depth: config.trustDepth,
      // The persisted web, brought up to date (only what changed since the last sync).
      webOfTrust: async () => {
        const { web } = this.#ctx;
        const last = web.lastSyncAt;
        const fresh = last !== null && unixSeconds(clock) - last < WEB_FRESH_SECONDS;
        const incomplete = fresh ? [] : ((await web.sync()).incomplete ?? []);
        return { keys: web.trustWeb(config.trustDepth), incomplete };
      },
    });
    return this.#watcher;
  }

  async #ownMints() {
    const otApi = this.#ctx.otApi;
    if (!otApi) return [];
    const now = unixSeconds(this.#ctx.clock);
    return (await otApi.listMints()).map((m) => {
      const key = `${m.notaryId}:${m.unitId}:${m.series}`;
      if (!this.#firstSeen.has(key)) this.#firstSeen.set(key, now);
      return ownMint(m, this.#firstSeen.get(key) as number);
    });
  }
}
