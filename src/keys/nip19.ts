/**
 * NIP-19 bech32 entities: npub, nsec, note (bare 32 bytes) and nprofile, nevent, naddr (TLV).
 *
 * Errors: `bad-bech32`, `bad-checksum` (from the bech32 layer), `wrong-prefix` (another entity
 * than the one asked for), `wrong-length` (a key or id that is not 32 bytes), `bad-tlv`
 * (truncated TLV, missing or malformed required fields). An `nsec` is never quoted in an error.
 */
import * as check from '../core/assert.ts';
import { OtP2pError, describeValue } from '../core/errors.ts';
import { bytesToHex, concatBytes, hexToBytes, isHex, utf8 } from '../core/bytes.ts';
import { bech32Decode, bech32Encode } from './bech32.ts';

/** NIP-19 prefixes this module decodes. */
export type Nip19Prefix = 'npub' | 'nsec' | 'note' | 'nprofile' | 'nevent' | 'naddr';

/** A profile pointer (nprofile). */
export interface ProfilePointer {
  pubkey: string;
  relays?: string[];
}

/** An event pointer (nevent). */
export interface EventPointer {
  id: string;
  relays?: string[];
  author?: string;
  kind?: number;
}

/** An addressable-event pointer (naddr). */
export interface AddressPointer {
  identifier: string;
  pubkey: string;
  kind: number;
  relays?: string[];
}

/** The result of {@link nip19Decode}. */
export type Nip19Entity =
  | { type: 'npub'; data: string }
  | { type: 'nsec'; data: Uint8Array }
  | { type: 'note'; data: string }
  | { type: 'nprofile'; data: ProfilePointer }
  | { type: 'nevent'; data: EventPointer }
  | { type: 'naddr'; data: AddressPointer };

const TLV_SPECIAL = 0;
const TLV_RELAY = 1;
const TLV_AUTHOR = 2;
const TLV_KIND = 3;

const PREFIXES: readonly string[] = ['npub', 'nsec', 'note', 'nprofile', 'nevent', 'naddr'];

function decodeAs(text: unknown, prefix: Nip19Prefix): Uint8Array {
  const d = bech32Decode(text, prefix);
  if (d.prefix !== prefix) {
    throw new OtP2pError('wrong-prefix', `expected a ${prefix}, got a ${describeValue(d.prefix, 12)} string`, {
      context: { expected: prefix, prefix: d.prefix.slice(0, 12) },
    });
  }
  return d.bytes;
}

function check32(bytes: Uint8Array, what: string): Uint8Array {
  if (bytes.length !== 32) {
    throw new OtP2pError('wrong-length', `${what} must be 32 bytes, got ${bytes.length}`, {
      context: { field: what, length: bytes.length },
    });
  }
  return bytes;
}

function hex32(value: unknown, field: string): Uint8Array {
  if (!isHex(value, 32)) {
    if (typeof value === 'string' && /^[0-9a-f]*$/.test(value) && value.length % 2 === 0) {
      throw new OtP2pError('wrong-length', `${field} must be 32 bytes of hex, got ${value.length / 2}`, {
        context: { field },
      });
    }
    // Not quoted: a user may paste an nsec where a pubkey belongs.
    const got =
      typeof value === 'string' ? `${value.length} characters that are not lowercase hex` : describeValue(value);
    throw new OtP2pError('bad-hex', `${field} must be 64 lowercase hex characters, got ${got}`, { context: { field } });
  }
  return hexToBytes(value, field, 32);
}

function checkKind(kind: unknown, field = 'kind'): number {
  return check.integer(kind, field, 'bad-input', 0, 0xffffffff);
}

/** Parse TLV records; unknown types are kept (the spec says ignore them). */
function parseTlv(bytes: Uint8Array, prefix: string): Map<number, Uint8Array[]> {
  const out = new Map<number, Uint8Array[]>();
  let i = 0;
  while (i < bytes.length) {
    if (i + 2 > bytes.length)
      throw new OtP2pError('bad-tlv', `${prefix} TLV record at byte ${i} is truncated`, {
        context: { prefix, offset: i },
      });
    const t = bytes[i] as number;
    const l = bytes[i + 1] as number;
    if (i + 2 + l > bytes.length) {
      throw new OtP2pError(
        'bad-tlv',
        `${prefix} TLV record type ${t} at byte ${i} claims ${l} bytes, only ${bytes.length - i - 2} left`,
        {
          context: { prefix, offset: i, type: t },
        },
      );
    }
    const list = out.get(t) ?? [];
    list.push(bytes.subarray(i + 2, i + 2 + l));
    out.set(t, list);
    i += 2 + l;
  }
  return out;
}

