import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  buildOfferDeletion,
  buildOfferEvent,
  parseOfferEvent,
  parseUnitRef,
  validateOffer,
} from '../../src/events/offer.ts';
import type { Offer } from '../../src/events/offer.ts';
import { signEvent, getPublicKey } from '../../src/events/sign.ts';
import { EventVerifier } from '../../src/events/verify.ts';
import { isOtP2pError } from '../../src/core/errors.ts';
import { Kind } from '../../src/events/kinds.ts';
import { ManualClock } from '../../src/core/clock.ts';

const SK = new Uint8Array(32).fill(7);
const PUB = getPublicKey(SK);
const NOW = 1_790_000_000;

const base: Offer = {
  id: 'usd-to-eur',
  in: { unit: 'usd', notary: 'notary-1' },
  out: { unit: 'eur', notary: 'notary-2' },
  rateNum: 92n,
  rateDen: 100n,
  cutPpm: 2500n,
  fee: 10n,
  min: 100n,
  max: 1_000_000n,
  liquidity: 5_000_000n,
  expiration: NOW + 3600,
  status: 'open',
};

function withTag(name: string, values: string[] | null) {
  const ev = signEvent(buildOfferEvent(base, NOW), SK);
  const tags = ev.tags.filter((t) => t[0] !== name);
  if (values) tags.push([name, ...values]);
  return { ...ev, tags };
}

