import { describe, expect, it } from 'vitest';
import type { ParsedAttestation } from '../../src/events/attestation.ts';
import { computeVerdicts, isAlarm, shouldPublish, webOfTrust } from '../../src/mint/verdict.ts';
import type { OwnMint } from '../../src/mint/verdict.ts';

const pk = (n: number): string => n.toString(16).padStart(64, '0');
const FP_A = 'a'.repeat(64);
const FP_B = 'b'.repeat(64);
const D = 'otxN:otxU:0';
const own: OwnMint = { d: D, notaryId: 'otxN', unitId: 'otxU', series: '0', fingerprint: FP_A, firstSeen: 1000 };

function att(author: number, fingerprint: string, createdAt = 1000, d = D): ParsedAttestation {
  return {
    d,
    notaryId: 'otxN',
    unitId: 'otxU',
    series: '0',
    fingerprint,
    validFrom: 0,
    validTo: 1,
    expiration: 1,
    pubkey: pk(author),
    eventId: pk(author * 1000 + createdAt),
    createdAt,
  };
}

describe('web of trust', () => {
  const follows = new Map<string, string[]>([
    [pk(1), [pk(2), pk(3)]],
    [pk(2), [pk(4)]],
    [pk(4), [pk(5)]],
    [pk(9), [pk(1)]], // a Sybil following the user: following someone never puts you in their web
  ]);
  it('follows up to the depth, excludes the root and keys nobody in the web follows', () => {
    const web = webOfTrust(pk(1), (p) => follows.get(p), 2);
    expect([...web.entries()].sort()).toEqual([
      [pk(2), 1],
      [pk(3), 1],
      [pk(4), 2],
    ]);
    expect(webOfTrust(pk(1), (p) => follows.get(p), 3).has(pk(5))).toBe(true);
    expect(webOfTrust(pk(1), (p) => follows.get(p), 3).has(pk(9))).toBe(false);
  });
});