function encodeTlv(records: [number, Uint8Array][], prefix: string): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const [t, v] of records) {
    if (v.length > 255)
      throw new OtP2pError('bad-tlv', `${prefix} TLV value of type ${t} is ${v.length} bytes, more than 255`, {
        context: { prefix, type: t },
      });
    parts.push(Uint8Array.of(t, v.length), v);
  }
  return concatBytes(...parts);
}

function relaysOf(tlv: Map<number, Uint8Array[]>, prefix: string): string[] {
  const dec = new TextDecoder('utf-8', { fatal: true });
  return (tlv.get(TLV_RELAY) ?? []).map((r) => {
    try {
      return dec.decode(r);
    } catch (cause) {
      throw new OtP2pError('bad-tlv', `${prefix} relay is not valid UTF-8`, { context: { prefix }, cause });
    }
  });
}

function relayRecords(relays: unknown): [number, Uint8Array][] {
  if (relays === undefined) return [];
  if (!Array.isArray(relays) || relays.some((r) => typeof r !== 'string')) {
    throw new OtP2pError('bad-input', `relays must be an array of strings, got ${describeValue(relays)}`, {
      context: { field: 'relays' },
    });
  }
  return (relays as string[]).map((r) => [TLV_RELAY, utf8(r)]);
}

function special(tlv: Map<number, Uint8Array[]>, prefix: string): Uint8Array {
  const v = tlv.get(TLV_SPECIAL)?.[0];
  if (!v) throw new OtP2pError('bad-tlv', `${prefix} has no special (type 0) record`, { context: { prefix } });
  return v;
}

function kindOf(tlv: Map<number, Uint8Array[]>, prefix: string): number | undefined {
  const v = tlv.get(TLV_KIND)?.[0];
  if (!v) return undefined;
  if (v.length !== 4)
    throw new OtP2pError('bad-tlv', `${prefix} kind record must be 4 bytes, got ${v.length}`, { context: { prefix } });
  return new DataView(v.buffer, v.byteOffset, 4).getUint32(0, false);
}

function kindBytes(kind: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, kind, false);
  return b;
}

/** Encode a hex public key as npub. @throws OtP2pError `bad-hex`, `wrong-length`. */
export function npubEncode(pubkey: string): string {
  return bech32Encode('npub', hex32(pubkey, 'pubkey'));
}

/** Decode an npub into a hex public key. @throws OtP2pError `bad-bech32`, `bad-checksum`, `wrong-prefix`, `wrong-length`. */
export function npubDecode(npub: string): string {
  return bytesToHex(check32(decodeAs(npub, 'npub'), 'npub public key'));
}

/** Encode a 32-byte secret key as nsec. @throws OtP2pError `wrong-length`. */
export function nsecEncode(secretKey: Uint8Array): string {
  if (!(secretKey instanceof Uint8Array)) throw new OtP2pError('bad-key', 'secret key must be a Uint8Array');
  return bech32Encode('nsec', check32(secretKey, 'secret key'));
}

/** Decode an nsec into the 32-byte secret key. @throws OtP2pError `bad-bech32`, `bad-checksum`, `wrong-prefix`, `wrong-length`. */
export function nsecDecode(nsec: string): Uint8Array {
  return check32(decodeAs(nsec, 'nsec'), 'nsec secret key');
}

/** Encode a hex event id as note. @throws OtP2pError `bad-hex`, `wrong-length`. */
export function noteEncode(id: string): string {
  return bech32Encode('note', hex32(id, 'id'));
}

/** Decode a note into a hex event id. @throws OtP2pError `bad-bech32`, `bad-checksum`, `wrong-prefix`, `wrong-length`. */
export function noteDecode(note: string): string {
  return bytesToHex(check32(decodeAs(note, 'note'), 'note id'));
}

/** Encode a profile pointer. @throws OtP2pError `bad-hex`, `wrong-length`, `bad-input`, `bad-tlv` (relay over 255 bytes). */
export function nprofileEncode(p: ProfilePointer): string {
  return bech32Encode(
    'nprofile',
    encodeTlv([[TLV_SPECIAL, hex32(p.pubkey, 'pubkey')], ...relayRecords(p.relays)], 'nprofile'),
  );
}

/** Decode an nprofile. @throws OtP2pError `bad-bech32`, `bad-checksum`, `wrong-prefix`, `wrong-length`, `bad-tlv`. */
export function nprofileDecode(text: string): ProfilePointer {
  const tlv = parseTlv(decodeAs(text, 'nprofile'), 'nprofile');
  return {
    pubkey: bytesToHex(check32(special(tlv, 'nprofile'), 'nprofile pubkey')),
    relays: relaysOf(tlv, 'nprofile'),
  };
}

