/**
 * NIP-01 ids and signatures: the shared vectors, a differential test against nostr-tools'
 * getEventHash on hostile content, tampering, every limit code, and the (id, sig) cache.
 */
import fc from 'fast-check';
import { getEventHash } from 'nostr-tools/pure';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.ts';
import { OtP2pError } from '../../src/core/errors.ts';
import { getPublicKey, signEvent } from '../../src/events/sign.ts';
import type { NostrEvent } from '../../src/events/types.ts';
import { EventVerifier, computeEventId, serializeEvent } from '../../src/events/verify.ts';
import { HAS_SHARED, readVectors } from '../helpers/shared.ts';

const NOW = 1_700_000_000;
const SK = new Uint8Array(32).fill(3);
const verifier = (limits = {}): EventVerifier => new EventVerifier({ clock: new ManualClock(NOW * 1000), limits });
const base = (over: Partial<NostrEvent> = {}): NostrEvent =>
  signEvent({ created_at: NOW, kind: 1, tags: [['p', 'ab'.repeat(32)]], content: 'hello', ...over }, SK);

interface Vectors {
  nip01_event_id: { event: NostrEvent; expected_id: string }[];
  nip59_gift_wrap_example: { rumor: Omit<NostrEvent, 'sig'>; seal: NostrEvent; wrap: NostrEvent };
  nip17_examples: { gift_wraps: NostrEvent[] };
}

describe.skipIf(!HAS_SHARED)('shared vectors (nip01-13-17-59.examples.json)', () => {
  const v = HAS_SHARED ? readVectors<Vectors>('nip01-13-17-59.examples.json') : undefined;
  it('computes the id of every event, and verifies every signed one', () => {
    const signed: NostrEvent[] = [];
    let count = 0;
    for (const x of v!.nip01_event_id) {
      expect(computeEventId(x.event)).toBe(x.expected_id);
      expect(x.event.id).toBe(x.expected_id);
      signed.push(x.event);
      count++;
    }
    const { rumor, seal, wrap } = v!.nip59_gift_wrap_example;
    for (const e of [rumor, seal, wrap]) {
      expect(computeEventId(e)).toBe(e.id);
      count++;
    }
    signed.push(seal, wrap);
    for (const e of v!.nip17_examples.gift_wraps) {
      expect(computeEventId(e)).toBe(e.id);
      signed.push(e);
      count++;
    }
    expect(count).toBeGreaterThanOrEqual(6);
    const ver = new EventVerifier({ clock: new ManualClock(1_800_000_000_000) });
    for (const e of signed) expect(ver.verify(structuredClone(e))).toMatchObject({ ok: true });
  });
});

// Hostile strings: C0 controls, DEL, U+2028/2029, lone surrogates, emoji, quotes, backslashes.
const hostileUnit = fc.oneof(
  fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)),
  fc.constantFrom('\u2028', '\u2029', '\u007f', '"', '\\', '/', '\u0085', '\ufeff', '\ufffe'),
  fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
  fc.constantFrom('😀', '👩‍👩‍👧', '🇺🇳', 'é', 'ﬀ', '中'),
  fc.string({ unit: 'binary', maxLength: 1 }),
  fc.string({ maxLength: 1 }),
);
const hostile = (maxLength: number) => fc.string({ unit: hostileUnit, maxLength });
const hostileEvent = fc.record({
  pubkey: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex')),
  created_at: fc.integer({ min: 0, max: 2 ** 40 }),
  kind: fc.integer({ min: 0, max: 65535 }),
  tags: fc.oneof(
    fc.array(fc.array(hostile(12), { maxLength: 5 }), { maxLength: 8 }),
    fc.array(fc.array(hostile(400), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 }),
  ),
  content: fc.oneof(hostile(60), hostile(2000)),
});

describe('canonical serialization', () => {
  it('matches nostr-tools getEventHash on 10,000 events with hostile content', () => {
    fc.assert(
      fc.property(hostileEvent, (e) => {
        // nostr-tools only hashes objects that are `instanceof Object`: hand it a plain copy.
        expect(computeEventId(e)).toBe(getEventHash({ ...e }));
      }),
      { numRuns: 10_000 },
    );
  });

  it('survives the wire: the id of a JSON round-tripped event is unchanged', () => {
    fc.assert(
      fc.property(hostileEvent, (e) => {
        const back = JSON.parse(JSON.stringify(e)) as typeof e;
        expect(computeEventId(back)).toBe(computeEventId(e));
      }),
      { numRuns: 300 },
    );
  });

  it('escapes per NIP-01: no whitespace, \\n \\" \\\\ \\t escaped, other text verbatim', () => {
    const s = serializeEvent({ pubkey: 'aa', created_at: 1, kind: 1, tags: [['t', 'a\tb']], content: 'x\n"y"\\ é😀' });
    expect(s).toBe('[0,"aa",1,1,[["t","a\\tb"]],"x\\n\\"y\\"\\\\ é😀"]');
  });
});

