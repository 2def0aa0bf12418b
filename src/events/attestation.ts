/**
 * Kind 31560 (addressable) mint attestation: "I was served this mint". One per author and
 * (notary, unit, series): `d` = `<notaryID>:<unitID>:<series>`, so a newer attestation of the same
 * series replaces the older one and a new series is a new address (an honest rotation never
 * conflicts with the old series).
 *
 * Tags:
 * - `["d", "<notaryID>:<unitID>:<series>"]`
 * - `["fingerprint", <64 hex>]` canonical mint fingerprint (src/mint/fingerprint.ts)
 * - `["notary", <notaryID>]`, `["unit", <unitID>]`, `["series", <decimal>]`
 * - `["valid_from", <unix s>]`, `["valid_to", <unix s>]`, `["expiration_ot", <unix s>]`
 * - `["v", "1"]`, `["alt", "OT mint fingerprint attestation"]` (NIP-31)
 *
 * Never a nym, an account ID or anything else that links the author to an OT identity: the
 * builder takes no such field and the parser refuses an attestation that carries `nym` or
 * `account` tags.
 */
import * as check from '../core/assert.ts';
import { OtP2pError, describeValue } from '../core/errors.ts';
import { Kind } from './kinds.ts';
import type { EventTemplate, NostrEvent } from './types.ts';

/** What an attestation states. */
export interface MintAttestation {
  notaryId: string;
  unitId: string;
  series: string;
  fingerprint: string;
  validFrom: number;
  validTo: number;
  expiration: number;
}

/** A parsed attestation with its author and event. */
export interface ParsedAttestation extends MintAttestation {
  /** `<notaryID>:<unitID>:<series>` */
  d: string;
  pubkey: string;
  eventId: string;
  createdAt: number;
}

const ID_RE = /^[A-Za-z0-9]{1,128}$/;
const SERIES_RE = /^(0|[1-9]\d{0,9})$/;
const FORBIDDEN_TAGS = new Set(['nym', 'nymID', 'account', 'accountID', 'p']);
const CODE = 'bad-attestation';

/** A rule about the event's tags as a whole (repeats, forbidden tags, a `d` that disagrees). */
function fail(message: string, context: Record<string, unknown> = {}): OtP2pError {
  return new OtP2pError(CODE, message, { context });
}

function checkTime(v: unknown, field: string): void {
  check.integer(v, field, CODE, 0, Number.MAX_SAFE_INTEGER);
}

/**
 * Validate the fields of an attestation.
 * @throws OtP2pError `bad-attestation` naming the bad field.
 */
export function checkAttestation(a: MintAttestation): void {
  check.string(a.notaryId, 'notaryId', CODE, { re: ID_RE, expected: 'an alphanumeric OT ID' });
  check.string(a.unitId, 'unitId', CODE, { re: ID_RE, expected: 'an alphanumeric OT ID' });
  check.string(a.series, 'series', CODE, { re: SERIES_RE, expected: 'a decimal integer' });
  check.hex(a.fingerprint, 'fingerprint', CODE, 32);
  checkTime(a.validFrom, 'validFrom');
  checkTime(a.validTo, 'validTo');
  checkTime(a.expiration, 'expiration');
}

/** The `d` value for (notary, unit, series). */
export function attestationD(a: Pick<MintAttestation, 'notaryId' | 'unitId' | 'series'>): string {
  return `${a.notaryId}:${a.unitId}:${a.series}`;
}

/**
 * Build a kind-31560 template.
 * @throws OtP2pError `bad-attestation` for an invalid field.
 */
export function buildAttestationEvent(a: MintAttestation, createdAt: number): EventTemplate {
  checkAttestation(a);
  return {
    kind: Kind.MintAttestation,
    created_at: createdAt,
    content: '',
    tags: [
      ['d', attestationD(a)],
      ['v', '1'],
      ['fingerprint', a.fingerprint],
      ['notary', a.notaryId],
      ['unit', a.unitId],
      ['series', a.series],
      ['valid_from', String(a.validFrom)],
      ['valid_to', String(a.validTo)],
      ['expiration_ot', String(a.expiration)],
      ['alt', 'OT mint fingerprint attestation'],
    ],
  };
}

function one(event: Pick<NostrEvent, 'tags'>, name: string): string {
  let found: string | undefined;
  for (const t of event.tags) {
    if (t[0] !== name) continue;
    if (found !== undefined) throw fail(`tag ${name} appears more than once`, { tag: name });
    found = t[1];
  }
  if (found === undefined) throw fail(`missing tag ${name}`, { tag: name });
  return found;
}

function seconds(v: string, field: string): number {
  return Number(check.string(v, field, CODE, { re: /^\d{1,15}$/, expected: 'Unix seconds' }));
}

/**
 * Parse a (verified) kind-31560 event.
 * @throws OtP2pError `bad-kind` for another kind, `bad-attestation` for missing, repeated or
 *   malformed tags, a `d` that disagrees with the other tags, or a nym/account tag.
 */
export function parseAttestationEvent(event: NostrEvent): ParsedAttestation {
  if (event.kind !== Kind.MintAttestation) {
    throw new OtP2pError(
      'bad-kind',
      `mint attestation must be kind ${Kind.MintAttestation}, got ${describeValue(event.kind)}`,
      { context: { kind: event.kind } },
    );
  }
  for (const t of event.tags) {
    if (FORBIDDEN_TAGS.has(t[0] ?? ''))
      throw fail(`attestation carries a ${t[0]} tag: attestations must not link to an identity`, { tag: t[0] });
  }
  const v = event.tags.find((t) => t[0] === 'v')?.[1];
  if (v !== undefined && v !== '1') throw fail(`unsupported attestation version ${describeValue(v)}`, { version: v });
  const a: MintAttestation = {
    notaryId: one(event, 'notary'),
    unitId: one(event, 'unit'),
    series: one(event, 'series'),
    fingerprint: one(event, 'fingerprint'),
    validFrom: seconds(one(event, 'valid_from'), 'valid_from'),
    validTo: seconds(one(event, 'valid_to'), 'valid_to'),
    expiration: seconds(one(event, 'expiration_ot'), 'expiration_ot'),
  };
  checkAttestation(a);
  const d = one(event, 'd');
  if (d !== attestationD(a))
    throw fail(`d ${describeValue(d)} does not match notary:unit:series ${describeValue(attestationD(a))}`, { d });
  return { ...a, d, pubkey: event.pubkey, eventId: event.id, createdAt: event.created_at };
}
