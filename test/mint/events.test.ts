import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ManualClock } from '../../src/core/clock.ts';
import { OtP2pError } from '../../src/core/errors.ts';
import { buildAttestationEvent, parseAttestationEvent } from '../../src/events/attestation.ts';
import type { MintAttestation } from '../../src/events/attestation.ts';
import { EVIDENCE_MAX_CONTENT, buildEvidenceEvent, parseEvidenceEvent } from '../../src/events/evidence.ts';
import { signEvent } from '../../src/events/sign.ts';
import { EventVerifier } from '../../src/events/verify.ts';
import type { NostrEvent } from '../../src/events/types.ts';
import { SimulatedNotary, verifySimulatedMintSignature } from '../../src/otapi/notary.ts';
import { checkEvidence, evidenceFromMints } from '../../src/mint/evidence.ts';
import { mintFingerprint } from '../../src/mint/fingerprint.ts';

const sk = new Uint8Array(32).fill(1);
const notary = SimulatedNotary.open({
  ledgerPath: ':memory:',
  seed: new Uint8Array(32).fill(2),
  clock: new ManualClock(),
  cheat: { kind: 'targeted', users: ['bob'] },
});
const unit = notary.units[0]!.id;
const alice = notary.mintFileFor(unit, 'alice');
const bob = notary.mintFileFor(unit, 'bob');
const m = notary.mintFor(unit, 'alice');
const att: MintAttestation = {
  notaryId: m.notaryId,
  unitId: m.unitId,
  series: m.series,
  fingerprint: mintFingerprint(m),
  validFrom: m.validFrom,
  validTo: m.validTo,
  expiration: m.expiration,
};

function code(fn: () => unknown): string {
  try {
    fn();
    return 'no-error';
  } catch (err) {
    return err instanceof OtP2pError ? err.code : 'foreign-error';
  }
}

describe('kind 31560 attestation', () => {
  it('round-trips, is addressable by notary:unit:series, and verifies', () => {
    const ev = signEvent(buildAttestationEvent(att, 1_700_000_000), sk);
    expect(new EventVerifier().verify(ev).ok).toBe(true);
    expect(ev.kind).toBe(31560);
    expect(ev.tags[0]).toEqual(['d', `${m.notaryId}:${m.unitId}:${m.series}`]);
    const p = parseAttestationEvent(ev);
    expect(p).toMatchObject({ ...att, pubkey: ev.pubkey, eventId: ev.id });
  });

  it('never carries a nym or account ID, and refuses events that do', () => {
    const ev = signEvent(buildAttestationEvent(att, 1), sk);
    expect(JSON.stringify(ev)).not.toMatch(/nym|account|cashAcct/i);
    for (const t of ['nym', 'account', 'p']) {
      expect(
        code(() =>
          parseAttestationEvent(
            signEvent({ ...buildAttestationEvent(att, 1), tags: [...ev.tags, [t, 'otxSomeNym']] }, sk),
          ),
        ),
      ).toBe('bad-attestation');
    }
  });

  it('refuses malformed attestations with exact codes', () => {
    const base = buildAttestationEvent(att, 1);
    const variants: Array<[string, string[][], string]> = [
      ['d mismatch', base.tags.map((t) => (t[0] === 'd' ? ['d', 'x:y:0'] : t)), 'bad-attestation'],
      [
        'bad fingerprint',
        base.tags.map((t) => (t[0] === 'fingerprint' ? ['fingerprint', 'ABC'] : t)),
        'bad-attestation',
      ],
      ['missing unit', base.tags.filter((t) => t[0] !== 'unit'), 'bad-attestation'],
      ['repeated series', [...base.tags, ['series', '1']], 'bad-attestation'],
      ['bad time', base.tags.map((t) => (t[0] === 'valid_to' ? ['valid_to', '-1'] : t)), 'bad-attestation'],
      ['colon in id', base.tags.map((t) => (t[0] === 'notary' ? ['notary', 'a:b'] : t)), 'bad-attestation'],
    ];
    for (const [name, tags, want] of variants)
      expect(
        code(() => parseAttestationEvent(signEvent({ ...base, tags }, sk))),
        name,
      ).toBe(want);
    expect(code(() => parseAttestationEvent(signEvent({ ...base, kind: 1 }, sk)))).toBe('bad-kind');
    expect(code(() => buildAttestationEvent({ ...att, series: '01' }, 1))).toBe('bad-attestation');
  });

  it('fuzz: random tags never crash the parser', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 }), { maxLength: 12 }), (tags) => {
        const ev: NostrEvent = {
          id: '0'.repeat(64),
          pubkey: '1'.repeat(64),
          sig: '2'.repeat(128),
          kind: 31560,
          created_at: 1,
          content: '',
          tags,
        };
        expect(code(() => parseAttestationEvent(ev))).not.toBe('foreign-error');
        expect(code(() => parseEvidenceEvent({ ...ev, kind: 1560 }))).not.toBe('foreign-error');
      }),
      { numRuns: 300 },
    );
  });
});

