/**
 * OT armor: `-----BEGIN OT ARMORED <LABEL>-----`, optional `Key: value` header lines, a blank
 * line, base64 of zlib-deflated text, `-----END OT ARMORED <LABEL>-----`.
 *
 * Classic (2013-2014) files wrap the inflated text in a protobuf string message (0x0a, varint
 * length, bytes); 0.94 files do not. Inflation is capped through zlib's `maxOutputLength` so a
 * zlib bomb costs at most the cap in memory, never the whole expansion.
 */
import { deflateSync, inflateSync } from 'node:zlib';
import { OtP2pError, describeValue } from '../core/errors.ts';

/** Default cap on inflated bytes (a real mint is ~20 KiB inflated; contracts ~30 KiB). */
export const DEFAULT_MAX_INFLATED = 4 * 1024 * 1024;
/** Default cap on the armored input itself. */
export const DEFAULT_MAX_ARMORED = 8 * 1024 * 1024;

/** Options for {@link dearmor} and {@link inflateCapped}. */
export interface DearmorOptions {
  /** Maximum inflated size in bytes (default {@link DEFAULT_MAX_INFLATED}). */
  maxInflatedBytes?: number;
  /** Maximum armored input size in characters (default {@link DEFAULT_MAX_ARMORED}). */
  maxArmoredChars?: number;
}

/** A dearmored OT file. */
export interface Dearmored {
  /** The label after `OT ARMORED`, e.g. `MINT`, `WALLET`, `CONTRACT`, `ACCOUNT`. */
  label: string;
  /** Header lines (`Version`, `Comment`, ...), in order. */
  headers: Array<[string, string]>;
  /** Whether the inflated bytes were wrapped in a protobuf string message (classic files). */
  protobufWrapped: boolean;
  /** The inflated text (LF line endings preserved as found). */
  text: string;
}

const BEGIN_RE = /^-----BEGIN OT ARMORED ([A-Z0-9 _]{1,40})-----$/;
const END_RE = /^-----END OT ARMORED ([A-Z0-9 _]{1,40})-----$/;
const HEADER_RE = /^([A-Za-z][A-Za-z0-9-]{0,40}):[ \t]*(.*)$/;
const B64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

/** Whether `text` looks like an OT armored file (it has a BEGIN OT ARMORED line). */
export function isArmored(text: string): boolean {
  return /^-----BEGIN OT ARMORED /m.test(text);
}

/**
 * Strict base64 (RFC 4648 alphabet, padding required, whitespace already removed).
 * @throws OtP2pError `bad-base64`.
 */
export function decodeBase64Strict(b64: string, field = 'base64'): Buffer {
  if (b64.length % 4 !== 0 || !B64_RE.test(b64)) {
    throw new OtP2pError('bad-base64', `${field} is not valid base64 (${b64.length} characters)`, {
      context: { field },
    });
  }
  return Buffer.from(b64, 'base64');
}

/**
 * Inflate zlib data with a hard cap on the output.
 * @throws OtP2pError `inflate-too-large` over the cap, `inflate-failed` on a corrupt or truncated stream.
 */
export function inflateCapped(data: Uint8Array, maxBytes = DEFAULT_MAX_INFLATED, field = 'data'): Buffer {
  try {
    return inflateSync(data, { maxOutputLength: maxBytes });
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || (cause instanceof RangeError && /buffer|length/i.test(cause.message))) {
      throw new OtP2pError('inflate-too-large', `${field} inflates to more than ${maxBytes} bytes`, {
        context: { field, maxBytes },
      });
    }
    throw new OtP2pError('inflate-failed', `${field} is not a valid zlib stream`, { context: { field }, cause });
  }
}

/** Read a protobuf varint at `pos`; returns [value, next position] or undefined when malformed. */
function readVarint(buf: Uint8Array, pos: number): [number, number] | undefined {
  let value = 0;
  let shift = 0;
  for (let i = pos; i < buf.length && i < pos + 5; i++) {
    const b = buf[i] as number;
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [value, i + 1];
    shift += 7;
  }
  return undefined;
}

/**
 * Unwrap a classic protobuf string message (field 1, wire type 2) when the bytes are exactly one.
 * Returns the inner bytes, or undefined when the bytes are not such a message.
 */
export function unwrapProtobufString(buf: Uint8Array): Uint8Array | undefined {
  if (buf.length < 2 || buf[0] !== 0x0a) return undefined;
  const v = readVarint(buf, 1);
  if (!v) return undefined;
  const [len, start] = v;
  if (start + len !== buf.length) return undefined;
  return buf.subarray(start);
}

/** Wrap bytes in a protobuf string message (field 1), as classic OT did. */
export function wrapProtobufString(inner: Uint8Array): Uint8Array {
  const head: number[] = [0x0a];
  let n = inner.length;
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    head.push(b);
  } while (n > 0);
  return Buffer.concat([Buffer.from(head), inner]);
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** Lines of an OT text whatever its line endings (CRLF, CR or LF). */
export function splitLines(text: string): string[] {
  return text.replace(/\r\n?/g, '\n').split('\n');
}

/** The first line matching a `-----BEGIN <LABEL>-----` pattern (label in group 1), if any. */
export function findBeginLine(lines: readonly string[], re: RegExp): { index: number; label: string } | undefined {
  for (let index = 0; index < lines.length; index++) {
    const m = re.exec((lines[index] as string).trim());
    if (m) return { index, label: m[1] as string };
  }
  return undefined;
}

