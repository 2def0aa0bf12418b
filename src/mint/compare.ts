/**
 * How two public mints relate, offline. The rule that separates a reset from a split view:
 *
 * - same (notary, unit, series), different fingerprints, validity windows that overlap:
 *   `equivocation`. Two key sets were valid at the same time for one series, so the notary could
 *   serve one to some users and the other to the rest and tell their cash apart.
 * - the same, but windows that do not overlap: `reissued`. One key set replaced the other (OT's
 *   own sample data was reset this way in 2014); at any moment every user could hold only one,
 *   so nobody could be singled out by it. Unusual enough to report, not an alarm.
 *
 * The window is `[validFrom, validTo)`: the time tokens of the mint are valid. Windows that only
 * touch (one ends when the other starts) do not overlap.
 */
import { createHash } from 'node:crypto';
import type { PublicMint } from '../otapi/api.ts';
import type { OtSignatureCheck } from '../otapi/otcrypto.ts';
import { mintFingerprint } from './fingerprint.ts';

/** What two mints are to each other. */
export type MintRelation =
  | 'identical'
  | 'same-mint'
  | 'equivocation'
  | 'reissued'
  | 'different-series'
  | 'different-unit'
  | 'different-notary';

/** A validity window in Unix seconds. */
export interface ValidityWindow {
  validFrom: number;
  validTo: number;
}

/** Whether two validity windows share any instant. */
export function windowsOverlap(a: ValidityWindow, b: ValidityWindow): boolean {
  return a.validFrom < b.validTo && b.validFrom < a.validTo;
}

/** Equivocation or reissue for two different fingerprints of one (notary, unit, series). */
export function conflictKind(a: ValidityWindow, b: ValidityWindow): 'equivocation' | 'reissued' {
  return windowsOverlap(a, b) ? 'equivocation' : 'reissued';
}

/**
 * The relation of two parsed mints; `sameBytes` tells `identical` (the same file) from
 * `same-mint` (another encoding of the same fields).
 */
export function mintRelation(a: PublicMint, b: PublicMint, sameBytes = false): MintRelation {
  if (a.notaryId !== b.notaryId) return 'different-notary';
  if (a.unitId !== b.unitId) return 'different-unit';
  if (a.series !== b.series) return 'different-series';
  if (mintFingerprint(a) === mintFingerprint(b)) return sameBytes ? 'identical' : 'same-mint';
  return conflictKind(a, b);
}

/** One side of a comparison. */
export interface ComparedMint {
  path?: string;
  /** sha256 (hex) of the file's bytes. */
  sha256: string;
  fingerprint: string;
  notary: string;
  unit: string;
  series: string;
  valid_from: number;
  valid_to: number;
  signature: OtSignatureCheck;
}

/** The result of {@link compareMintFiles}. */
export interface MintComparison {
  relation: MintRelation;
  /** Whether the relation is backed by both notary signatures (proof, for `equivocation`). */
  proven: boolean;
  signatures: [OtSignatureCheck, OtSignatureCheck];
  mints: [ComparedMint, ComparedMint];
}

/** A mint file as read: its bytes, the parsed mint and its checked signature. */
export interface MintFileInput {
  path?: string;
  bytes: Uint8Array;
  mint: PublicMint;
  signature: OtSignatureCheck;
}

function side(f: MintFileInput): ComparedMint {
  const out: ComparedMint = {
    sha256: createHash('sha256').update(f.bytes).digest('hex'),
    fingerprint: mintFingerprint(f.mint),
    notary: f.mint.notaryId,
    unit: f.mint.unitId,
    series: f.mint.series,
    valid_from: f.mint.validFrom,
    valid_to: f.mint.validTo,
    signature: f.signature,
  };
  return f.path === undefined ? out : { path: f.path, ...out };
}

/** Compare two mint files (pure: parsing and signature checks are done by the caller). */
export function compareMintFiles(a: MintFileInput, b: MintFileInput): MintComparison {
  const sa = side(a);
  const sb = side(b);
  const relation = mintRelation(a.mint, b.mint, sa.sha256 === sb.sha256);
  return {
    relation,
    proven: a.signature.ok && b.signature.ok,
    signatures: [a.signature, b.signature],
    mints: [sa, sb],
  };
}