describe('tampering', () => {
  const cases: [string, (e: NostrEvent) => NostrEvent, string][] = [
    ['id', (e) => ({ ...e, id: (e.id[0] === '0' ? '1' : '0') + e.id.slice(1) }), 'bad-id'],
    ['pubkey', (e) => ({ ...e, pubkey: getPublicKey(new Uint8Array(32).fill(9)) }), 'bad-id'],
    ['created_at', (e) => ({ ...e, created_at: e.created_at - 1 }), 'bad-id'],
    ['kind', (e) => ({ ...e, kind: e.kind + 1 }), 'bad-id'],
    ['tags', (e) => ({ ...e, tags: [['p', 'cd'.repeat(32)]] }), 'bad-id'],
    ['tag order', (e) => ({ ...e, tags: [...e.tags, ['t', 'x']] }), 'bad-id'],
    ['content', (e) => ({ ...e, content: `${e.content}!` }), 'bad-id'],
    [
      'sig',
      (e) => ({ ...e, sig: (e.sig[5] === '0' ? `${e.sig.slice(0, 5)}1` : `${e.sig.slice(0, 5)}0`) + e.sig.slice(6) }),
      'bad-sig',
    ],
    ['sig from another event', (e) => ({ ...e, sig: base({ content: 'other' }).sig }), 'bad-sig'],
    [
      'id+sig re-made for another key',
      (e) => {
        const other = signEvent({ ...e }, new Uint8Array(32).fill(9));
        return { ...other, pubkey: e.pubkey, id: computeEventId({ ...other, pubkey: e.pubkey }) };
      },
      'bad-sig',
    ],
  ];
  for (const [field, mutate, code] of cases) {
    it(`changing ${field} fails with ${code}`, () => {
      const good = base();
      expect(verifier().verify(good).ok).toBe(true);
      const r = verifier().verify(mutate(structuredClone(good)));
      expect(r.ok ? 'ok' : r.code).toBe(code);
    });
  }

  it('any single-character change of the signed JSON never verifies', () => {
    const good = base({
      content: 'pay 100',
      tags: [
        ['t', 'x'],
        ['d', 'y'],
      ],
    });
    const raw = JSON.stringify(good);
    const v = verifier();
    fc.assert(
      fc.property(fc.nat({ max: raw.length - 1 }), fc.constantFrom('0', '1', 'a', 'f', 'z', '"', ' ', '9'), (i, ch) => {
        const t = raw.slice(0, i) + ch + raw.slice(i + 1);
        fc.pre(t !== raw);
        const r = v.verifyJson(t);
        // Whitespace inside JSON is harmless; anything that changes a value must fail.
        if (r.ok) expect(JSON.parse(t)).toEqual(good);
      }),
      { numRuns: 400 },
    );
  });
});

