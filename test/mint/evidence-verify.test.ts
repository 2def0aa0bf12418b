/**
 * Evidence (kind 1560) that carries what is needed to check both notary signatures: two mints
 * re-signed by a test notary (the real notary's key is unavailable) and its contract, which the
 * notary ID authenticates. Verified evidence is proof whoever publishes it; the rest is shown as
 * unverified.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getPublicKey, signEvent } from '../../src/events/sign.ts';
import { parseEvidenceEvent } from '../../src/events/evidence.ts';
import { evidenceFromMints, verifyEvidence } from '../../src/mint/evidence.ts';
import { trustContract } from '../../src/otapi/otcrypto.ts';
import { HAS_SHARED, SHARED_MISSING, sharedPath } from '../helpers/shared.ts';
import { reissueMint, testNotary } from '../otapi/ot-signing.ts';
import type { TestNotary } from '../otapi/ot-signing.ts';

const REAL = sharedPath(
  'fixtures',
  'ot',
  'classic-2013',
  'ot-sample-data',
  'client_data',
  'mints',
  'r1fUoHwJOWCuK3WBAAySjmKYqsG6G2TYIxdqY6YNuuG',
  'JY7kEFnm2c50CGNphdpgnlVo2hOZuLrBua5cFqWWR9Q',
);
const SK = new Uint8Array(32).fill(3);

function publish(own: string, other: string, contract?: string): ReturnType<typeof signEvent> {
  return signEvent(
    evidenceFromMints(own, other, contract === undefined ? {} : { notaryContract: contract }, 1_700_000_000),
    SK,
    getPublicKey(SK),
  );
}

describe.skipIf(!HAS_SHARED)(`verifyEvidence ${HAS_SHARED ? '' : SHARED_MISSING}`, () => {
  const setup = (): { notary: TestNotary; a: string; b: string; reset: string } => {
    const notary = testNotary();
    const real = readFileSync(join(REAL), 'latin1');
    return {
      notary,
      a: reissueMint(real, notary, { validFrom: 1_400_000_000, validTo: 1_410_000_000 }),
      b: reissueMint(real, notary, { validFrom: 1_405_000_000, validTo: 1_415_000_000, swapKeys: true }),
      reset: reissueMint(real, notary, { validFrom: 1_420_000_000, validTo: 1_430_000_000, swapKeys: true }),
    };
  };

  it('verifies both signatures with the included contract: proof of equivocation, whoever published it', () => {
    const { notary, a, b } = setup();
    const ev = publish(a, b, notary.contractArmored);
    expect(parseEvidenceEvent(ev).notary?.armored).toBe(notary.contractArmored);
    const checked = verifyEvidence(ev);
    expect(checked).toMatchObject({ contract: 'included', verified: true, relation: 'equivocation' });
    expect(checked.mints.map((m) => m.signature?.ok)).toEqual([true, true]);
    expect(checked.signed).toHaveLength(2);
  });

  it("falls back to the verifier's own copy of the contract, and is unverified without one", () => {
    const { notary, a, b } = setup();
    const ev = publish(a, b);
    expect(verifyEvidence(ev)).toMatchObject({ contract: 'missing', verified: false, signed: [] });
    const local = trustContract(notary.id, notary.contractText);
    expect(verifyEvidence(ev, { contractFor: (id) => (id === notary.id ? local : undefined) })).toMatchObject({
      contract: 'local',
      verified: true,
    });
  });

  it('ignores an included contract that does not hash to the notary ID (a forger cannot bring their own key)', () => {
    const { notary, a, b } = setup();
    const forger = testNotary('Forger');
    const ev = publish(a, b, forger.contractArmored);
    expect(verifyEvidence(ev)).toMatchObject({ contract: 'missing', verified: false });
    // and mints the forger signed for the real notary's ID do not verify under the real contract
    const real = readFileSync(REAL, 'latin1');
    const forged = reissueMint(
      real,
      { ...forger, id: notary.id, nymId: notary.nymId },
      { validFrom: 1_405_000_000, validTo: 1_415_000_000, swapKeys: true },
    );
    const checked = verifyEvidence(publish(a, forged, notary.contractArmored));
    expect(checked.verified).toBe(false);
    expect(checked.signed).toHaveLength(1);
    expect(checked.mints.find((m) => m.signature?.ok === false)?.signature?.reason).toBe('bad-signature');
  });

  it('names a disjoint window a reissue', () => {
    const { notary, a, reset } = setup();
    expect(verifyEvidence(publish(a, reset, notary.contractArmored))).toMatchObject({
      verified: true,
      relation: 'reissued',
    });
  });
});
