/**
 * Building and checking equivocation evidence (kind 1560, src/events/evidence.ts) from OT mint
 * files. Evidence proves cheating when both mints are included, both notary signatures verify
 * against the notary's keys, and the mints differ for one (notary, unit, series) with validity
 * windows that overlap (disjoint windows are a reissue, see ./compare.ts).
 *
 * The notary's keys come from its contract, which is authenticated by the notary ID (OT contract
 * IDs are hashes of the contract text): the copy included in the evidence or, failing that, the
 * one the verifier's wallet holds (`contractFor`). The simulated notary signs differently
 * (Schnorr); its check is injected as a {@link MintSignatureCheck}.
 */
import { OtP2pError, isOtP2pError } from '../core/errors.ts';
import { buildEvidenceEvent, parseEvidenceEvent } from '../events/evidence.ts';
import type { Evidence } from '../events/evidence.ts';
import type { EventTemplate, NostrEvent } from '../events/types.ts';
import type { PublicMint } from '../otapi/api.ts';
import { parseMintFile, readOtDocument } from '../otapi/files.ts';
import { parseSignedContract } from '../otapi/signed.ts';
import { trustContract, verifyOtSignature } from '../otapi/otcrypto.ts';
import type { OtSignatureCheck, TrustedContract } from '../otapi/otcrypto.ts';
import { conflictKind } from './compare.ts';
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
  refs: { eventIds?: string[]; addresses?: string[]; notaryContract?: string } = {},
  createdAt = Math.floor(Date.now() / 1000),
): EventTemplate {
  const a = parseMintFile(own);
  const fa = mintFingerprint(a);
  let fb: string;
  let otherArmored: string | undefined;
  if (typeof other === 'string') {
    const b = parseMintFile(other);
    if (mintKey(a) !== mintKey(b))
      throw new OtP2pError(
        'not-equivocation',
        `the mints are for different notary:unit:series (${mintKey(a)} and ${mintKey(b)})`,
      );
    fb = mintFingerprint(b);
    otherArmored = other;
  } else fb = other.fingerprint;
  if (fa === fb) throw new OtP2pError('not-equivocation', 'both mints have the same fingerprint: nothing to prove');
  return buildEvidenceEvent(
    {
      notaryId: a.notaryId,
      unitId: a.unitId,
      series: a.series,
      mints: [
        { fingerprint: fa, armored: own },
        otherArmored === undefined ? { fingerprint: fb } : { fingerprint: fb, armored: otherArmored },
      ],
      eventIds: refs.eventIds ?? [],
      addresses: refs.addresses ?? [],
      ...(refs.notaryContract === undefined ? {} : { notaryContract: refs.notaryContract }),
    },
    createdAt,
  );
}

/** Where the notary's keys came from when checking evidence. */
export type EvidenceContractSource = 'included' | 'local' | 'missing';

/** One mint of a piece of evidence, as checked. */
export interface CheckedEvidenceMint {
  fingerprint: string;
  /** Whether the evidence carries the mint file itself. */
  included: boolean;
  /** The included mint's validity window. */
  validFrom?: number;
  validTo?: number;
  /** The notary's signature over the included mint. */
  signature?: OtSignatureCheck;
}

/** What checking a piece of evidence established. */
export interface CheckedEvidence extends Omit<Evidence, 'mints'> {
  d: string;
  pubkey: string;
  eventId: string;
  mints: [CheckedEvidenceMint, CheckedEvidenceMint];
  /** Fingerprints backed by an included mint that parses to that fingerprint and (d). */
  included: string[];
  /** Of those, the ones whose notary signature verified. */
  signed: string[];
  /** Where the notary's contract came from. */
  contract: EvidenceContractSource;
  /** Both mints included and signed by the notary: proof, whoever published it. */
  verified: boolean;
  /** With both windows known: `equivocation` (they overlap) or `reissued` (they do not). */
  relation?: 'equivocation' | 'reissued';
}

