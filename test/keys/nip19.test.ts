import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as nt from 'nostr-tools/nip19';
import {
  bech32Decode,
  bech32Encode,
  naddrDecode,
  naddrEncode,
  neventDecode,
  neventEncode,
  nip19Decode,
  noteDecode,
  noteEncode,
  nprofileDecode,
  nprofileEncode,
  npubDecode,
  npubEncode,
  nsecDecode,
  nsecEncode,
  parsePubkey,
} from '../../src/keys/index.ts';
import { bytesToHex, hexToBytes } from '../../src/core/bytes.ts';
import { OtP2pError } from '../../src/core/errors.ts';
import { HAS_SHARED, readVectors } from '../helpers/shared.ts';
import { codeOf, errorOf } from '../helpers/errors.ts';

interface V {
  type: string;
  bech32: string;
  hex?: string;
  pubkey?: string;
  relays?: string[];
  relays_contain?: string[];
  kind?: number;
  identifier?: string;
}

describe.skipIf(!HAS_SHARED)('NIP-19 vectors (../shared/vectors/nip19.vectors.json)', () => {
  const file = HAS_SHARED
    ? readVectors<{ spec: V[]; nostr_tools: V[] }>('nip19.vectors.json')
    : { spec: [], nostr_tools: [] };
  const all = [...file.spec, ...file.nostr_tools];

  it('covers every vector', () => {
    expect(all.length).toBe(7);
  });

  it.each(all.map((v) => [v.type, v.bech32.slice(0, 24), v] as const))('%s %s', (type, _short, v) => {
    switch (type) {
      case 'npub':
        expect(npubDecode(v.bech32)).toBe(v.hex);
        expect(npubEncode(v.hex as string)).toBe(v.bech32);
        expect(nip19Decode(v.bech32)).toEqual({ type: 'npub', data: v.hex });
        break;
      case 'nsec':
        expect(bytesToHex(nsecDecode(v.bech32))).toBe(v.hex);
        expect(nsecEncode(hexToBytes(v.hex as string))).toBe(v.bech32);
        break;
      case 'nprofile':
        expect(nprofileDecode(v.bech32)).toEqual({ pubkey: v.pubkey, relays: v.relays });
        expect(nprofileEncode({ pubkey: v.pubkey as string, relays: v.relays as string[] })).toBe(v.bech32);
        break;
      case 'naddr': {
        const d = naddrDecode(v.bech32);
        expect(d).toMatchObject({ pubkey: v.pubkey, kind: v.kind, identifier: v.identifier });
        if (v.relays_contain) for (const r of v.relays_contain) expect(d.relays).toContain(r);
        // re-encoding in our (standard) TLV order decodes to the same pointer
        expect(naddrDecode(naddrEncode(d))).toEqual(d);
        break;
      }
      case 'invalid':
        expect(codeOf(() => nip19Decode(v.bech32))).toBe('bad-tlv');
        break;
      default:
        throw new Error(`unhandled vector type ${type}`);
    }
  });
});

const PK = '3bf0c63fcb93463407af97a5e5ee64fa883d107ef9e558472c4eb9aaaefa459d';
const NPUB = 'npub180cvv07tjdrrgpa0j7j7tmnyl2yr6yr7l8j4s3evf6u64th6gkwsyjh6w6';
const NSEC = 'nsec1vl029mgpspedva04g90vltkh6fvh240zqtv9k0t9af8935ke9laqsnlfe5';

