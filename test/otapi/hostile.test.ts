import { deflateSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { armor, dearmor, packString } from '../../src/otapi/armor.ts';
import { parseAccountFile, parseMintFile, parseWallet, readOtDocument } from '../../src/otapi/files.ts';
import { parseSignedContract } from '../../src/otapi/signed.ts';
import { SimulatedNotary } from '../../src/otapi/notary.ts';
import { parseXml } from '../../src/otapi/xml.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { codeOf } from '../helpers/errors.ts';

function rawArmor(label: string, b64: string): string {
  return `-----BEGIN OT ARMORED ${label}-----\nVersion: x\n\n${b64}\n-----END OT ARMORED ${label}-----\n`;
}

const notary = SimulatedNotary.open({
  ledgerPath: ':memory:',
  seed: new Uint8Array(32).fill(3),
  clock: new ManualClock(),
});
const unit = notary.units[0]!.id;
const goodMint = notary.mintFileFor(unit, 'alice');

describe('hostile OT files give exact typed codes', () => {
  it('XML bomb (DOCTYPE with nested entities) -> bad-xml, without expanding anything', () => {
    const bomb = `<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<wallet>&lol3;</wallet>`;
    expect(codeOf(() => parseXml(bomb))).toBe('bad-xml');
    expect(codeOf(() => parseWallet(armor(bomb, 'WALLET')))).toBe('bad-xml');
  });

  it('custom or external entity without a DOCTYPE -> bad-xml', () => {
    expect(codeOf(() => parseXml('<a>&xxe;</a>'))).toBe('bad-xml');
    expect(codeOf(() => parseXml('<a b="&foo;"/>'))).toBe('bad-xml');
    expect(codeOf(() => parseXml('<a>&#0;</a>'))).toBe('bad-xml');
    expect(codeOf(() => parseXml('<a>&#xD800;</a>'))).toBe('bad-xml');
    expect(parseXml('<a b="&lt;&amp;&#65;&#x42;">&quot;&apos;&gt;</a>')).toEqual({
      name: 'a',
      attrs: Object.assign(Object.create(null), { b: '<&AB' }),
      children: ['"\'>'],
    });
  });

  it('deep nesting -> xml-too-deep (iterative parser, no stack overflow)', () => {
    const deep = `${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}`;
    expect(codeOf(() => parseXml(deep))).toBe('xml-too-deep');
    expect(codeOf(() => parseXml(`${'<a>'.repeat(64)}${'</a>'.repeat(64)}`))).toBe('no-error');
    expect(codeOf(() => parseXml(`${'<a>'.repeat(65)}${'</a>'.repeat(65)}`))).toBe('xml-too-deep');
  });

  it('XML over the size cap -> too-large; syntax errors -> bad-xml', () => {
    expect(codeOf(() => parseXml(`<a>${'x'.repeat(100)}</a>`, { maxChars: 50 }))).toBe('too-large');
    for (const bad of [
      '',
      'text',
      '<a>',
      '<a></b>',
      '<a b=c/>',
      '<a b="1" b="2"/>',
      '<a/><b/>',
      '<a>x</a>tail',
      '<a b="<"/>',
      '<!-- open',
      '<a><![CDATA[x</a>',
    ]) {
      expect(
        codeOf(() => parseXml(bad)),
        bad,
      ).toBe('bad-xml');
    }
  });

  it('bad base64 -> bad-base64', () => {
    expect(codeOf(() => dearmor(rawArmor('MINT', 'eNq!!notbase64')))).toBe('bad-base64');
    expect(codeOf(() => dearmor(rawArmor('MINT', 'abc')))).toBe('bad-base64');
  });

  it('zlib bomb -> inflate-too-large (capped by maxOutputLength)', () => {
    const bomb = deflateSync(Buffer.alloc(16 * 1024 * 1024), { level: 9 }).toString('base64');
    expect(bomb.length).toBeLessThan(50_000);
    expect(codeOf(() => dearmor(rawArmor('MINT', bomb)))).toBe('inflate-too-large');
    expect(
      codeOf(() =>
        dearmor(rawArmor('MINT', deflateSync(Buffer.alloc(2000)).toString('base64')), { maxInflatedBytes: 1000 }),
      ),
    ).toBe('inflate-too-large');
  });

  it('truncated files -> bad-armor / inflate-failed / bad-ot-file', () => {
    expect(codeOf(() => dearmor(goodMint.slice(0, goodMint.length / 2)))).toBe('bad-armor');
    expect(codeOf(() => dearmor('just text'))).toBe('bad-armor');
    expect(codeOf(() => dearmor(goodMint.replace('END OT ARMORED MINT', 'END OT ARMORED WALLET')))).toBe('bad-armor');
    const deflated = deflateSync(Buffer.from('-----BEGIN SIGNED MINT-----\nHash: x\n\n<mint/>\n'));
    const truncated = deflated.subarray(0, deflated.length - 6).toString('base64');
    expect(codeOf(() => dearmor(rawArmor('MINT', truncated)))).toBe('inflate-failed');
    expect(codeOf(() => dearmor(rawArmor('MINT', Buffer.from('not zlib at all').toString('base64'))))).toBe(
      'inflate-failed',
    );
    const signedNoSig = armor('-----BEGIN SIGNED MINT-----\nHash: HASH256\n\n<mint/>\n', 'MINT');
    expect(codeOf(() => parseMintFile(signedNoSig))).toBe('bad-ot-file');
  });

  it('a well-formed contract that is not a valid mint -> bad-mint', () => {
    const sign = (body: string): string =>
      armor(
        `-----BEGIN SIGNED MINT-----\nHash: HASH256\n\n${body}\n-----BEGIN MINT SIGNATURE-----\n\nAAAA\n-----END MINT SIGNATURE-----\n`,
        'MINT',
      );
    const attrs =
      'notaryID="otxA" serverNymID="otxB" instrumentDefinitionID="otxC" series="0" expiration="1" validFrom="1" validTo="2"';
    const info = `<mintPublicInfo denomination="1">${packString('g=1\np=2\npublic=3\n')}</mintPublicInfo>`;
    expect(codeOf(() => parseMintFile(sign(`<mint ${attrs}>${info}</mint>`)))).toBe('no-error');
    expect(codeOf(() => parseMintFile(sign(`<mint ${attrs}></mint>`)))).toBe('bad-mint');
    expect(codeOf(() => parseMintFile(sign(`<mint ${attrs.replace('series="0"', 'series="x"')}>${info}</mint>`)))).toBe(
      'bad-mint',
    );
    expect(
      codeOf(() => parseMintFile(sign(`<mint ${attrs.replace('validTo="2"', 'validTo="tomorrow"')}>${info}</mint>`))),
    ).toBe('bad-mint');
    expect(codeOf(() => parseMintFile(sign(`<mint ${attrs}>${info}${info}</mint>`)))).toBe('bad-mint');
    expect(codeOf(() => parseMintFile(sign(`<notmint ${attrs}>${info}</notmint>`)))).toBe('bad-mint');
    expect(
      codeOf(() => parseMintFile(sign(`<mint ${attrs}><mintPublicInfo denomination="1">!!</mintPublicInfo></mint>`))),
    ).toBe('bad-base64');
  });

  it('fuzz: arbitrary and mutated input never crashes, only OtP2pError', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        for (const fn of [
          () => parseXml(s),
          () => dearmor(s),
          () => readOtDocument(s),
          () => parseMintFile(s),
          () => parseWallet(s),
          () => parseAccountFile(s),
          () => parseSignedContract(s),
        ]) {
          expect(codeOf(fn)).not.toBe('foreign-error');
        }
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(
        fc.nat(goodMint.length - 1),
        fc.nat(goodMint.length),
        fc.string({ maxLength: 8 }),
        (at, len, insert) => {
          const mutated = goodMint.slice(0, at) + insert + goodMint.slice(Math.min(goodMint.length, at + (len % 16)));
          expect(codeOf(() => parseMintFile(mutated))).not.toBe('foreign-error');
        },
      ),
      { numRuns: 300 },
    );
    const inner = dearmor(goodMint).text;
    fc.assert(
      fc.property(
        fc.nat(inner.length - 1),
        fc.nat(40),
        fc.constantFrom('', '<', '>', '"', '&', '</mint>', '<a>', '&#x;', '='),
        (at, cut, insert) => {
          const mutated = inner.slice(0, at) + insert + inner.slice(at + cut);
          expect(codeOf(() => parseMintFile(armor(mutated, 'MINT')))).not.toBe('foreign-error');
        },
      ),
      { numRuns: 300 },
    );
  });
});
