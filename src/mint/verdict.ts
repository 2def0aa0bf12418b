/**
 * Verdicts on the mints a user was served, from the attestations of the user's web of trust.
 * Pure: the web, the attestations and the time are inputs (src/mint/collect.ts gathers them).
 *
 * - `equivocation`: someone in the web attested another fingerprint for the same (notary, unit,
 *   series) with a validity window overlapping the user's, or evidence whose other mint carries a
 *   verified notary signature says so: two signed mints exist, which is proof of cheating once the
 *   mints are produced.
 * - `reissued`: the other fingerprints seen are for validity windows disjoint from the user's: the
 *   notary re-keyed the series (a reset), which singles nobody out. A warning, not an alarm.
 * - `consistent`: at least `k` distinct attesters in the web saw the user's fingerprint, and none
 *   saw another.
 * - `rare`: fewer than `k` after the grace period (counted from when the user first held the mint);
 *   a user served a series nobody else has (a per-user series) ends here.
 * - `unknown`: fewer than `k` within the grace period (a fresh, honest rotation starts here).
 *
 * Only keys in the web count: the user's follows up to `depth` hops. A key nobody in the web
 * follows (a Sybil) changes nothing, whichever fingerprint it attests.
 */
import type { ParsedAttestation } from '../events/attestation.ts';
import { windowsOverlap } from './compare.ts';

/** Evidence as far as verdicts need it (see `checkEvidence` in ./evidence.ts). */
export interface EvidenceClaim {
  d: string;
  pubkey: string;
  eventId: string;
  /** Every fingerprint the evidence names, with the included mint's validity window when known. */
  mints: ReadonlyArray<{ fingerprint: string; validFrom?: number; validTo?: number }>;
  /** Fingerprints whose included mint carries a verified notary signature. */
  signed: readonly string[];
}

/** The verdicts. */
export type MintVerdictKind = 'consistent' | 'equivocation' | 'reissued' | 'rare' | 'unknown';

/** A mint the user holds, by its attestation key. */
export interface OwnMint {
  /** `<notaryID>:<unitID>:<series>` */
  d: string;
  notaryId: string;
  unitId: string;
  series: string;
  fingerprint: string;
  /** Unix seconds when the user first held this mint (starts the grace period). */
  firstSeen: number;
  /** The mint's validity window; without it every conflict counts as overlapping. */
  validFrom?: number;
  validTo?: number;
}

/** The verdict for one of the user's mints. */
export interface MintVerdict {
  d: string;
  notaryId: string;
  unitId: string;
  series: string;
  verdict: MintVerdictKind;
  fingerprint: string;
  /** Attesters in the web who saw the user's fingerprint (pubkeys, sorted). */
  attesters: string[];
  /**
   * Other fingerprints attested in the web or proven by signed evidence, with who attested them
   * and whether their window overlaps the user's (`equivocation`) or not (`reissued`).
   */
  conflicts: Array<{
    fingerprint: string;
    attesters: string[];
    eventIds: string[];
    relation: 'equivocation' | 'reissued';
  }>;
  /** Evidence events naming another fingerprint whose signature did not verify: shown, never an alarm. */
  unverifiedEvidence: string[];
}

/** Parameters of {@link computeVerdicts}. */
export interface VerdictParams {
  /** The user's own pubkey (its own attestations do not count towards `k`). */
  self: string;
  own: readonly OwnMint[];
  attestations: readonly ParsedAttestation[];
  /** Pubkeys in the web of trust (see {@link webOfTrust}). */
  web: ReadonlySet<string>;
  /**
   * Equivocation evidence (kind 1560). A fingerprint it names counts only when the evidence
   * includes that mint with a verified notary signature, which nobody but the notary can forge,
   * whoever published it; anything else is listed as unverified and raises nothing by itself.
   */
  evidence?: readonly EvidenceClaim[];
  /** Independent attesters needed for `consistent` (default 3). */
  k?: number;
  /** Seconds before a mint seen by fewer than `k` becomes `rare` (default 48 h). */
  graceSeconds?: number;
  /** Unix seconds now. */
  now: number;
}

/** Default number of independent attesters. */
export const DEFAULT_K = 3;
/** Default grace period: 48 hours. */
export const DEFAULT_GRACE_SECONDS = 48 * 3600;
/** Default web-of-trust depth. */
export const DEFAULT_DEPTH = 2;

/**
 * The web of trust: keys reachable from `root` over follow lists in at most `depth` hops (the
 * root itself excluded). Breadth-first, so each key is visited once.
 */
export function webOfTrust(
  root: string,
  followsOf: (pubkey: string) => Iterable<string> | undefined,
  depth = DEFAULT_DEPTH,
): Map<string, number> {
  const dist = new Map<string, number>([[root, 0]]);
  let frontier = [root];
  for (let d = 1; d <= depth && frontier.length > 0; d++) {
    const next: string[] = [];
    for (const pk of frontier) {
      for (const f of followsOf(pk) ?? []) {
        if (dist.has(f)) continue;
        dist.set(f, d);
        next.push(f);
      }
    }
    frontier = next;
  }
  dist.delete(root);
  return dist;
}