describe('NIP-19 invalid input gets exact codes', () => {
  it('bad checksum', () => {
    const flipped = `${NPUB.slice(0, -1)}${NPUB.endsWith('q') ? 'p' : 'q'}`;
    expect(codeOf(() => npubDecode(flipped))).toBe('bad-checksum');
    const swapped = `npub1${NPUB[6]}${NPUB[5]}${NPUB.slice(7)}`;
    expect(codeOf(() => npubDecode(swapped))).toBe('bad-checksum');
  });

  it('wrong prefix', () => {
    expect(codeOf(() => npubDecode(NSEC))).toBe('wrong-prefix');
    expect(codeOf(() => nsecDecode(NPUB))).toBe('wrong-prefix');
    expect(codeOf(() => noteDecode(NPUB))).toBe('wrong-prefix');
    expect(codeOf(() => nprofileDecode(NPUB))).toBe('wrong-prefix');
    expect(codeOf(() => nip19Decode(bech32Encode('lnbc', new Uint8Array(32))))).toBe('wrong-prefix');
  });

  it('wrong length', () => {
    for (const n of [0, 31, 33, 64]) {
      expect(codeOf(() => npubDecode(bech32Encode('npub', new Uint8Array(n).fill(7))))).toBe('wrong-length');
      expect(codeOf(() => nsecDecode(bech32Encode('nsec', new Uint8Array(n).fill(7))))).toBe('wrong-length');
      expect(codeOf(() => noteDecode(bech32Encode('note', new Uint8Array(n).fill(7))))).toBe('wrong-length');
    }
    expect(codeOf(() => nprofileDecode(bech32Encode('nprofile', Uint8Array.of(0, 31, ...new Uint8Array(31)))))).toBe(
      'wrong-length',
    );
    expect(codeOf(() => npubEncode(PK.slice(2)))).toBe('wrong-length');
    expect(codeOf(() => nsecEncode(new Uint8Array(16)))).toBe('wrong-length');
  });

  it('bad bech32', () => {
    expect(codeOf(() => npubDecode('npub1bbbbbbbbbbb'))).toBe('bad-bech32'); // 'b' is outside the alphabet
    expect(codeOf(() => npubDecode('npubqqqqqqqqqqqq'))).toBe('bad-bech32'); // no separator
    expect(codeOf(() => npubDecode(`${NPUB.slice(0, 10).toUpperCase()}${NPUB.slice(10)}`))).toBe('bad-bech32'); // mixed case
    expect(codeOf(() => npubDecode('npub1qqq'))).toBe('bad-bech32'); // shorter than a checksum
    expect(codeOf(() => npubDecode(`npub1${'q'.repeat(6000)}`))).toBe('bad-bech32'); // too long
    expect(codeOf(() => npubDecode(42 as unknown as string))).toBe('bad-bech32');
    expect(npubDecode(NPUB.toUpperCase())).toBe(PK); // all upper case is valid bech32
  });

  it('bad TLV', () => {
    const truncated = bech32Encode('nevent', Uint8Array.of(0, 32, 1, 2, 3));
    expect(codeOf(() => neventDecode(truncated))).toBe('bad-tlv');
    expect(codeOf(() => neventDecode(bech32Encode('nevent', Uint8Array.of(0))))).toBe('bad-tlv');
    expect(codeOf(() => nprofileDecode(bech32Encode('nprofile', Uint8Array.of(1, 3, 0x61, 0x62, 0x63))))).toBe(
      'bad-tlv',
    ); // no special
    const noKind = bech32Encode('naddr', Uint8Array.of(0, 1, 0x61, 2, 32, ...hexToBytes(PK)));
    expect(codeOf(() => naddrDecode(noKind))).toBe('bad-tlv');
    const shortKind = bech32Encode('nevent', Uint8Array.of(0, 32, ...hexToBytes(PK), 3, 2, 0, 1));
    expect(codeOf(() => neventDecode(shortKind))).toBe('bad-tlv');
    const badRelay = bech32Encode('nprofile', Uint8Array.of(0, 32, ...hexToBytes(PK), 1, 2, 0xff, 0xfe));
    expect(codeOf(() => nprofileDecode(badRelay))).toBe('bad-tlv');
    expect(codeOf(() => nprofileEncode({ pubkey: PK, relays: ['x'.repeat(256)] }))).toBe('bad-tlv');
  });

  it('ignores unknown TLV types, as the spec says', () => {
    const text = bech32Encode('nprofile', Uint8Array.of(9, 2, 1, 2, 0, 32, ...hexToBytes(PK)));
    expect(nprofileDecode(text)).toEqual({ pubkey: PK, relays: [] });
  });

  it('never quotes an nsec in an error', () => {
    const bad = `${NSEC.slice(0, -1)}${NSEC.endsWith('q') ? 'p' : 'q'}`;
    for (const fn of [() => nsecDecode(bad), () => npubDecode(NSEC), () => nip19Decode(bad), () => parsePubkey(NSEC)]) {
      const e = errorOf(fn);
      const dump = `${e.message} ${JSON.stringify(e.toJSON())}`;
      expect(dump).not.toContain(NSEC.slice(5, 30));
      expect(dump).not.toContain(bad.slice(5, 30));
    }
  });

  it('parsePubkey accepts hex or npub', () => {
    expect(parsePubkey(NPUB)).toBe(PK);
    expect(parsePubkey(PK)).toBe(PK);
    expect(codeOf(() => parsePubkey('zz'))).toBe('bad-hex');
  });
});

