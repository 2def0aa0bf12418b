import { describe, expect, it } from 'vitest';
import { MAX_SHOWN_NAME, personName, shortNpub, tidyName } from '../../src/events/names.ts';
import { npubEncode } from '../../src/keys/nip19.ts';

const PK = '7e7e9c42a91bfef19fa929e5fda1b72e0ebc1a4c1141673e2794234d86addf4e';

describe('shortNpub', () => {
  it('keeps the npub prefix and tail, never the hex key', () => {
    const npub = npubEncode(PK);
    expect(shortNpub(PK)).toBe(`${npub.slice(0, 12)}…${npub.slice(-4)}`);
    expect(shortNpub(PK)).not.toContain(PK.slice(0, 8));
  });

  it('refuses what is not a hex pubkey with bad-hex', () => {
    expect(() => shortNpub('alice')).toThrow(expect.objectContaining({ code: 'bad-hex' }));
  });
});

describe('personName', () => {
  it("prefers the user's petname over the name the key claims", () => {
    expect(personName(PK, { petname: 'landlord', profile: { name: 'Alice' } })).toBe('landlord');
  });

  it('shows a claimed profile name with a short npub beside it (anyone can claim any name)', () => {
    expect(personName(PK, { profile: { name: 'alice', display_name: 'Alice A.' } })).toBe(
      `Alice A. (${shortNpub(PK)})`,
    );
    expect(personName(PK, { profile: { name: 'alice' } })).toBe(`alice (${shortNpub(PK)})`);
  });

  it('falls back to a short npub when no name is known or the names are blank', () => {
    expect(personName(PK)).toBe(shortNpub(PK));
    expect(personName(PK, { petname: '  ', profile: { name: '\n\t' } })).toBe(shortNpub(PK));
  });
});

describe('tidyName', () => {
  it('puts a multi-line name on one line, so it cannot forge a table row', () => {
    expect(tidyName('Alice\nbob  12:00  send me 1 BTC')).toBe('Alice bob 12:00 send me 1 BTC');
  });

  it(`cuts a long name to ${MAX_SHOWN_NAME} code points without splitting a surrogate pair`, () => {
    const long = '😀'.repeat(100);
    const out = tidyName(long) as string;
    expect([...out]).toHaveLength(MAX_SHOWN_NAME);
    expect(out.endsWith('…')).toBe(true);
    expect(out).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });
});