describe('limits: each failure has its exact code', () => {
  const codeOf = (value: unknown, limits = {}): string => {
    const r = verifier(limits).verify(value);
    return r.ok ? 'ok' : r.code;
  };
  it('too-large', () => {
    expect(codeOf(base({ content: 'x'.repeat(61 * 1024) }))).toBe('too-large');
    expect(codeOf(base({ content: 'x'.repeat(59 * 1024) }))).toBe('ok');
    const v = verifier();
    // Before parsing the kind is unknown: the bound is the largest per-kind limit (kind 3, 1 MB).
    const r = v.verifyJson(`${' '.repeat(1_000_000)}{}`);
    expect(r.ok ? 'ok' : r.code).toBe('too-large');
  });
  it('too-many-tags', () => {
    const tags = Array.from({ length: 2001 }, (_, i) => ['t', String(i)]);
    expect(codeOf(base({ tags }))).toBe('too-many-tags');
    expect(codeOf(base({ tags: tags.slice(1) }))).toBe('ok');
  });
  it('created-at-future (15 minutes allowed)', () => {
    expect(codeOf(base({ created_at: NOW + 15 * 60 + 1 }))).toBe('created-at-future');
    expect(codeOf(base({ created_at: NOW + 15 * 60 }))).toBe('ok');
  });
  it('created-at-too-old when a maximum age is configured', () => {
    expect(codeOf(base({ created_at: NOW - 3601 }), { maxAgeSeconds: 3600 })).toBe('created-at-too-old');
    expect(codeOf(base({ created_at: NOW - 3600 }), { maxAgeSeconds: 3600 })).toBe('ok');
    expect(codeOf(base({ created_at: 1 }))).toBe('ok');
  });
  it('bad-kind', () => {
    for (const kind of [-1, 65536, 1.5, '1', null]) expect(codeOf({ ...base(), kind })).toBe('bad-kind');
  });
  it('bad-shape', () => {
    const g = base();
    const bad: unknown[] = [
      null,
      [],
      'event',
      { ...g, id: g.id.toUpperCase() },
      { ...g, id: g.id.slice(2) },
      { ...g, pubkey: 123 },
      { ...g, sig: g.sig.slice(1) },
      { ...g, created_at: -1 },
      { ...g, created_at: 1.5 },
      { ...g, created_at: '1700000000' },
      { ...g, content: null },
      { ...g, tags: {} },
      { ...g, tags: ['p'] },
      { ...g, tags: [['p', 1]] },
      (({ content: _c, ...rest }) => rest)(g),
    ];
    for (const b of bad) expect(codeOf(b)).toBe('bad-shape');
  });
  it('bad-tag: a tag value over 1024 UTF-8 bytes, unless the kind allows more', () => {
    expect(codeOf(base({ tags: [['t', 'x'.repeat(1025)]] }))).toBe('bad-tag');
    expect(codeOf(base({ tags: [['t', 'x'.repeat(1024)]] }))).toBe('ok');
    expect(codeOf(base({ tags: [['t', '€'.repeat(342)]] }))).toBe('bad-tag'); // 1026 bytes, 342 chars
    expect(codeOf(base({ kind: 1560, tags: [['m', 'x'.repeat(5000)]] }), { tagValueBytesByKind: { 1560: 8192 } })).toBe(
      'ok',
    );
  });
  it('bad-json from verifyJson, and assert throws OtP2pError with the code', () => {
    const r = verifier().verifyJson('{"id":');
    expect(r.ok ? 'ok' : r.code).toBe('bad-json');
    try {
      verifier().assert({ ...base(), content: 'changed' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(OtP2pError);
      expect((err as OtP2pError).code).toBe('bad-id');
    }
  });
});

describe('fuzzing the parser', () => {
  const CODES = [
    'bad-json',
    'bad-shape',
    'bad-kind',
    'bad-tag',
    'too-large',
    'too-many-tags',
    'created-at-future',
    'created-at-too-old',
    'bad-id',
    'bad-sig',
  ];
  it('verifyJson never throws on arbitrary text or JSON, and fails with a known code', () => {
    const v = verifier();
    const good = base();
    const mutated = fc.record({
      ...Object.fromEntries(
        Object.keys(good).map((k) => [
          k,
          fc.oneof(fc.constant((good as unknown as Record<string, unknown>)[k]), fc.jsonValue()),
        ]),
      ),
    });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary' }),
          fc.json(),
          mutated.map((o) => JSON.stringify(o)),
        ),
        (text) => {
          const r = v.verifyJson(text);
          if (!r.ok) expect(CODES).toContain(r.code);
          else expect(r.event).toEqual(good);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('names a hostile non-number kind without calling into it (found by the fuzzer)', () => {
    // {"toString": ""} made String(kind) throw "Cannot convert object to primitive value".
    for (const kind of [{ toString: '' }, { valueOf: 1, toString: null }, [1], '1']) {
      const r = verifier().verifyJson(JSON.stringify({ ...base(), kind }));
      expect(r.ok ? 'ok' : r.code).toBe('bad-kind');
    }
  });
});

describe('(id, sig) cache', () => {
  it('a genuine id+sig reused with other content is never accepted via the cache', () => {
    const v = verifier();
    const good = base({ content: 'pay 1 unit' });
    expect(v.verify(good).ok).toBe(true);
    expect(v.isCached(good.id, good.sig)).toBe(true);
    for (const forged of [
      { ...good, content: 'pay 1000 units' },
      { ...good, tags: [] },
      { ...good, created_at: good.created_at + 1 },
      { ...good, kind: 7 },
      { ...good, pubkey: getPublicKey(new Uint8Array(32).fill(9)) },
    ]) {
      const r = v.verify(forged);
      expect(r.ok ? 'ok' : r.code).toBe('bad-id');
    }
    // A pair remembered from elsewhere vouches for nothing but its own content either.
    const other = base({ content: 'other' });
    v.remember(other.id, other.sig);
    const r = v.verify({ ...other, content: 'forged' });
    expect(r.ok ? 'ok' : r.code).toBe('bad-id');
    expect(v.verify(other).ok).toBe(true);
  });

  it('a cached id with a different (bad) sig is still checked', () => {
    const v = verifier();
    const good = base();
    v.verify(good);
    const other = base({ content: 'x' });
    const r = v.verify({ ...good, sig: other.sig });
    expect(r.ok ? 'ok' : r.code).toBe('bad-sig');
  });

  it('is bounded (LRU)', () => {
    const v = new EventVerifier({ clock: new ManualClock(NOW * 1000), cacheSize: 2 });
    const [a, b, c] = [base({ content: 'a' }), base({ content: 'b' }), base({ content: 'c' })];
    for (const e of [a, b, c]) v.verify(e);
    expect([a, b, c].map((e) => v.isCached(e.id, e.sig))).toEqual([false, true, true]);
  });
});