/**
 * Decode armored OT text: find the BEGIN/END lines, skip the header lines, decode base64, inflate
 * (capped), unwrap a classic protobuf string, and decode UTF-8.
 * @throws OtP2pError `bad-armor` (no BEGIN/END, mismatched labels, truncated, over the size cap),
 *   `bad-base64`, `inflate-failed`, `inflate-too-large`, `bad-ot-file` (inflated bytes not UTF-8).
 */
export function dearmor(input: string | Uint8Array, options: DearmorOptions = {}): Dearmored {
  const maxArmored = options.maxArmoredChars ?? DEFAULT_MAX_ARMORED;
  if (input.length > maxArmored) {
    throw new OtP2pError('bad-armor', `armored input is ${input.length} bytes, over the limit of ${maxArmored}`, {
      context: { length: input.length },
    });
  }
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('latin1');
  const lines = splitLines(text);
  const begin = findBeginLine(lines, BEGIN_RE);
  if (!begin) throw new OtP2pError('bad-armor', 'no -----BEGIN OT ARMORED ...----- line');
  const label = begin.label;
  let i = begin.index + 1;
  const headers: Array<[string, string]> = [];
  for (; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    const h = HEADER_RE.exec(line);
    if (!h) break;
    headers.push([h[1] as string, (h[2] as string).trim()]);
  }
  const body: string[] = [];
  let ended = false;
  for (; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line.startsWith('-----')) {
      const m = END_RE.exec(line);
      if (!m) throw new OtP2pError('bad-armor', `unexpected armor line ${describeValue(line)}`, { context: { label } });
      if (m[1] !== label) {
        throw new OtP2pError(
          'bad-armor',
          `armor ends with label ${describeValue(m[1])}, began with ${describeValue(label)}`,
          { context: { label } },
        );
      }
      ended = true;
      break;
    }
    if (line !== '') body.push(line);
  }
  if (!ended)
    throw new OtP2pError('bad-armor', `armored ${label} is truncated: no -----END OT ARMORED ${label}----- line`, {
      context: { label },
    });
  const b64 = body.join('');
  if (b64 === '') throw new OtP2pError('bad-armor', `armored ${label} has an empty body`, { context: { label } });
  const deflated = decodeBase64Strict(b64, `armored ${label}`);
  const inflated = inflateCapped(deflated, options.maxInflatedBytes ?? DEFAULT_MAX_INFLATED, `armored ${label}`);
  const inner = unwrapProtobufString(inflated);
  const bytes = inner ?? inflated;
  let out: string;
  try {
    out = utf8Strict.decode(bytes);
  } catch (cause) {
    throw new OtP2pError('bad-ot-file', `armored ${label} does not inflate to UTF-8 text`, {
      context: { label },
      cause,
    });
  }
  return { label, headers, protobufWrapped: inner !== undefined, text: out };
}

/** Options for {@link armor}. */
export interface ArmorOptions {
  /** zlib level 0..9 (default 9, as OT). */
  level?: number;
  headers?: Array<[string, string]>;
  /** Line ending (default LF). */
  eol?: '\n' | '\r\n';
  /** Wrap in a protobuf string message first (classic files). */
  protobufWrap?: boolean;
  /** Base64 line length (default 64). */
  lineLength?: number;
}

/** Armor `text` as OT does (the inverse of {@link dearmor}). */
export function armor(text: string, label: string, options: ArmorOptions = {}): string {
  const eol = options.eol ?? '\n';
  const raw = Buffer.from(text, 'utf8');
  const payload = options.protobufWrap ? wrapProtobufString(raw) : raw;
  const b64 = deflateSync(payload, { level: options.level ?? 9 }).toString('base64');
  const width = options.lineLength ?? 64;
  const rows: string[] = [];
  for (let p = 0; p < b64.length; p += width) rows.push(b64.slice(p, p + width));
  const headers = options.headers ?? [['Version', 'otp2p SimulatedNotary']];
  return [
    `-----BEGIN OT ARMORED ${label}-----`,
    ...headers.map(([k, v]) => `${k}: ${v}`),
    '',
    ...rows,
    `-----END OT ARMORED ${label}-----`,
    '',
  ].join(eol);
}

/** Base64 of zlib-deflated text (OT's "armored string" used inside XML, e.g. `mintPublicInfo`). */
export function packString(text: string, level = 9): string {
  return deflateSync(Buffer.from(text, 'utf8'), { level }).toString('base64');
}

/**
 * Inverse of {@link packString}: whitespace-tolerant base64, capped inflation, the classic
 * protobuf string wrapper removed when present (classic OT wrapped every packed value, e.g. each
 * `<mintPublicInfo>` and the names in wallet.xml), strict UTF-8.
 * @throws OtP2pError `bad-base64`, `inflate-failed`, `inflate-too-large`, `bad-ot-file`.
 */
export function unpackString(packed: string, field = 'packed string', maxBytes = 1024 * 1024): string {
  const b64 = packed.replace(/\s+/g, '');
  const inflated = inflateCapped(decodeBase64Strict(b64, field), maxBytes, field);
  try {
    return utf8Strict.decode(unwrapProtobufString(inflated) ?? inflated);
  } catch (cause) {
    throw new OtP2pError('bad-ot-file', `${field} does not inflate to UTF-8 text`, { context: { field }, cause });
  }
}