/** Compute a verdict for each of the user's mints. */
export function computeVerdicts(p: VerdictParams): MintVerdict[] {
  const k = p.k ?? DEFAULT_K;
  const grace = p.graceSeconds ?? DEFAULT_GRACE_SECONDS;
  // Newest attestation per (author, d): addressable semantics, whatever order relays returned.
  const latest = new Map<string, ParsedAttestation>();
  for (const a of p.attestations) {
    if (a.pubkey === p.self || !p.web.has(a.pubkey)) continue;
    const key = `${a.pubkey}|${a.d}`;
    const cur = latest.get(key);
    if (!cur || a.createdAt > cur.createdAt || (a.createdAt === cur.createdAt && a.eventId < cur.eventId))
      latest.set(key, a);
  }
  const byD = new Map<string, ParsedAttestation[]>();
  for (const a of latest.values()) {
    const list = byD.get(a.d);
    if (list) list.push(a);
    else byD.set(a.d, [a]);
  }
  return p.own.map((m): MintVerdict => {
    const same: string[] = [];
    const others = new Map<string, { attesters: string[]; eventIds: string[]; overlaps: boolean }>();
    const overlapsOwn = (w: { validFrom?: number; validTo?: number }): boolean =>
      m.validFrom === undefined || m.validTo === undefined || w.validFrom === undefined || w.validTo === undefined
        ? true
        : windowsOverlap(
            { validFrom: m.validFrom, validTo: m.validTo },
            { validFrom: w.validFrom, validTo: w.validTo },
          );
    for (const a of byD.get(m.d) ?? []) {
      if (a.fingerprint === m.fingerprint) same.push(a.pubkey);
      else {
        const o = others.get(a.fingerprint) ?? { attesters: [], eventIds: [], overlaps: false };
        o.attesters.push(a.pubkey);
        o.eventIds.push(a.eventId);
        o.overlaps ||= overlapsOwn(a);
        others.set(a.fingerprint, o);
      }
    }
    const unverified = new Set<string>();
    for (const ev of p.evidence ?? []) {
      if (ev.d !== m.d) continue;
      for (const em of ev.mints) {
        if (em.fingerprint === m.fingerprint) continue;
        if (!ev.signed.includes(em.fingerprint)) {
          unverified.add(ev.eventId);
          continue;
        }
        const o = others.get(em.fingerprint) ?? { attesters: [], eventIds: [], overlaps: false };
        if (!o.attesters.includes(ev.pubkey)) o.attesters.push(ev.pubkey);
        o.eventIds.push(ev.eventId);
        o.overlaps ||= overlapsOwn(em);
        others.set(em.fingerprint, o);
      }
    }
    let verdict: MintVerdictKind;
    if ([...others.values()].some((o) => o.overlaps)) verdict = 'equivocation';
    else if (others.size > 0) verdict = 'reissued';
    else if (same.length >= k) verdict = 'consistent';
    else if (p.now - m.firstSeen >= grace) verdict = 'rare';
    else verdict = 'unknown';
    return {
      d: m.d,
      notaryId: m.notaryId,
      unitId: m.unitId,
      series: m.series,
      verdict,
      fingerprint: m.fingerprint,
      attesters: same.sort(),
      conflicts: [...others.entries()]
        .map(([fingerprint, o]) => ({
          fingerprint,
          attesters: o.attesters.sort(),
          eventIds: o.eventIds.sort(),
          relation: o.overlaps ? ('equivocation' as const) : ('reissued' as const),
        }))
        .sort((a, b) => b.attesters.length - a.attesters.length || (a.fingerprint < b.fingerprint ? -1 : 1)),
      unverifiedEvidence: [...unverified].sort(),
    };
  });
}

/** Whether a verdict is an alarm the user should see (`reissued` is a warning, not an alarm). */
export function isAlarm(v: Pick<MintVerdict, 'verdict'>): boolean {
  return v.verdict === 'equivocation' || v.verdict === 'rare';
}

/**
 * The privacy policy for publishing the user's own attestation: only to join a herd (at least `k`
 * others in the web already attested the same fingerprint), or when the user forces it.
 * Publishing a fingerprint nobody else holds would single the user out to the notary that served
 * it. A herd member publishes even when another fingerprint is also attested: its own is already
 * shared by `k` others, so it reveals little, and it carries the conflict to the parts of the web
 * that only see one side of a split.
 */
export function shouldPublish(v: MintVerdict, k = DEFAULT_K, force = false): boolean {
  if (force) return true;
  return v.attesters.length >= k;
}
