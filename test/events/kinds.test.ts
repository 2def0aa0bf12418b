/**
 * Standard kinds: builders and parsers for 0 (metadata), 3 (NIP-02 follows), 5 (NIP-09
 * deletion), 10002 (NIP-65 relay list), 10050 (NIP-17 DM relays). fast-check round trips
 * through a real signature and verification; exact codes for invalid input; parsers never
 * throw anything but OtP2pError on arbitrary tags.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.ts';
import { OtP2pError } from '../../src/core/errors.ts';
import { normalizeRelayUrl } from '../../src/core/relay-url.ts';
import { buildDeletionEvent, parseDeletionEvent } from '../../src/events/deletion.ts';
import { buildDmRelaysEvent, parseDmRelaysEvent } from '../../src/events/dm-relays.ts';
import { buildFollowsEvent, parseFollowsEvent } from '../../src/events/follows.ts';
import { buildMetadataEvent, parseMetadataEvent } from '../../src/events/metadata.ts';
import type { Metadata } from '../../src/events/metadata.ts';
import { buildRelayListEvent, parseRelayListEvent, relaysFor } from '../../src/events/relay-list.ts';
import { signEvent } from '../../src/events/sign.ts';
import type { EventTemplate, NostrEvent } from '../../src/events/types.ts';
import { EventVerifier } from '../../src/events/verify.ts';

const T = 1_700_000_000;
const SK = new Uint8Array(32).fill(4);
const verifier = new EventVerifier({ clock: new ManualClock(T * 1000) });

/** Sign, serialize, parse, verify: what a peer receives. */
function overTheWire(t: EventTemplate): NostrEvent {
  const r = verifier.verifyJson(JSON.stringify(signEvent(t, SK)));
  if (!r.ok) throw new Error(`did not verify: ${r.code}`);
  return r.event;
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (err) {
    if (!(err instanceof OtP2pError)) throw err;
    return err.code;
  }
}

const hex32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex'));
// xn-- labels must be valid punycode, which a random label is not
const hostLabel = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/).filter((h) => !h.startsWith('xn--'));
const relayUrl = fc
  .tuple(
    fc.constantFrom('ws', 'wss'),
    hostLabel,
    fc.constantFrom('.example', '.test', '.org'),
    fc.constantFrom('', '/', '/inbox', '/Inbox/', ':7777'),
  )
  .map(([s, h, tld, p]) => `${s}://${h}${tld}${p}`);
const text = fc.string({ unit: 'binary', maxLength: 60 });
const anyTags = fc.array(
  fc.array(fc.oneof(text, hex32, relayUrl, fc.constantFrom('p', 'e', 'a', 'k', 'r', 'relay', 'read', 'write', '')), {
    maxLength: 4,
  }),
  { maxLength: 12 },
);

describe('kind 0 metadata', () => {
  const meta = fc.record(
    {
      name: text,
      display_name: text,
      about: text,
      picture: text,
      nip05: text,
      lud16: text,
      bot: fc.boolean(),
      extra: fc.dictionary(fc.stringMatching(/^x_[a-z]{1,8}$/), fc.jsonValue(), { maxKeys: 3 }),
    },
    { requiredKeys: [] },
  );
  it('round-trips through build, sign, verify and parse', () => {
    fc.assert(
      fc.property(meta, (m) => {
        const clean: Metadata = { ...m };
        if (clean.extra && Object.keys(clean.extra).length === 0) delete clean.extra;
        const back = parseMetadataEvent(overTheWire(buildMetadataEvent(clean, T)));
        // JSON normalizes -0 to 0 inside extra values: compare through JSON.
        expect(JSON.parse(JSON.stringify(back))).toEqual(JSON.parse(JSON.stringify(clean)));
      }),
      { numRuns: 150 },
    );
  });
  it('refuses bad content and kinds with exact codes', () => {
    const e = (content: string, kind = 0) => ({ kind, content });
    expect(codeOf(() => parseMetadataEvent(e('{"name":"x"}', 1)))).toBe('bad-kind');
    expect(codeOf(() => parseMetadataEvent(e('not json')))).toBe('bad-content');
    expect(codeOf(() => parseMetadataEvent(e('[1]')))).toBe('bad-content');
    expect(codeOf(() => parseMetadataEvent(e('null')))).toBe('bad-content');
    expect(codeOf(() => parseMetadataEvent(e('{"name":5}')))).toBe('bad-content');
    expect(codeOf(() => parseMetadataEvent(e('{"bot":"yes"}')))).toBe('bad-content');
    expect(parseMetadataEvent(e('{"name":null,"about":"hi"}'))).toEqual({ about: 'hi' });
    expect(codeOf(() => buildMetadataEvent({ extra: { name: 'dup' } }, T))).toBe('bad-input');
    const proto = parseMetadataEvent(e('{"__proto__":{"polluted":true}}'));
    expect(Object.getPrototypeOf(proto.extra)).toBe(Object.prototype);
    expect(Object.keys(proto.extra ?? {})).toEqual(['__proto__']);
  });
});

