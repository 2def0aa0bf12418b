/**
 * Kind 1560 (regular) equivocation evidence: two different public mints for the same (notary,
 * unit, series), each signed by the notary, so that anyone can check the signatures with OT and
 * see the notary cheated. It is meant to be published from a fresh throwaway key: publishing it
 * from the user's own key would link the user to the mint they were served.
 *
 * Tags: `["d", "<notaryID>:<unitID>:<series>"]` (so wallets can query evidence for the mints they
 * hold), `["notary", id]`, `["unit", id]`, `["series", n]`, `["fingerprint", fp]` twice (sorted),
 * `["e", <attestation event id>]` and `["a", "31560:<pubkey>:<d>"]` for the attestations that
 * disagree (when known), `["v", "1"]`, `["alt", ...]`.
 *
 * Content: JSON `{"v":1,"mints":[{"fingerprint","sha256"?,"armored"?}, ...],"notary"?:{"sha256",
 * "armored"?}}` where `armored` is the signed mint file as served (OT armor) and `sha256` its hash,
 * and `notary` the notary's contract file. The contract carries the notary's signing keys and is
 * authenticated by the notary ID itself (an OT contract ID is the hash of its text), so with it
 * anyone can check both mint signatures (src/mint/evidence.ts `verifyEvidence`); without it, a
 * verifier uses the copy of that contract its own wallet holds. When everything would push the
 * event over the 60 KiB cap, the contract's text is left out first, then the mints' (hashes stay;
 * the files are then handed over out of band and checked against them). A wallet that holds only
 * its own mint and saw the other one as an attested fingerprint publishes its own file and the
 * other fingerprint alone: whoever holds the other mint completes the proof.
 */
import { createHash } from 'node:crypto';
import { OtP2pError, describeValue } from '../core/errors.ts';
import { isRecord, parseJson } from '../core/json.ts';
import { Kind } from './kinds.ts';
import type { EventTemplate, NostrEvent } from './types.ts';

/** One of the two conflicting mints. */
export interface EvidenceMint {
  fingerprint: string;
  /** sha256 (hex) of the armored file, when the publisher holds the file. */
  sha256?: string;
  /** The armored signed mint, when the publisher holds it and it fits. */
  armored?: string;
}

/** An equivocation claim. */
export interface Evidence {
  notaryId: string;
  unitId: string;
  series: string;
  mints: [EvidenceMint, EvidenceMint];
  /** Attestation event ids (`e`) and addresses (`a`) that disagree. */
  eventIds: string[];
  addresses: string[];
  /** The notary's contract file (hash, and the file when it fits). */
  notary?: { sha256: string; armored?: string };
}

/** Content budget: the event must stay under 60 KiB of JSON with its tags and signature. */
export const EVIDENCE_MAX_CONTENT = 52 * 1024;

const ID_RE = /^[A-Za-z0-9]{1,128}$/;
const HEX64 = /^[0-9a-f]{64}$/;
const ADDR_RE = /^31560:[0-9a-f]{64}:[A-Za-z0-9]{1,128}:[A-Za-z0-9]{1,128}:\d{1,10}$/;

function fail(message: string, context: Record<string, unknown> = {}): OtP2pError {
  return new OtP2pError('bad-evidence', message, { context });
}

/** sha256 hex of a mint (or contract) file's text. */
export function mintFileHash(armored: string): string {
  return createHash('sha256').update(armored, 'utf8').digest('hex');
}

/**
 * Build a kind-1560 template. The armored files are dropped (hashes kept) when they do not fit.
 * @throws OtP2pError `bad-evidence` for malformed IDs or equal fingerprints.
 */
export function buildEvidenceEvent(
  input: Omit<Evidence, 'mints' | 'notary'> & {
    mints: [{ fingerprint: string; armored?: string }, { fingerprint: string; armored?: string }];
    notaryContract?: string;
  },
  createdAt: number,
): EventTemplate {
  if (!ID_RE.test(input.notaryId) || !ID_RE.test(input.unitId) || !/^\d{1,10}$/.test(input.series)) {
    throw fail('evidence needs alphanumeric notary and unit IDs and a decimal series');
  }
  const [a, b] = [...input.mints].sort((x, y) => (x.fingerprint < y.fingerprint ? -1 : 1)) as [
    { fingerprint: string; armored?: string },
    { fingerprint: string; armored?: string },
  ];
  if (!HEX64.test(a.fingerprint) || !HEX64.test(b.fingerprint)) throw fail('fingerprints must be 64 lowercase hex');
  if (a.fingerprint === b.fingerprint) throw fail('evidence needs two different fingerprints');
  if (a.armored === undefined && b.armored === undefined) throw fail('evidence needs at least one signed mint file');
  const mints = [a, b].map((m) =>
    m.armored === undefined
      ? { fingerprint: m.fingerprint }
      : { fingerprint: m.fingerprint, sha256: mintFileHash(m.armored), armored: m.armored },
  );
  const hashesOnly = mints.map(({ fingerprint, sha256 }) =>
    sha256 === undefined ? { fingerprint } : { fingerprint, sha256 },
  );
  const c = input.notaryContract;
  const fits = (x: unknown): string | undefined => {
    const json = JSON.stringify(x);
    return Buffer.byteLength(json, 'utf8') <= EVIDENCE_MAX_CONTENT ? json : undefined;
  };
  const content =
    (c === undefined ? undefined : fits({ v: 1, mints, notary: { sha256: mintFileHash(c), armored: c } })) ??
    fits(c === undefined ? { v: 1, mints } : { v: 1, mints, notary: { sha256: mintFileHash(c) } }) ??
    JSON.stringify(
      c === undefined ? { v: 1, mints: hashesOnly } : { v: 1, mints: hashesOnly, notary: { sha256: mintFileHash(c) } },
    );
  const tags: string[][] = [
    ['d', `${input.notaryId}:${input.unitId}:${input.series}`],
    ['v', '1'],
    ['notary', input.notaryId],
    ['unit', input.unitId],
    ['series', input.series],
    ['fingerprint', a.fingerprint],
    ['fingerprint', b.fingerprint],
  ];
  for (const id of input.eventIds) {
    if (!HEX64.test(id)) throw fail(`event id ${describeValue(id)} is not 64 lowercase hex`);
    tags.push(['e', id]);
  }
  for (const addr of input.addresses) {
    if (!ADDR_RE.test(addr)) throw fail(`address ${describeValue(addr)} is not a kind-31560 address`);
    tags.push(['a', addr]);
  }
  tags.push(['alt', 'OT mint equivocation evidence: two signed mints for one notary, unit and series']);
  return { kind: Kind.MintEvidence, created_at: createdAt, tags, content };
}

