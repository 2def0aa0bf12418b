/**
 * `MintWatcher`: the mint-transparency loop of one wallet over a {@link Transport}. Pull and
 * compare first (`check`); publish the user's own attestation only to join a herd or when forced
 * (`attest`). Signing is injected: the identity key for attestations, a throwaway key for evidence.
 */
import type { Clock } from '../core/clock.ts';
import { systemClock, unixSeconds } from '../core/clock.ts';
import { buildAttestationEvent } from '../events/attestation.ts';
import type { ParsedAttestation } from '../events/attestation.ts';
import type { NostrEvent } from '../events/types.ts';
import type { EventSigner } from '../relays/nip42.ts';
import type { PublishResult, RelayGap, Transport } from '../relays/transport.ts';
import type { PublicMint } from '../otapi/api.ts';
import { fetchAttestations, fetchEvidence, fetchWebOfTrust } from './collect.ts';
import type { CheckedEvidence, MintSignatureCheck } from './evidence.ts';
import type { TrustedContract } from '../otapi/otcrypto.ts';
import { mintFingerprint, mintKey } from './fingerprint.ts';
import { DEFAULT_DEPTH, DEFAULT_GRACE_SECONDS, DEFAULT_K, computeVerdicts, shouldPublish } from './verdict.ts';
import type { MintVerdict, OwnMint } from './verdict.ts';

/** Options for {@link MintWatcher}. */
export interface MintWatcherOptions {
  transport: Transport;
  /** The user's pubkey (hex). */
  self: string;
  /** Signs the user's attestations. */
  signer?: EventSigner;
  clock?: Clock;
  k?: number;
  depth?: number;
  graceSeconds?: number;
  /** Checks a notary's signature over a mint (the simulated notary's); see `contractFor` for OT's. */
  verifyMintSignature?: MintSignatureCheck;
  /** The notary contracts the wallet holds (authenticated by ID), for evidence that omits its own. */
  contractFor?: (notaryId: string) => TrustedContract | undefined;
  /** Outcomes of evidence checks by event id + sig; share one between watchers of one process. */
  evidenceCache?: Map<string, CheckedEvidence | null>;
  /**
   * The web of trust from a persisted, synced web (`src/web/`), instead of walking follow lists
   * over the transport on every check.
   */
  webOfTrust?: () => Promise<{ keys: Set<string>; incomplete: RelayGap[] }>;
}

/** What a check found. */
export interface CheckResult {
  verdicts: MintVerdict[];
  /** Keys in the web of trust. */
  webSize: number;
  attestations: ParsedAttestation[];
  evidence: CheckedEvidence[];
  /** Malformed attestations and evidence ignored. */
  skipped: number;
  /** Relays that did not answer some query: the verdicts rest on partial data there. */
  incomplete: RelayGap[];
}

/** An {@link OwnMint} from a parsed mint and the time the user first held it. */
export function ownMint(
  mint: PublicMint,
  firstSeen: number,
): OwnMint & { validFrom: number; validTo: number; expiration: number } {
  return {
    d: mintKey(mint),
    notaryId: mint.notaryId,
    unitId: mint.unitId,
    series: mint.series,
    fingerprint: mintFingerprint(mint),
    firstSeen,
    validFrom: mint.validFrom,
    validTo: mint.validTo,
    expiration: mint.expiration,
  };
}

/** One wallet's mint-transparency loop. */
export class MintWatcher {
  readonly #o: Required<Omit<MintWatcherOptions, 'signer' | 'verifyMintSignature' | 'contractFor' | 'webOfTrust'>> & {
    webOfTrust: MintWatcherOptions['webOfTrust'];
    signer: EventSigner | undefined;
    verify: MintSignatureCheck | undefined;
    contractFor: ((notaryId: string) => TrustedContract | undefined) | undefined;
  };
  #web: Set<string> | undefined;
  #webGaps: RelayGap[] = [];

  constructor(options: MintWatcherOptions) {
    this.#o = {
      transport: options.transport,
      self: options.self,
      signer: options.signer,
      verify: options.verifyMintSignature,
      contractFor: options.contractFor,
      webOfTrust: options.webOfTrust,
      evidenceCache: options.evidenceCache ?? new Map(),
      clock: options.clock ?? systemClock,
      k: options.k ?? DEFAULT_K,
      depth: options.depth ?? DEFAULT_DEPTH,
      graceSeconds: options.graceSeconds ?? DEFAULT_GRACE_SECONDS,
    };
  }

  /** The web of trust (fetched once, then cached; `refresh` refetches). */
  async web(refresh = false): Promise<Set<string>> {
    if ((!this.#web || refresh) && this.#o.webOfTrust) {
      const w = await this.#o.webOfTrust();
      this.#web = w.keys;
      this.#webGaps = w.incomplete;
    } else if (!this.#web || refresh) {
      const fetched = await fetchWebOfTrust(this.#o.transport, this.#o.self, this.#o.depth);
      this.#web = new Set(fetched.web.keys());
      this.#webGaps = fetched.incomplete;
    }
    return this.#web;
  }

  /** Pull the web's attestations for `own` and compute verdicts. Publishes nothing. */
  async check(own: readonly OwnMint[]): Promise<CheckResult> {
    const web = await this.web();
    const ds = [...new Set(own.map((m) => m.d))];
    const { attestations, skipped, incomplete: gaps } = await fetchAttestations(this.#o.transport, ds, [...web]);
    const ev = await fetchEvidence(this.#o.transport, ds, this.#o.verify, this.#o.evidenceCache, this.#o.contractFor);
    const verdicts = computeVerdicts({
      self: this.#o.self,
      own,
      attestations,
      web,
      evidence: ev.evidence,
      k: this.#o.k,
      graceSeconds: this.#o.graceSeconds,
      now: unixSeconds(this.#o.clock),
    });
    const incomplete: RelayGap[] = [];
    for (const g of [...this.#webGaps, ...gaps, ...ev.incomplete])
      if (!incomplete.some((x) => x.relay === g.relay)) incomplete.push(g);
    return {
      verdicts,
      webSize: web.size,
      attestations,
      evidence: ev.evidence,
      skipped: skipped + ev.skipped,
      incomplete,
    };
  }

  /**
   * Publish the user's attestation for each mint whose verdict allows it under the privacy
   * policy (joining a herd of at least `k`), or for all of them when `force`.
   * Returns the published events with per-relay results; mints held back are listed in `held`.
   */
  async attest(
    own: ReadonlyArray<OwnMint & { validFrom: number; validTo: number; expiration: number }>,
    verdicts: readonly MintVerdict[],
    force = false,
  ): Promise<{ published: Array<{ event: NostrEvent; results: PublishResult[] }>; held: string[] }> {
    const signer = this.#o.signer;
    const published: Array<{ event: NostrEvent; results: PublishResult[] }> = [];
    const held: string[] = [];
    for (const m of own) {
      const v = verdicts.find((x) => x.d === m.d && x.fingerprint === m.fingerprint);
      if (!signer || !(force || (v !== undefined && shouldPublish(v, this.#o.k)))) {
        held.push(m.d);
        continue;
      }
      const template = buildAttestationEvent(
        {
          notaryId: m.notaryId,
          unitId: m.unitId,
          series: m.series,
          fingerprint: m.fingerprint,
          validFrom: m.validFrom,
          validTo: m.validTo,
          expiration: m.expiration,
        },
        unixSeconds(this.#o.clock),
      );
      const event = await signer(template);
      published.push({ event, results: await this.#o.transport.publish(event) });
    }
    return { published, held };
  }
}