const hex32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(bytesToHex);
const relays = fc.array(fc.string({ maxLength: 60 }), { maxLength: 4 });
const kind = fc.integer({ min: 0, max: 0xffffffff });

describe('NIP-19 properties', () => {
  it('round-trips npub, nsec and note, and matches nostr-tools', () => {
    fc.assert(
      fc.property(hex32, (h) => {
        expect(npubDecode(npubEncode(h))).toBe(h);
        expect(noteDecode(noteEncode(h))).toBe(h);
        expect(npubEncode(h)).toBe(nt.npubEncode(h));
        const sk = hexToBytes(h);
        expect(bytesToHex(nsecDecode(nsecEncode(sk)))).toBe(h);
        expect(nsecEncode(sk)).toBe(nt.nsecEncode(sk));
      }),
      { numRuns: 200 },
    );
  });

  it('round-trips nprofile, nevent and naddr, and matches nostr-tools', () => {
    fc.assert(
      fc.property(
        hex32,
        hex32,
        relays,
        kind,
        fc.string({ maxLength: 80 }),
        fc.boolean(),
        (a, b, rs, k, ident, full) => {
          const rs2 = rs.filter((r) => new TextEncoder().encode(r).length <= 255);
          expect(nprofileDecode(nprofileEncode({ pubkey: a, relays: rs2 }))).toEqual({ pubkey: a, relays: rs2 });
          const ev = full ? { id: a, relays: rs2, author: b, kind: k } : { id: a, relays: rs2 };
          expect(neventDecode(neventEncode(ev))).toEqual(ev);
          const ad = { identifier: ident, pubkey: b, kind: k, relays: rs2 };
          expect(naddrDecode(naddrEncode(ad))).toEqual(ad);
          // TLV order is not canonical (nostr-tools writes it reversed), so compare by decoding
          // each other's output.
          expect(nprofileDecode(nt.nprofileEncode({ pubkey: a, relays: rs2 }))).toEqual({ pubkey: a, relays: rs2 });
          expect(nt.decode(nprofileEncode({ pubkey: a, relays: rs2 })).data).toEqual({ pubkey: a, relays: rs2 });
          expect(neventDecode(nt.neventEncode(ev))).toEqual(ev);
          expect(nt.decode(neventEncode(ev)).data).toMatchObject(ev);
          expect(naddrDecode(nt.naddrEncode(ad))).toEqual(ad);
          expect(nt.decode(naddrEncode(ad)).data).toEqual(ad);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('never crashes on arbitrary strings or payloads: a value or an OtP2pError', () => {
    const prefixes = fc.constantFrom('npub', 'nsec', 'note', 'nprofile', 'nevent', 'naddr', 'nrelay');
    fc.assert(
      fc.property(prefixes, fc.uint8Array({ maxLength: 300 }), (p, bytes) => {
        try {
          nip19Decode(bech32Encode(p, bytes));
        } catch (e) {
          expect(e).toBeInstanceOf(OtP2pError);
        }
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), (s) => {
        try {
          nip19Decode(s);
        } catch (e) {
          expect(e).toBeInstanceOf(OtP2pError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('any single-character substitution is caught by the checksum or the alphabet', () => {
    const alphabet = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
    fc.assert(
      fc.property(fc.integer({ min: 5, max: NPUB.length - 1 }), fc.constantFrom(...alphabet), (pos, c) => {
        fc.pre(NPUB[pos] !== c);
        const mutated = NPUB.slice(0, pos) + c + NPUB.slice(pos + 1);
        expect(codeOf(() => npubDecode(mutated))).toBe('bad-checksum');
      }),
      { numRuns: 300 },
    );
  });

  it('bech32Decode agrees with its encoder on the prefix', () => {
    expect(bech32Decode(NPUB).prefix).toBe('npub');
  });
});