/**
 * Parse a (verified) kind-1560 event. Checks the structure and that each armored file matches its
 * hash; checking that the files are the notary's signed mints with those fingerprints needs the
 * OT parser (`checkEvidenceMints` in src/mint/evidence.ts).
 * @throws OtP2pError `bad-kind`, `bad-evidence`.
 */
export function parseEvidenceEvent(event: NostrEvent): Evidence {
  if (event.kind !== Kind.MintEvidence) {
    throw new OtP2pError(
      'bad-kind',
      `mint evidence must be kind ${Kind.MintEvidence}, got ${describeValue(event.kind)}`,
      { context: { kind: event.kind } },
    );
  }
  const tag = (n: string): string[] => event.tags.filter((t) => t[0] === n).map((t) => t[1] ?? '');
  const [notaryId] = tag('notary');
  const [unitId] = tag('unit');
  const [series] = tag('series');
  if (
    notaryId === undefined ||
    !ID_RE.test(notaryId) ||
    unitId === undefined ||
    !ID_RE.test(unitId) ||
    series === undefined ||
    !/^\d{1,10}$/.test(series)
  ) {
    throw fail('evidence needs notary, unit and series tags');
  }
  const [d] = tag('d');
  if (d !== undefined && d !== `${notaryId}:${unitId}:${series}`)
    throw fail(`d ${describeValue(d)} does not match notary:unit:series`);
  const fps = tag('fingerprint');
  if (fps.length !== 2 || !fps.every((f) => HEX64.test(f)) || fps[0] === fps[1])
    throw fail('evidence needs exactly two different fingerprint tags');
  const body = parseJson(event.content, 'evidence content', 64 * 1024);
  if (!isRecord(body) || body.v !== 1 || !Array.isArray(body.mints) || body.mints.length !== 2)
    throw fail('evidence content must be {"v":1,"mints":[two mints]}');
  const mints = body.mints.map((m, i): EvidenceMint => {
    if (!isRecord(m) || typeof m.fingerprint !== 'string') throw fail(`mints[${i}] needs a fingerprint`);
    if (!fps.includes(m.fingerprint)) throw fail(`mints[${i}].fingerprint is not one of the fingerprint tags`);
    const out: EvidenceMint = { fingerprint: m.fingerprint };
    if (m.sha256 !== undefined) {
      if (typeof m.sha256 !== 'string' || !HEX64.test(m.sha256))
        throw fail(`mints[${i}].sha256 must be 64 lowercase hex`);
      out.sha256 = m.sha256;
    }
    if (m.armored !== undefined) {
      if (typeof m.armored !== 'string' || out.sha256 === undefined)
        throw fail(`mints[${i}].armored must be a string with its sha256`);
      if (mintFileHash(m.armored) !== m.sha256) throw fail(`mints[${i}].armored does not match its sha256`);
      out.armored = m.armored;
    }
    return out;
  }) as [EvidenceMint, EvidenceMint];
  if (mints[0].fingerprint === mints[1].fingerprint) throw fail('the two mints carry the same fingerprint');
  const out: Evidence = {
    notaryId,
    unitId,
    series,
    mints,
    eventIds: tag('e').filter((e) => HEX64.test(e)),
    addresses: tag('a').filter((a) => ADDR_RE.test(a)),
  };
  if (body.notary !== undefined) {
    const n = body.notary;
    if (!isRecord(n) || typeof n.sha256 !== 'string' || !HEX64.test(n.sha256))
      throw fail('notary must be {"sha256"} with 64 lowercase hex');
    out.notary = { sha256: n.sha256 };
    if (n.armored !== undefined) {
      if (typeof n.armored !== 'string' || mintFileHash(n.armored) !== n.sha256)
        throw fail('notary.armored does not match its sha256');
      out.notary.armored = n.armored;
    }
  }
  return out;
}