describe('offer events (kind 31562)', () => {
  it('builds an addressable, signed event that verifies and parses back', () => {
    const ev = signEvent(buildOfferEvent(base, NOW), SK);
    expect(ev.kind).toBe(Kind.Offer);
    expect(ev.tags[0]).toEqual(['d', 'usd-to-eur']);
    expect(ev.tags).toContainEqual(['expiration', String(NOW + 3600)]);
    expect(ev.tags).toContainEqual(['rate', '92', '100']);
    const verified = new EventVerifier({ clock: new ManualClock(NOW * 1000) }).verify(JSON.parse(JSON.stringify(ev)));
    expect(verified.ok).toBe(true);
    const parsed = parseOfferEvent(ev, NOW);
    expect(parsed).toEqual({ ...base, pubkey: PUB, createdAt: NOW, eventId: ev.id });
  });

  it.each([
    ['rate', ['0', '1'], 'bad-rate'],
    ['rate', ['1', '0'], 'bad-rate'],
    ['rate', ['1.5', '1'], 'bad-rate'],
    ['rate', ['NaN', '1'], 'bad-rate'],
    ['rate', ['9223372036854775808', '1'], 'bad-rate'],
    ['fee', ['-1'], 'bad-amount'],
    ['min', ['1e3'], 'bad-amount'],
    ['max', ['9223372036854775808'], 'bad-amount'],
    ['liquidity', ['NaN'], 'bad-amount'],
    ['liquidity', ['0012'], 'bad-amount'],
    ['cut', ['1000000'], 'bad-offer'],
    ['status', ['maybe'], 'bad-offer'],
    ['expiration', null, 'bad-offer'],
    ['expiration', ['soon'], 'bad-offer'],
    ['expiration', [String(NOW)], 'expired'],
    ['in', ['usd'], 'bad-offer'],
    ['d', [''], 'bad-offer'],
    ['min', ['2000000'], 'bad-offer'],
  ])('rejects %s=%j with %s', (tag, values, code) => {
    expect(() => parseOfferEvent(withTag(tag, values), NOW)).toThrow(expect.objectContaining({ code }));
  });

  it('rejects duplicate tags and the wrong kind', () => {
    const ev = signEvent(buildOfferEvent(base, NOW), SK);
    expect(() => parseOfferEvent({ ...ev, tags: [...ev.tags, ['fee', '1']] }, NOW)).toThrow(
      expect.objectContaining({ code: 'bad-offer' }),
    );
    expect(() => parseOfferEvent({ ...ev, kind: 1 }, NOW)).toThrow(expect.objectContaining({ code: 'bad-kind' }));
  });

  it('builder validates too (expired at creation, zero rate)', () => {
    expect(() => buildOfferEvent({ ...base, expiration: NOW }, NOW)).toThrow(
      expect.objectContaining({ code: 'expired' }),
    );
    expect(() => buildOfferEvent({ ...base, rateNum: 0n }, NOW)).toThrow(expect.objectContaining({ code: 'bad-rate' }));
    expect(() => validateOffer({ ...base, fee: -5n })).toThrow(expect.objectContaining({ code: 'bad-amount' }));
  });

  it('counterparties: one `to` tag per pubkey, built, signed and parsed back; absent means anyone', () => {
    const bob = 'b'.repeat(64);
    const carol = 'c'.repeat(64);
    const ev = signEvent(buildOfferEvent({ ...base, to: [bob, carol] }, NOW), SK);
    expect(ev.tags.filter((t) => t[0] === 'to')).toEqual([
      ['to', bob],
      ['to', carol],
    ]);
    expect(parseOfferEvent(ev, NOW).to).toEqual([bob, carol]);
    // an offer without `to` tags parses without the field (no empty list standing for "nobody")
    const open = parseOfferEvent(signEvent(buildOfferEvent(base, NOW), SK), NOW);
    expect('to' in open).toBe(false);
    expect(buildOfferEvent({ ...base, to: [] }, NOW).tags.some((t) => t[0] === 'to')).toBe(false);
  });

  it.each([
    [[['to']], 'a to tag without a value'],
    [[['to', 'B'.repeat(64)]], 'uppercase hex'],
    [[['to', 'b'.repeat(63)]], 'a short key'],
    [[['to', 'npub1xyz']], 'an npub'],
    [
      [
        ['to', 'b'.repeat(64)],
        ['to', 'b'.repeat(64)],
      ],
      'a repeated key',
    ],
    [Array.from({ length: 257 }, (_, i) => ['to', i.toString(16).padStart(64, '0')]), 'more than 256 keys'],
  ])('rejects counterparties %#: %s with bad-offer', (extra) => {
    const ev = signEvent(buildOfferEvent(base, NOW), SK);
    expect(() => parseOfferEvent({ ...ev, tags: [...ev.tags, ...extra] }, NOW)).toThrow(
      expect.objectContaining({ code: 'bad-offer' }),
    );
  });

  it('builder and validator refuse malformed counterparties', () => {
    expect(() => buildOfferEvent({ ...base, to: ['xyz'] }, NOW)).toThrow(
      expect.objectContaining({ code: 'bad-offer', context: { field: 'to[0]' } }),
    );
    expect(() => validateOffer({ ...base, to: 'b'.repeat(64) as unknown as string[] })).toThrow(
      expect.objectContaining({ code: 'bad-offer' }),
    );
  });

  it('withdrawal is a NIP-09 deletion of the offer address', () => {
    const del = buildOfferDeletion(PUB, 'usd-to-eur', NOW);
    expect(del.kind).toBe(Kind.Deletion);
    expect(del.tags).toEqual([
      ['a', `31562:${PUB}:usd-to-eur`],
      ['k', '31562'],
    ]);
    expect(() => buildOfferDeletion('xyz', 'a', NOW)).toThrow(expect.objectContaining({ code: 'bad-key' }));
  });

  it('unit refs split at the last @', () => {
    expect(parseUnitRef('usd@notary')).toEqual({ unit: 'usd', notary: 'notary' });
    expect(parseUnitRef('a@b@c')).toEqual({ unit: 'a@b', notary: 'c' });
    expect(() => parseUnitRef('usd')).toThrow(expect.objectContaining({ code: 'bad-input' }));
  });

  it('fuzz: arbitrary tags never crash the parser, only typed errors', () => {
    const value = fc.oneof(
      fc.string(),
      fc.constantFrom('0', '1', '-1', '1e9', 'NaN', '9223372036854775807', '9223372036854775808', String(NOW + 10)),
    );
    const tag = fc.tuple(
      fc.constantFrom(
        'd',
        'in',
        'out',
        'rate',
        'cut',
        'fee',
        'min',
        'max',
        'liquidity',
        'status',
        'expiration',
        'to',
        'x',
      ),
      fc.array(value, { maxLength: 3 }),
    );
    fc.assert(
      fc.property(fc.array(tag, { maxLength: 14 }), (tags) => {
        const ev = {
          pubkey: PUB,
          created_at: NOW,
          kind: Kind.Offer,
          content: '',
          tags: tags.map(([n, v]) => [n, ...v]),
        };
        try {
          const o = parseOfferEvent(ev, NOW);
          expect(o.rateNum > 0n && o.rateDen > 0n && o.min <= o.max && o.expiration > NOW).toBe(true);
        } catch (e) {
          expect(isOtP2pError(e)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