describe('kind 3 follows (NIP-02)', () => {
  const follows = fc.uniqueArray(
    fc.record(
      { pubkey: hex32, relay: relayUrl, petname: fc.string({ minLength: 1, maxLength: 20 }) },
      { requiredKeys: ['pubkey'] },
    ),
    { selector: (f) => f.pubkey, maxLength: 20 },
  );
  it('round-trips, with relay hints and petnames', () => {
    fc.assert(
      fc.property(follows, text, (fs, content) => {
        const back = parseFollowsEvent(overTheWire(buildFollowsEvent(fs, T, content)));
        expect(back).toEqual({ follows: fs, content, skipped: 0 });
      }),
      { numRuns: 150 },
    );
  });
  it('writes the NIP-02 tag shape', () => {
    const pk = 'ab'.repeat(32);
    expect(
      buildFollowsEvent(
        [
          { pubkey: pk },
          { pubkey: 'cd'.repeat(32), petname: 'bob' },
          { pubkey: 'ef'.repeat(32), relay: 'wss://r.example' },
        ],
        T,
      ).tags,
    ).toEqual([
      ['p', pk],
      ['p', 'cd'.repeat(32), '', 'bob'],
      ['p', 'ef'.repeat(32), 'wss://r.example'],
    ]);
  });
  it('skips junk entries instead of refusing the list; builders are strict', () => {
    const pk = 'ab'.repeat(32);
    const r = parseFollowsEvent({
      kind: 3,
      content: '',
      tags: [['p', pk, 'http://not-ws'], ['p', 'XYZ'], ['p'], ['p', pk], ['t', 'x']],
    });
    expect(r).toEqual({ follows: [{ pubkey: pk }], content: '', skipped: 3 });
    expect(codeOf(() => parseFollowsEvent({ kind: 0, content: '', tags: [] }))).toBe('bad-kind');
    expect(codeOf(() => buildFollowsEvent([{ pubkey: 'AB'.repeat(32) }], T))).toBe('bad-key');
    expect(codeOf(() => buildFollowsEvent([{ pubkey: pk, relay: 'https://x.example' }], T))).toBe('bad-relay-url');
    expect(codeOf(() => buildFollowsEvent([{ pubkey: pk }, { pubkey: pk }], T))).toBe('bad-input');
  });
});

describe('kind 5 deletion (NIP-09)', () => {
  const address = fc.record({
    kind: fc.integer({ min: 0, max: 65535 }),
    pubkey: hex32,
    d: fc.string({ maxLength: 30 }),
  });
  const deletion = fc
    .record({
      eventIds: fc.array(hex32, { maxLength: 5 }),
      addresses: fc.array(address, { maxLength: 5 }),
      reason: text,
    })
    .filter((d) => d.eventIds.length + d.addresses.length > 0);
  it('round-trips e and a tags (d may contain colons), k tags from the addresses', () => {
    fc.assert(
      fc.property(deletion, (d) => {
        const back = parseDeletionEvent(overTheWire(buildDeletionEvent(d, T)));
        expect(back).toEqual({ ...d, kinds: [...new Set(d.addresses.map((a) => a.kind))] });
      }),
      { numRuns: 150 },
    );
  });
  it('refuses malformed targets with bad-tag', () => {
    const ok = 'ab'.repeat(32);
    const p =
      (tags: string[][], kind = 5) =>
      () =>
        parseDeletionEvent({ kind, content: '', tags });
    expect(codeOf(p([['e', ok]], 1))).toBe('bad-kind');
    expect(codeOf(p([]))).toBe('bad-tag');
    expect(codeOf(p([['k', '1']]))).toBe('bad-tag');
    expect(codeOf(p([['e', ok.toUpperCase()]]))).toBe('bad-tag');
    expect(codeOf(p([['e']]))).toBe('bad-tag');
    expect(codeOf(p([['a', `x:${ok}:d`]]))).toBe('bad-tag');
    expect(codeOf(p([['a', `30000:${ok}`]]))).toBe('bad-tag');
    expect(codeOf(p([['a', `70000:${ok}:d`]]))).toBe('bad-tag');
    expect(
      codeOf(
        p([
          ['e', ok],
          ['k', '-1'],
        ]),
      ),
    ).toBe('bad-tag');
    expect(parseDeletionEvent({ kind: 5, content: 'r', tags: [['a', `30000:${ok}:a:b`]] }).addresses).toEqual([
      { kind: 30000, pubkey: ok, d: 'a:b' },
    ]);
    expect(codeOf(() => buildDeletionEvent({}, T))).toBe('bad-tag');
    expect(codeOf(() => buildDeletionEvent({ eventIds: ['nope'] }, T))).toBe('bad-tag');
  });
});