/** Encode an event pointer. @throws OtP2pError `bad-hex`, `wrong-length`, `bad-input`, `bad-tlv`. */
export function neventEncode(p: EventPointer): string {
  const recs: [number, Uint8Array][] = [[TLV_SPECIAL, hex32(p.id, 'id')], ...relayRecords(p.relays)];
  if (p.author !== undefined) recs.push([TLV_AUTHOR, hex32(p.author, 'author')]);
  if (p.kind !== undefined) recs.push([TLV_KIND, kindBytes(checkKind(p.kind))]);
  return bech32Encode('nevent', encodeTlv(recs, 'nevent'));
}

/** Decode an nevent. @throws OtP2pError `bad-bech32`, `bad-checksum`, `wrong-prefix`, `wrong-length`, `bad-tlv`. */
export function neventDecode(text: string): EventPointer {
  const tlv = parseTlv(decodeAs(text, 'nevent'), 'nevent');
  const out: EventPointer = {
    id: bytesToHex(check32(special(tlv, 'nevent'), 'nevent id')),
    relays: relaysOf(tlv, 'nevent'),
  };
  const author = tlv.get(TLV_AUTHOR)?.[0];
  if (author) out.author = bytesToHex(check32(author, 'nevent author'));
  const kind = kindOf(tlv, 'nevent');
  if (kind !== undefined) out.kind = kind;
  return out;
}

/** Encode an address pointer. @throws OtP2pError `bad-hex`, `wrong-length`, `bad-input`, `bad-tlv`. */
export function naddrEncode(p: AddressPointer): string {
  if (typeof p.identifier !== 'string')
    throw new OtP2pError('bad-input', `identifier must be a string, got ${describeValue(p.identifier)}`);
  const recs: [number, Uint8Array][] = [
    [TLV_SPECIAL, utf8(p.identifier)],
    ...relayRecords(p.relays),
    [TLV_AUTHOR, hex32(p.pubkey, 'pubkey')],
    [TLV_KIND, kindBytes(checkKind(p.kind))],
  ];
  return bech32Encode('naddr', encodeTlv(recs, 'naddr'));
}

/** Decode an naddr. @throws OtP2pError `bad-bech32`, `bad-checksum`, `wrong-prefix`, `wrong-length`, `bad-tlv`. */
export function naddrDecode(text: string): AddressPointer {
  const tlv = parseTlv(decodeAs(text, 'naddr'), 'naddr');
  let identifier: string;
  try {
    identifier = new TextDecoder('utf-8', { fatal: true }).decode(special(tlv, 'naddr'));
  } catch (cause) {
    if (cause instanceof OtP2pError) throw cause;
    throw new OtP2pError('bad-tlv', 'naddr identifier is not valid UTF-8', { cause });
  }
  const author = tlv.get(TLV_AUTHOR)?.[0];
  if (!author) throw new OtP2pError('bad-tlv', 'naddr has no author (type 2) record', { context: { prefix: 'naddr' } });
  const kind = kindOf(tlv, 'naddr');
  if (kind === undefined)
    throw new OtP2pError('bad-tlv', 'naddr has no kind (type 3) record', { context: { prefix: 'naddr' } });
  return { identifier, pubkey: bytesToHex(check32(author, 'naddr author')), kind, relays: relaysOf(tlv, 'naddr') };
}

/**
 * Decode any NIP-19 entity, dispatching on its prefix.
 * @throws OtP2pError `wrong-prefix` for a prefix that is not a NIP-19 entity, or any code of the
 *   specific decoders.
 */
export function nip19Decode(text: string): Nip19Entity {
  const d = bech32Decode(text, 'nip19');
  switch (d.prefix) {
    case 'npub':
      return { type: 'npub', data: npubDecode(text) };
    case 'nsec':
      return { type: 'nsec', data: nsecDecode(text) };
    case 'note':
      return { type: 'note', data: noteDecode(text) };
    case 'nprofile':
      return { type: 'nprofile', data: nprofileDecode(text) };
    case 'nevent':
      return { type: 'nevent', data: neventDecode(text) };
    case 'naddr':
      return { type: 'naddr', data: naddrDecode(text) };
    default:
      throw new OtP2pError(
        'wrong-prefix',
        `expected one of ${PREFIXES.join(', ')}, got ${describeValue(d.prefix, 12)}`,
        {
          context: { prefix: d.prefix.slice(0, 12) },
        },
      );
  }
}

/**
 * Accept a public key as hex or npub (what users paste).
 * @throws OtP2pError as {@link npubDecode}, or `bad-hex`/`wrong-length` for hex.
 */
export function parsePubkey(text: string, field = 'pubkey'): string {
  if (typeof text === 'string' && text.toLowerCase().startsWith('npub1')) return npubDecode(text);
  return bytesToHex(hex32(text, field));
}
