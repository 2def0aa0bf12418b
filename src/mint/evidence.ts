/**
 * Building and checking equivocation evidence (kind 1560, src/events/evidence.ts) from OT mint
 * files. A piece of evidence proves cheating when it holds a signed mint whose notary signature
 * verifies and whose fingerprint differs from another signed mint of the same (notary, unit,
 * series). Checking an OT notary's signature needs its credentials, which live in the OT client,
 * so the signature check is injected (`verifyMintSignature`); the simulated notary provides one.
 */
import { OtP2pError, isOtP2pError } from '../core/errors.ts';
import { buildEvidenceEvent, parseEvidenceEvent } from '../events/evidence.ts';
import type { Evidence } from '../events/evidence.ts';
import type { EventTemplate, NostrEvent } from '../events/types.ts';
import type { PublicMint } from '../otapi/api.ts';
import { parseMintFile } from '../otapi/files.ts';
import { mintFingerprint, mintKey } from './fingerprint.ts';

/** Checks the notary's signature over a parsed mint (true when it verifies). */
export type MintSignatureCheck = (mint: PublicMint) => boolean;

/**
 * Evidence from two armored mint files, or from one file and the fingerprint of the other (seen
 * in an attestation).
 * @throws OtP2pError `not-equivocation` when the mints are for different (notary, unit, series)
 *   or have the same fingerprint; the parse codes of `parseMintFile`.
 */
export function evidenceFromMints(
  own: string,
  other: string | { fingerprint: string },
  refs: { eventIds?: string[]; addresses?: string[] } = {},
  createdAt = Math.floor(Date.now() / 1000),
): EventTemplate {
  const a = parseMintFile(own);
  const fa = mintFingerprint(a);
  let fb: string;
  let otherArmored: string | undefined;
  if (typeof other === 'string') {
    const b = parseMintFile(other);
    if (mintKey(a) !== mintKey(b)) throw new OtP2pError('not-equivocation', `the mints are for different notary:unit:series (${mintKey(a)} and ${mintKey(b)})`);
    fb = mintFingerprint(b);
    otherArmored = other;
  } else fb = other.fingerprint;
  if (fa === fb) throw new OtP2pError('not-equivocation', 'both mints have the same fingerprint: nothing to prove');
  return buildEvidenceEvent(
    {
      notaryId: a.notaryId,
      unitId: a.unitId,
      series: a.series,
      mints: [{ fingerprint: fa, armored: own }, otherArmored === undefined ? { fingerprint: fb } : { fingerprint: fb, armored: otherArmored }],
      eventIds: refs.eventIds ?? [],
      addresses: refs.addresses ?? [],
    },
    createdAt,
  );
}

/** What checking a piece of evidence established. */
export interface CheckedEvidence extends Evidence {
  d: string;
  pubkey: string;
  eventId: string;
  /** Fingerprints backed by an included mint that parses to that fingerprint and (d). */
  included: string[];
  /** Of those, the ones whose notary signature verified (empty without a signature check). */
  signed: string[];
}

/**
 * Parse a kind-1560 event and check each included mint: it must parse, have the evidence's
 * (notary, unit, series) and the fingerprint it claims; `verify` then checks its signature.
 * @throws OtP2pError `bad-evidence` when an included mint contradicts the claim, and the codes of
 *   `parseEvidenceEvent`.
 */
export function checkEvidence(event: NostrEvent, verify?: MintSignatureCheck): CheckedEvidence {
  const ev = parseEvidenceEvent(event);
  const d = `${ev.notaryId}:${ev.unitId}:${ev.series}`;
  const included: string[] = [];
  const signed: string[] = [];
  for (const m of ev.mints) {
    if (m.armored === undefined) continue;
    let mint: PublicMint;
    try {
      mint = parseMintFile(m.armored);
    } catch (err) {
      if (!isOtP2pError(err)) throw err;
      throw new OtP2pError('bad-evidence', `an included mint does not parse (${err.code})`, { cause: err });
    }
    if (mintKey(mint) !== d) throw new OtP2pError('bad-evidence', `an included mint is for ${mintKey(mint)}, the evidence names ${d}`);
    if (mintFingerprint(mint) !== m.fingerprint) throw new OtP2pError('bad-evidence', 'an included mint does not have the fingerprint it is filed under');
    included.push(m.fingerprint);
    if (verify?.(mint)) signed.push(m.fingerprint);
  }
  return { ...ev, d, pubkey: event.pubkey, eventId: event.id, included, signed };
}