describe('kind 1560 evidence', () => {
  const verify = (x: { signedText: string }): boolean =>
    verifySimulatedMintSignature(x.signedText, notary.publicKeyHex);

  it('carries both signed mints, and checking proves both fingerprints with the notary signature', () => {
    const ev = signEvent(evidenceFromMints(alice, bob, {}, 1_700_000_000), sk);
    expect(new EventVerifier().verify(ev).ok).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(ev))).toBeLessThan(60 * 1024);
    const checked = checkEvidence(ev, verify);
    expect(checked.included.sort()).toEqual(
      [mintFingerprint(notary.mintFor(unit, 'alice')), mintFingerprint(notary.mintFor(unit, 'bob'))].sort(),
    );
    expect(checked.signed.sort()).toEqual(checked.included.sort());
    // Without the notary's key nothing counts as signed.
    expect(checkEvidence(ev).signed).toEqual([]);
  });

  it('refuses two copies of one mint, or mints of different series', () => {
    expect(code(() => evidenceFromMints(alice, notary.mintFileFor(unit, 'alice', 'classic')))).toBe('not-equivocation');
    const other = SimulatedNotary.open({
      ledgerPath: ':memory:',
      seed: new Uint8Array(32).fill(2),
      clock: new ManualClock(),
    });
    other.rotate(other.units[0]!.id);
    expect(code(() => evidenceFromMints(alice, other.mintFileFor(other.units[0]!.id, 'alice')))).toBe(
      'not-equivocation',
    );
    other.close();
  });

  it('keeps only the hashes when the mints do not fit under 60 KiB', () => {
    const big = 'x'.repeat(EVIDENCE_MAX_CONTENT);
    const tpl = buildEvidenceEvent(
      {
        notaryId: m.notaryId,
        unitId: m.unitId,
        series: '0',
        eventIds: [],
        addresses: [],
        mints: [
          { fingerprint: 'a'.repeat(64), armored: big },
          { fingerprint: 'b'.repeat(64), armored: big },
        ],
      },
      1,
    );
    const ev = signEvent(tpl, sk);
    expect(Buffer.byteLength(JSON.stringify(ev))).toBeLessThan(60 * 1024);
    const parsed = parseEvidenceEvent(ev);
    expect(parsed.mints.every((x) => x.armored === undefined && /^[0-9a-f]{64}$/.test(x.sha256 ?? ''))).toBe(true);
  });

  it('refuses tampered evidence with bad-evidence', () => {
    const ev = signEvent(evidenceFromMints(alice, bob, {}, 1), sk);
    const body = JSON.parse(ev.content) as { mints: Array<{ armored: string }> };
    body.mints[0]!.armored = body.mints[0]!.armored.replace('A', 'B');
    expect(code(() => parseEvidenceEvent(signEvent({ ...ev, content: JSON.stringify(body) }, sk)))).toBe(
      'bad-evidence',
    );
    // A mint filed under the other fingerprint.
    const swapped = JSON.parse(ev.content) as { mints: Array<{ fingerprint: string }> };
    [swapped.mints[0]!.fingerprint, swapped.mints[1]!.fingerprint] = [
      swapped.mints[1]!.fingerprint,
      swapped.mints[0]!.fingerprint,
    ];
    expect(code(() => checkEvidence(signEvent({ ...ev, content: JSON.stringify(swapped) }, sk)))).toBe('bad-evidence');
    expect(code(() => parseEvidenceEvent(signEvent({ ...ev, content: 'not json' }, sk)))).toBe('bad-json');
    expect(
      code(() => parseEvidenceEvent(signEvent({ ...ev, tags: ev.tags.filter((t) => t[0] !== 'fingerprint') }, sk))),
    ).toBe('bad-evidence');
  });
});
