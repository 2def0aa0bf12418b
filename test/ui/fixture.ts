/**
 * A demo-shaped web for the dashboard tests, built from real parts: real keys, real signed
 * attestation events parsed by `parseAttestationEvent`, verdicts from `computeVerdicts`, routes
 * from the real Router (through {@link StaticDashboardBackend}).
 *
 * Alice holds USD on notary n1; Bob converts USD@n1 -> EUR@n1; Carol converts EUR@n1 -> EUR@n2;
 * Dave accepts only EUR@n2, so Alice -> Bob -> Carol -> Dave is a 3-hop path. Erin converts
 * USD@n1 -> EUR@n1 at a worse rate; Frank was served a split mint (the tagged peer).
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildAttestationEvent, parseAttestationEvent } from '../../src/events/attestation.ts';
import { getPublicKey, signEvent } from '../../src/events/sign.ts';
import { computeVerdicts, webOfTrust } from '../../src/mint/verdict.ts';
import { parseOffersFile } from '../../src/pathing/index.ts';
import type { MintVerdictView } from '../../src/ui/backend.ts';
import { StaticDashboardBackend, parseNames } from '../../src/ui/static-backend.ts';

const NAMES = ['Alice', 'Bob', 'Carol', 'Dave', 'Erin', 'Frank'] as const;
type Name = (typeof NAMES)[number];

/** Deterministic test keys (never used outside tests). */
export const secret = (name: string): Uint8Array => createHash('sha256').update(`otp2p ui test key ${name}`).digest();
export const KEYS = Object.fromEntries(NAMES.map((n) => [n, getPublicKey(secret(n))])) as Record<Name, string>;

const N1 = 'n1';
const N2 = 'n2';
export const USD1 = { unit: 'usd', notary: N1 };
export const EUR1 = { unit: 'eur', notary: N1 };
export const EUR2 = { unit: 'eur', notary: N2 };

/** The offers file as `otp2p route --offers` and `otp2p ui --offers` read it (with names). */
export function offersFileValue(): Record<string, unknown> {
  const { Alice, Bob, Carol, Dave, Erin, Frank } = KEYS;
  return {
    offers: [
      {
        pubkey: Bob,
        id: 'bob-usd-eur',
        in: USD1,
        out: EUR1,
        rate: ['9', '10'],
        cut_ppm: '2500',
        fee: '3',
        min: '0',
        max: '100000',
        liquidity: '50000',
      },
      {
        pubkey: Carol,
        id: 'carol-eur-n2',
        in: EUR1,
        out: EUR2,
        rate: ['1', '1'],
        cut_ppm: '1000',
        fee: '0',
        min: '0',
        max: '100000',
        liquidity: '50000',
      },
      {
        pubkey: Erin,
        id: 'erin-usd-eur',
        in: USD1,
        out: EUR1,
        rate: ['85', '100'],
        cut_ppm: '5000',
        fee: '0',
        min: '0',
        max: '100000',
        liquidity: '9000',
      },
    ],
    follows: { [Alice]: [Bob, Erin, Frank], [Bob]: [Carol], [Erin]: [Carol], [Carol]: [Dave], [Frank]: [Alice] },
    accepts: { [Alice]: [USD1], [Dave]: [EUR2] },
    names: Object.fromEntries(NAMES.map((n) => [KEYS[n], n])),
  };
}

/** Write the offers file into `dir`. */
export function writeOffersFile(dir: string): string {
  const file = join(dir, 'offers.json');
  writeFileSync(file, JSON.stringify(offersFileValue(), null, 1));
  return file;
}

const NOW = 1_790_000_000;
const fp = (s: string): string => createHash('sha256').update(s).digest('hex');

/**
 * Alice's verdicts: USD series 1 on n1 consistent (Bob, Carol, Erin attest the same mint);
 * EUR series 4 on n1 an equivocation (Frank attests another signed mint); EUR on n2 still unknown.
 */
export function aliceVerdicts(): MintVerdictView[] {
  const mint = (unitId: string, series: string, fingerprint: string) => ({
    notaryId: N1,
    unitId,
    series,
    fingerprint,
    validFrom: NOW - 86_400,
    validTo: NOW + 86_400 * 30,
    expiration: NOW + 86_400 * 60,
  });
  const attest = (who: Name, m: ReturnType<typeof mint>) =>
    parseAttestationEvent(signEvent(buildAttestationEvent(m, NOW - 600), secret(who)));
  const usd = mint('usd', '1', fp('usd mint 1'));
  const eur = mint('eur', '4', fp('eur mint 4'));
  const eurSplit = mint('eur', '4', fp('eur mint 4 for Frank only'));
  const attestations = [
    attest('Bob', usd),
    attest('Carol', usd),
    attest('Erin', usd),
    attest('Bob', eur),
    attest('Carol', eur),
    attest('Frank', eurSplit),
  ];
  const follows = offersFileValue().follows as Record<string, string[]>;
  const web = new Set(webOfTrust(KEYS.Alice, (p) => follows[p], 3).keys());
  const own = [
    { d: `${N1}:usd:1`, notaryId: N1, unitId: 'usd', series: '1', fingerprint: usd.fingerprint, firstSeen: NOW - 7200 },
    { d: `${N1}:eur:4`, notaryId: N1, unitId: 'eur', series: '4', fingerprint: eur.fingerprint, firstSeen: NOW - 7200 },
    {
      d: `${N2}:eur:2`,
      notaryId: N2,
      unitId: 'eur',
      series: '2',
      fingerprint: fp('eur n2 mint 2'),
      firstSeen: NOW - 60,
    },
  ];
  return computeVerdicts({ self: KEYS.Alice, own, attestations, web, now: NOW, k: 3 });
}

/** The backend the tests drive: Alice's view of the web. */
export function aliceBackend(): StaticDashboardBackend {
  const value = offersFileValue();
  return new StaticDashboardBackend({
    file: parseOffersFile(value),
    self: KEYS.Alice,
    names: parseNames(value),
    mintVerdicts: aliceVerdicts(),
    tags: { [KEYS.Frank]: ['alarm'] },
  });
}
