/** Byte helpers. Validation is strict: callers at a boundary get typed errors, never NaN bytes. */
import { OtP2pError, describeValue } from './errors.ts';

const HEX_RE = /^(?:[0-9a-f]{2})*$/;

/**
 * Decode lowercase hex. `expectedLength` (in bytes) is checked when given.
 * @throws OtP2pError `bad-hex` when not even-length lowercase hex, `wrong-length` on a length mismatch.
 */
export function hexToBytes(hex: string, field = 'hex', expectedLength?: number): Uint8Array {
  if (typeof hex !== 'string' || !HEX_RE.test(hex)) {
    throw new OtP2pError('bad-hex', `${field} must be lowercase hex, got ${describeValue(hex)}`, {
      context: { field },
    });
  }
  if (expectedLength !== undefined && hex.length !== expectedLength * 2) {
    throw new OtP2pError('wrong-length', `${field} must be ${expectedLength} bytes, got ${hex.length / 2}`, {
      context: { field, length: hex.length / 2 },
    });
  }
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

/** Encode bytes as lowercase hex. */
export function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Whether `value` is lowercase hex of exactly `bytes` bytes (e.g. 32 for ids and pubkeys). */
export function isHex(value: unknown, bytes: number): value is string {
  return typeof value === 'string' && value.length === bytes * 2 && HEX_RE.test(value);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 encode. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/**
 * Strict UTF-8 decode.
 * @throws OtP2pError `bad-input` when the bytes are not valid UTF-8.
 */
export function fromUtf8(bytes: Uint8Array, field = 'text'): string {
  try {
    return decoder.decode(bytes);
  } catch (cause) {
    throw new OtP2pError('bad-input', `${field} is not valid UTF-8`, { context: { field }, cause });
  }
}

/** Concatenate byte arrays. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Constant-time equality for secrets (MACs, preimages); length is not secret. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}