describe('verdicts', () => {
  const web = new Set([pk(2), pk(3), pk(4), pk(5)]);
  const base = { self: pk(1), own: [own], web, k: 3, graceSeconds: 100, now: 1050 };

  it('consistent with k distinct attesters in the web; the user and duplicates do not count', () => {
    expect(computeVerdicts({ ...base, attestations: [att(2, FP_A), att(3, FP_A), att(4, FP_A)] })[0]?.verdict).toBe(
      'consistent',
    );
    const v = computeVerdicts({
      ...base,
      attestations: [att(1, FP_A), att(2, FP_A), att(2, FP_A, 1001), att(3, FP_A)],
    })[0]!;
    expect(v.verdict).toBe('unknown');
    expect(v.attesters).toEqual([pk(2), pk(3)]);
  });

  it('rare only after the grace period', () => {
    expect(computeVerdicts({ ...base, attestations: [att(2, FP_A)], now: 1099 })[0]?.verdict).toBe('unknown');
    expect(computeVerdicts({ ...base, attestations: [att(2, FP_A)], now: 1100 })[0]?.verdict).toBe('rare');
  });

  it('equivocation when anyone in the web attests another fingerprint for the same series', () => {
    const v = computeVerdicts({ ...base, attestations: [att(2, FP_A), att(3, FP_A), att(4, FP_A), att(5, FP_B)] })[0]!;
    expect(v.verdict).toBe('equivocation');
    expect(v.conflicts).toEqual([
      { fingerprint: FP_B, attesters: [pk(5)], eventIds: [att(5, FP_B).eventId], relation: 'equivocation' },
    ]);
  });

  it('reissued, not equivocation, when the other fingerprint is for a disjoint validity window (a reset)', () => {
    const windowed = { ...own, validFrom: 100, validTo: 200 };
    const other = (validFrom: number, validTo: number): ParsedAttestation => ({ ...att(5, FP_B), validFrom, validTo });
    const reset = computeVerdicts({
      ...base,
      own: [windowed],
      attestations: [att(2, FP_A), att(3, FP_A), att(4, FP_A), other(200, 300)],
    })[0]!;
    expect(reset.verdict).toBe('reissued');
    expect(reset.conflicts[0]?.relation).toBe('reissued');
    expect(isAlarm(reset)).toBe(false);
    const split = computeVerdicts({ ...base, own: [windowed], attestations: [att(2, FP_A), other(150, 300)] })[0]!;
    expect(split.verdict).toBe('equivocation');
    expect(isAlarm(split)).toBe(true);
    // one overlapping conflict among reissues is enough for equivocation
    const both = computeVerdicts({
      ...base,
      own: [windowed],
      attestations: [other(200, 300), { ...att(4, 'c'.repeat(64)), validFrom: 0, validTo: 101 }],
    })[0]!;
    expect(both.verdict).toBe('equivocation');
    expect(both.conflicts.map((c) => c.relation).sort()).toEqual(['equivocation', 'reissued']);
  });

  it('uses the newest attestation per author (addressable semantics)', () => {
    expect(
      computeVerdicts({ ...base, attestations: [att(5, FP_B, 900), att(5, FP_A, 1000), att(2, FP_A), att(3, FP_A)] })[0]
        ?.verdict,
    ).toBe('consistent');
  });

  it('Sybils outside the web change nothing, whatever they attest', () => {
    const honest = [att(2, FP_A), att(3, FP_A), att(4, FP_A)];
    const sybils = Array.from({ length: 50 }, (_, i) => att(100 + i, i % 2 ? FP_B : FP_A));
    expect(computeVerdicts({ ...base, attestations: [...honest, ...sybils] })).toEqual(
      computeVerdicts({ ...base, attestations: honest }),
    );
    expect(computeVerdicts({ ...base, attestations: sybils.filter((a) => a.fingerprint === FP_A) })[0]?.verdict).toBe(
      'unknown',
    );
  });

  it('another series is not a conflict (an honest rotation)', () => {
    const next = { ...own, d: 'otxN:otxU:1', series: '1', fingerprint: FP_B };
    const atts = [
      att(2, FP_A),
      att(3, FP_A),
      att(4, FP_A),
      att(2, FP_B, 1000, next.d),
      att(3, FP_B, 1000, next.d),
      att(4, FP_B, 1000, next.d),
    ];
    expect(computeVerdicts({ ...base, own: [own, next], attestations: atts }).map((v) => v.verdict)).toEqual([
      'consistent',
      'consistent',
    ]);
  });

  it("evidence counts from anyone when the other mint's notary signature verified, and never unverified, even from the web", () => {
    const ev = {
      d: D,
      pubkey: pk(77),
      eventId: pk(7),
      mints: [{ fingerprint: FP_A }, { fingerprint: FP_B }],
      signed: [] as string[],
    };
    const atts = [att(2, FP_A), att(3, FP_A), att(4, FP_A)];
    const unverified = computeVerdicts({ ...base, attestations: atts, evidence: [ev] })[0]!;
    expect(unverified.verdict).toBe('consistent');
    expect(unverified.unverifiedEvidence).toEqual([pk(7)]);
    expect(computeVerdicts({ ...base, attestations: atts, evidence: [{ ...ev, signed: [FP_B] }] })[0]?.verdict).toBe(
      'equivocation',
    );
    expect(computeVerdicts({ ...base, attestations: atts, evidence: [{ ...ev, pubkey: pk(2) }] })[0]?.verdict).toBe(
      'consistent',
    );
    // signed evidence of a disjoint window is a reissue
    const windowed = { ...own, validFrom: 100, validTo: 200 };
    const reissue = {
      ...ev,
      signed: [FP_B],
      mints: [{ fingerprint: FP_A }, { fingerprint: FP_B, validFrom: 300, validTo: 400 }],
    };
    expect(computeVerdicts({ ...base, own: [windowed], attestations: atts, evidence: [reissue] })[0]?.verdict).toBe(
      'reissued',
    );
  });

  it('privacy policy: publish only to join a herd of k, or when forced', () => {
    const [v] = computeVerdicts({ ...base, attestations: [att(2, FP_A), att(3, FP_A)] });
    expect(shouldPublish(v!, 3)).toBe(false);
    expect(shouldPublish(v!, 3, true)).toBe(true);
    const [w] = computeVerdicts({ ...base, attestations: [att(2, FP_A), att(3, FP_A), att(4, FP_A)] });
    expect(shouldPublish(w!, 3)).toBe(true);
  });
});