describe('kind 10002 relay list (NIP-65)', () => {
  const entries = fc.uniqueArray(
    fc.record({ url: relayUrl, read: fc.boolean(), write: fc.boolean() }).filter((r) => r.read || r.write),
    { selector: (r) => normalizeRelayUrl(r.url), maxLength: 10 },
  );
  it('round-trips read/write markers, URLs in canonical form', () => {
    fc.assert(
      fc.property(entries, (rs) => {
        const canonical = rs.map((r) => ({ ...r, url: normalizeRelayUrl(r.url) }));
        expect(parseRelayListEvent(overTheWire(buildRelayListEvent(rs, T)))).toEqual({ relays: canonical, skipped: 0 });
      }),
      { numRuns: 150 },
    );
  });
  it('reads NIP-65 markers, merges repeats, skips junk', () => {
    const list = parseRelayListEvent({
      kind: 10002,
      tags: [
        ['r', 'wss://both.example'],
        ['r', 'wss://in.example', 'read'],
        ['r', 'wss://out.example', 'write'],
        ['r', 'wss://in.example', 'write'],
        ['r', 'https://x.example'],
        ['r', 'wss://y.example', 'sometimes'],
      ],
    });
    expect(list).toEqual({
      relays: [
        { url: 'wss://both.example', read: true, write: true },
        { url: 'wss://in.example', read: true, write: true },
        { url: 'wss://out.example', read: false, write: true },
      ],
      skipped: 2,
    });
    expect(relaysFor(list, 'write')).toEqual(['wss://both.example', 'wss://in.example', 'wss://out.example']);
    expect(codeOf(() => parseRelayListEvent({ kind: 10050, tags: [] }))).toBe('bad-kind');
    expect(codeOf(() => buildRelayListEvent([{ url: 'wss://a.example', read: false, write: false }], T))).toBe(
      'bad-input',
    );
    expect(codeOf(() => buildRelayListEvent([{ url: 'ftp://a.example', read: true, write: false }], T))).toBe(
      'bad-relay-url',
    );
    expect(codeOf(() => buildRelayListEvent([{ url: 'wss://relay.damus.io/ foo', read: true, write: false }], T))).toBe(
      'bad-relay-url',
    );
    // one relay written twice (case of the host, trailing slash) is a repeat
    expect(
      codeOf(() =>
        buildRelayListEvent(
          [
            { url: 'wss://a.example', read: true, write: false },
            { url: 'wss://A.example/', read: false, write: true },
          ],
          T,
        ),
      ),
    ).toBe('bad-input');
    expect(
      parseRelayListEvent({
        kind: 10002,
        tags: [
          ['r', 'wss://A.example/', 'read'],
          ['r', 'wss://a.example', 'write'],
          ['r', 'wss://relay.damus.io/ foo'],
        ],
      }),
    ).toEqual({
      relays: [{ url: 'wss://a.example', read: true, write: true }],
      skipped: 1,
    });
  });
});

describe('kind 10050 DM relays (NIP-17)', () => {
  it('round-trips', () => {
    fc.assert(
      fc.property(fc.uniqueArray(relayUrl, { maxLength: 8, selector: (u) => normalizeRelayUrl(u) }), (urls) => {
        expect(parseDmRelaysEvent(overTheWire(buildDmRelaysEvent(urls, T)))).toEqual({
          relays: urls.map((u) => normalizeRelayUrl(u)),
          skipped: 0,
        });
      }),
      { numRuns: 100 },
    );
  });
  it('skips junk and refuses other kinds', () => {
    expect(
      parseDmRelaysEvent({
        kind: 10050,
        tags: [
          ['relay', 'wss://a.example'],
          ['relay', 'http://b'],
          ['relay'],
          ['relay', 'wss://a.example'],
          ['r', 'wss://c.example'],
        ],
      }),
    ).toEqual({
      relays: ['wss://a.example'],
      skipped: 3,
    });
    expect(codeOf(() => parseDmRelaysEvent({ kind: 10002, tags: [] }))).toBe('bad-kind');
    expect(codeOf(() => buildDmRelaysEvent(['wss://a.example', 'wss://a.example'], T))).toBe('bad-input');
  });
});

describe('parsers on arbitrary input', () => {
  it('return a value or throw OtP2pError, never anything else', () => {
    const parsers = [
      parseFollowsEvent,
      parseDeletionEvent,
      parseRelayListEvent,
      parseDmRelaysEvent,
      parseMetadataEvent,
    ];
    fc.assert(
      fc.property(fc.constantFrom(0, 3, 5, 10002, 10050), anyTags, fc.oneof(text, fc.json()), (kind, tags, content) => {
        for (const p of parsers) codeOf(() => p({ kind, tags, content }));
      }),
      { numRuns: 300 },
    );
  });
});