/** How to check evidence: the verifier's own copy of notary contracts, and the simulation's check. */
export interface VerifyEvidenceOptions {
  /** The notary's contract as the verifier's wallet holds it (authenticated by its ID). */
  contractFor?: (notaryId: string) => TrustedContract | undefined;
  /** A non-OT signature check (the simulated notary's); used when no contract is available. */
  verifyMintSignature?: MintSignatureCheck;
}

/**
 * Parse a kind-1560 event and check each included mint: it must parse, have the evidence's
 * (notary, unit, series) and the fingerprint it claims; then its notary signature is checked
 * against the notary's contract (included in the evidence, else `contractFor`). An included
 * contract that does not hash to the notary ID is ignored (anyone could write one).
 * @throws OtP2pError `bad-evidence` when an included mint contradicts the claim, and the codes of
 *   `parseEvidenceEvent`.
 */
export function verifyEvidence(event: NostrEvent, options: VerifyEvidenceOptions = {}): CheckedEvidence {
  const ev = parseEvidenceEvent(event);
  const d = `${ev.notaryId}:${ev.unitId}:${ev.series}`;
  let contract: TrustedContract | undefined;
  let source: EvidenceContractSource = 'missing';
  if (ev.notary?.armored !== undefined) {
    try {
      contract = trustContract(ev.notaryId, readOtDocument(ev.notary.armored).text);
      source = 'included';
    } catch (err) {
      if (!isOtP2pError(err)) throw err;
    }
  }
  if (!contract) {
    contract = options.contractFor?.(ev.notaryId);
    if (contract) source = 'local';
  }
  const included: string[] = [];
  const signed: string[] = [];
  const mints = ev.mints.map((m): CheckedEvidenceMint => {
    if (m.armored === undefined) return { fingerprint: m.fingerprint, included: false };
    let mint: PublicMint;
    try {
      mint = parseMintFile(m.armored);
    } catch (err) {
      if (!isOtP2pError(err)) throw err;
      throw new OtP2pError('bad-evidence', `an included mint does not parse (${err.code})`, { cause: err });
    }
    if (mintKey(mint) !== d)
      throw new OtP2pError('bad-evidence', `an included mint is for ${mintKey(mint)}, the evidence names ${d}`);
    if (mintFingerprint(mint) !== m.fingerprint)
      throw new OtP2pError('bad-evidence', 'an included mint does not have the fingerprint it is filed under');
    included.push(m.fingerprint);
    let signature: OtSignatureCheck;
    if (contract) signature = verifyOtSignature(parseSignedContract(mint.signedText), contract.keys, mint.signer);
    else if (options.verifyMintSignature)
      signature = options.verifyMintSignature(mint)
        ? { ok: true, signer: mint.signer }
        : { ok: false, signer: mint.signer, reason: 'bad-signature' };
    else signature = { ok: false, signer: mint.signer, reason: 'no-key' };
    if (signature.ok) signed.push(m.fingerprint);
    return { fingerprint: m.fingerprint, included: true, validFrom: mint.validFrom, validTo: mint.validTo, signature };
  }) as [CheckedEvidenceMint, CheckedEvidenceMint];
  const [a, b] = mints;
  const out: CheckedEvidence = {
    ...ev,
    d,
    pubkey: event.pubkey,
    eventId: event.id,
    mints,
    included,
    signed,
    contract: source,
    verified: signed.length === 2,
  };
  if (a.validFrom !== undefined && a.validTo !== undefined && b.validFrom !== undefined && b.validTo !== undefined) {
    out.relation = conflictKind(
      { validFrom: a.validFrom, validTo: a.validTo },
      { validFrom: b.validFrom, validTo: b.validTo },
    );
  }
  return out;
}

/**
 * {@link verifyEvidence} with only an injected signature check (the simulation's form).
 * @throws OtP2pError as {@link verifyEvidence}.
 */
export function checkEvidence(
  event: NostrEvent,
  verify?: MintSignatureCheck,
  contractFor?: (notaryId: string) => TrustedContract | undefined,
): CheckedEvidence {
  return verifyEvidence(event, {
    ...(verify ? { verifyMintSignature: verify } : {}),
    ...(contractFor ? { contractFor } : {}),
  });
}
