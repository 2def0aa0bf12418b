/**
 * OT's signatures and contract IDs, checked on the real sample data (docs/ot-formats.md):
 *
 * - Classic (2013-2014), `Hash: SAMY`: digest = SHA-256(text) XOR the first 32 bytes of
 *   Whirlpool(text); 0.94, `Hash: HASH256`: digest = SHA-256(SHA-256(text)). Either digest is
 *   signed with RSA-PSS (SHA-256 for the PSS hash and MGF1, the longest salt), 1024-bit keys.
 *   `text` is the signed portion as OT's parser collects it (`otSignedPortion`).
 * - A contract's ID is the hash of its dearmored text: base62(SAMY) in classic files,
 *   `ot` + Base58Check(0x89 || RIPEMD160(SHA256)) in 0.94. So a contract fetched from anywhere
 *   is authenticated by the ID it is filed under, and with it the signing keys of its `<signer>`.
 * - Public keys (`<publicInfo key="S">` in a credential) are packed strings holding a PEM-style
 *   block whose base64 body is the real PEM (classic: protobuf-wrapped first).
 *
 * node:crypto does RSA and SHA-256; Whirlpool comes from hash-wasm (node has none without the
 * legacy OpenSSL provider). Its WASM instance is created once, at module load (top-level await),
 * so every check here stays synchronous.
 */
import { createHash, createPublicKey, constants, publicDecrypt } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { createWhirlpool } from 'hash-wasm';
import { OtP2pError, describeValue } from '../core/errors.ts';
import { decodeBase64Strict, unpackString, unwrapProtobufString } from './armor.ts';
import { base62, otId } from './ids.ts';
import { parseSignedContract } from './signed.ts';
import type { SignedContract } from './signed.ts';
import { parseXml } from './xml.ts';
import type { XmlElement } from './xml.ts';

const whirlpoolHasher = await createWhirlpool();

/** Whirlpool (64 bytes). */
export function whirlpool(data: Uint8Array): Uint8Array {
  whirlpoolHasher.init();
  whirlpoolHasher.update(data);
  return whirlpoolHasher.digest('binary');
}

/** Classic OT's `SAMY` digest: SHA-256 XOR the first 32 bytes of Whirlpool. */
export function samyDigest(data: Uint8Array): Buffer {
  const s = createHash('sha256').update(data).digest();
  const w = whirlpool(data);
  for (let i = 0; i < 32; i++) s[i] = (s[i] as number) ^ (w[i] as number);
  return s;
}

/** The hash algorithms OT wrote in a `Hash:` header that otp2p can check. */
export const OT_HASH_TYPES = ['SAMY', 'HASH256'] as const;

/** The digest OT signs for a `Hash:` header value, or undefined for an algorithm otp2p does not know. */
export function otDigest(hashType: string | undefined, data: Uint8Array): Buffer | undefined {
  switch ((hashType ?? '').toUpperCase()) {
    case 'SAMY':
      return samyDigest(data);
    case 'HASH256':
      return createHash('sha256').update(createHash('sha256').update(data).digest()).digest();
    default:
      return undefined;
  }
}

/** Whether `id` is the ID of the contract with this dearmored text (classic or 0.94 style). */
export function contractIdMatches(text: string, id: string): boolean {
  const bytes = Buffer.from(text, 'utf8');
  if (id.startsWith('ot')) return otId(bytes) === id;
  const classic = base62(samyDigest(bytes));
  return id === classic || id === classic.padStart(43, '0');
}

function mgf1(seed: Uint8Array, length: number): Buffer {
  const parts: Buffer[] = [];
  let have = 0;
  for (let counter = 0; have < length; counter++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    const block = createHash('sha256').update(seed).update(c).digest();
    parts.push(block);
    have += block.length;
  }
  return Buffer.concat(parts).subarray(0, length);
}

/**
 * EMSA-PSS verification (RFC 8017 9.1.2) of an already-hashed message, SHA-256 for H and MGF1,
 * salt length recovered from the encoding (OT signs with the longest salt). node's `verify` would
 * hash the message again, which is why the encoding is checked here over a raw RSA operation.
 */
function pssVerify(key: KeyObject, digest: Uint8Array, signature: Uint8Array): boolean {
  const modBits = key.asymmetricKeyDetails?.modulusLength;
  if (modBits === undefined || signature.length !== Math.ceil(modBits / 8)) return false;
  let em: Buffer;
  try {
    em = publicDecrypt({ key, padding: constants.RSA_NO_PADDING }, signature);
  } catch {
    return false;
  }
  const emBits = modBits - 1;
  const emLen = Math.ceil(emBits / 8);
  if (em.length > emLen) {
    if (em[0] !== 0) return false;
    em = em.subarray(em.length - emLen);
  }
  const hLen = 32;
  if (emLen < hLen + 2 || em[emLen - 1] !== 0xbc) return false;
  const maskedDb = em.subarray(0, emLen - hLen - 1);
  const h = em.subarray(emLen - hLen - 1, emLen - 1);
  const unusedBits = 8 * emLen - emBits;
  if (((maskedDb[0] as number) & ~(0xff >> unusedBits) & 0xff) !== 0) return false;
  const db = mgf1(h, maskedDb.length);
  for (let i = 0; i < db.length; i++) db[i] = (db[i] as number) ^ (maskedDb[i] as number);
  db[0] = (db[0] as number) & (0xff >> unusedBits);
  let i = 0;
  while (i < db.length && db[i] === 0) i++;
  if (db[i] !== 0x01) return false;
  const salt = db.subarray(i + 1);
  const hPrime = createHash('sha256').update(Buffer.alloc(8)).update(digest).update(salt).digest();
  return hPrime.equals(h);
}

/** A notary's or issuer's public signing key, with where it came from. */
export interface OtSigningKey {
  /** The nym the key belongs to (the `<signer nymID>` or the credential's `nymID`). */
  nymId: string;
  /** The credential that holds it, when known. */
  credentialId?: string;
  key: KeyObject;
}

/**
 * Decode a `<publicInfo>` value (already unpacked): a PEM-style block whose base64 body is the
 * real PEM, protobuf-wrapped in classic files.
 * @throws OtP2pError `bad-ot-file` when it is not an RSA public key in that form.
 */
export function decodeOtPublicKey(text: string, field = 'publicInfo'): KeyObject {
  const lines = text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => l.trim());
  const body = lines.filter((l) => l !== '' && !l.startsWith('-----')).join('');
  try {
    const outer = decodeBase64Strict(body, field);
    const inner = Buffer.from(unwrapProtobufString(outer) ?? outer).toString('utf8');
    const key = createPublicKey(inner.includes('-----BEGIN') ? inner : text);
    if (key.asymmetricKeyType !== 'rsa') throw new Error(`not an RSA key (${key.asymmetricKeyType})`);
    return key;
  } catch (cause) {
    throw new OtP2pError('bad-ot-file', `${field} is not an OT public key`, { cause, context: { field } });
  }
}

/** Bound on packed values opened while looking for keys (a contract has a handful of credentials). */
const MAX_PACKED_VALUES = 256;
const MAX_KEY_DEPTH = 4;
const B64_BODY = /^[A-Za-z0-9+/=\s]{40,}$/;

function elements(root: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const el = stack.pop() as XmlElement;
    out.push(el);
    for (const c of el.children) if (typeof c !== 'string') stack.push(c);
  }
  return out;
}

function xmlOf(text: string): XmlElement | undefined {
  try {
    const signed = /^-----BEGIN SIGNED /m.test(text) ? parseSignedContract(text).body : text;
    return parseXml(signed.replace(/^\s*<\?xml[^>]*\?>/, ''));
  } catch {
    return undefined;
  }
}

/** Read a protobuf varint; undefined when malformed or past the end. */
function varint(buf: Uint8Array, pos: number): [number, number] | undefined {
  let value = 0;
  for (let i = pos, shift = 0; i < buf.length && i < pos + 5; i++, shift += 7) {
    const b = buf[i] as number;
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [value, i + 1];
  }
  return undefined;
}

/** The length-delimited fields of one protobuf message, or undefined when it is not exactly one. */
function protobufFields(buf: Uint8Array): Array<[number, Uint8Array]> | undefined {
  const out: Array<[number, Uint8Array]> = [];
  let pos = 0;
  while (pos < buf.length) {
    const tag = varint(buf, pos);
    if (!tag || (tag[0] & 7) !== 2) return undefined;
    const len = varint(buf, tag[1]);
    if (!len || len[1] + len[0] > buf.length) return undefined;
    out.push([tag[0] >>> 3, buf.subarray(len[1], len[1] + len[0])]);
    pos = len[1] + len[0];
  }
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Classic notary contracts keep the signer's credentials in `<credentials>` as base64 of a
 * protobuf string map (OT's OTDB StringMap, not deflated, inside the usual string wrapper):
 * entries (field 1) of a key (field 1, the credential ID) and a value (field 2, the credential as
 * a signed contract).
 */
function decodeStringMap(bytes: Uint8Array): Array<[string, string]> | undefined {
  const entries = protobufFields(bytes);
  if (!entries || entries.length === 0) return undefined;
  const out: Array<[string, string]> = [];
  try {
    for (const [field, entry] of entries) {
      if (field !== 1) return undefined;
      const kv = protobufFields(entry);
      const k = kv?.find(([f]) => f === 1)?.[1];
      const v = kv?.find(([f]) => f === 2)?.[1];
      if (k === undefined || v === undefined) return undefined;
      out.push([utf8.decode(k), utf8.decode(v)]);
    }
  } catch {
    return undefined;
  }
  return out;
}

/**
 * Every signing key (`<publicInfo key="S">`) in the credentials under `root`, opening packed
 * values (credentials are packed signed contracts holding packed keys) a few levels deep.
 */
function collectKeys(
  root: XmlElement,
  nymId: string,
  out: OtSigningKey[],
  budget: { left: number },
  depth: number,
  credentialId?: string,
): void {
  for (const el of elements(root)) {
    const text = el.children
      .filter((c): c is string => typeof c === 'string')
      .join('')
      .trim();
    if (text === '' || !B64_BODY.test(text) || budget.left <= 0) continue;
    const credId = el.name === 'credential' && el.attrs.ID !== undefined ? el.attrs.ID : credentialId;
    budget.left--;
    let unpacked: string;
    try {
      unpacked = unpackString(text, el.name, 256 * 1024);
    } catch {
      let map: Array<[string, string]> | undefined;
      try {
        const bytes = decodeBase64Strict(text.replace(/\s+/g, ''), el.name);
        const inner = unwrapProtobufString(bytes);
        map = decodeStringMap(bytes) ?? (inner === undefined ? undefined : decodeStringMap(inner));
      } catch {
        map = undefined;
      }
      if (depth >= MAX_KEY_DEPTH) continue;
      for (const [id, value] of map ?? []) {
        const inner = xmlOf(value);
        if (inner) collectKeys(inner, inner.attrs.nymID ?? nymId, out, budget, depth + 1, id);
      }
      continue;
    }
    if (el.name === 'publicInfo' && el.attrs.key === 'S') {
      try {
        const key = decodeOtPublicKey(unpacked);
        if (!out.some((k) => k.key.equals(key)))
          out.push(credId === undefined ? { nymId, key } : { nymId, credentialId: credId, key });
      } catch {
        // not a key: ignore, other credentials may still hold one
      }
      continue;
    }
    if (depth >= MAX_KEY_DEPTH) continue;
    const inner = xmlOf(unpacked);
    if (inner) collectKeys(inner, inner.attrs.nymID ?? nymId, out, budget, depth + 1, credId);
  }
}

/**
 * The signing keys a contract names for its signer: the `<signer>` element's embedded
 * credentials (notary and unit contracts), or, for a credential file, its own public keys.
 * Keys are trusted only as far as the contract is: check its ID with {@link contractIdMatches}.
 */
export function signerKeys(contractText: string): OtSigningKey[] {
  const root = xmlOf(contractText);
  if (!root) return [];
  const out: OtSigningKey[] = [];
  const budget = { left: MAX_PACKED_VALUES };
  const signers = elements(root).filter((e) => e.name === 'signer');
  if (signers.length === 0) collectKeys(root, root.attrs.nymID ?? '', out, budget, 0);
  for (const s of signers) collectKeys(s, s.attrs.nymID ?? '', out, budget, 0);
  return out;
}

/** The outcome of checking one OT signature. */
export interface OtSignatureCheck {
  ok: boolean;
  /** Who signed (nym ID) when it verified, else whom it was checked against. */
  signer: string;
  /** Why it did not verify: `no-key`, `unsupported-hash`, `no-signature`, `bad-signature`. */
  reason?: 'no-key' | 'unsupported-hash' | 'no-signature' | 'bad-signature';
  /** The credential whose key verified it. */
  credentialId?: string;
}

/**
 * Check a signed contract's signatures against `keys`: it verifies when any signature verifies
 * under any key (of the expected signer `nymId` when given).
 */
export function verifyOtSignature(
  contract: SignedContract,
  keys: readonly OtSigningKey[],
  nymId?: string,
): OtSignatureCheck {
  const candidates = nymId === undefined ? keys : keys.filter((k) => k.nymId === nymId);
  const signer = nymId ?? candidates[0]?.nymId ?? '';
  if (candidates.length === 0) return { ok: false, signer, reason: 'no-key' };
  const digest = otDigest(contract.hash, Buffer.from(contract.signedText, 'utf8'));
  if (!digest) return { ok: false, signer, reason: 'unsupported-hash' };
  if (contract.signatures.length === 0) return { ok: false, signer, reason: 'no-signature' };
  for (const sig of contract.signatures) {
    let raw: Buffer;
    try {
      raw = decodeBase64Strict(sig.base64, 'signature');
    } catch {
      continue;
    }
    // Classic signatures are protobuf-wrapped; a 0.94 one could start like a wrapper by chance.
    const forms = [raw, unwrapProtobufString(raw)].filter((f): f is Uint8Array => f !== undefined);
    for (const k of candidates) {
      if (forms.some((f) => pssVerify(k.key, digest, f))) {
        return k.credentialId === undefined
          ? { ok: true, signer: k.nymId }
          : { ok: true, signer: k.nymId, credentialId: k.credentialId };
      }
    }
  }
  return { ok: false, signer, reason: 'bad-signature' };
}

/** A contract authenticated by its ID, with its signer's keys and its own signature checked. */
export interface TrustedContract {
  id: string;
  text: string;
  keys: OtSigningKey[];
  signature: OtSignatureCheck;
}

/**
 * Authenticate a contract (dearmored text) as the one with ID `id` and take its signer's keys.
 * @throws OtP2pError `bad-signature` when the text does not hash to `id`; `bad-ot-file` when it
 *   is not a signed contract.
 */
export function trustContract(id: string, text: string): TrustedContract {
  if (!contractIdMatches(text, id)) {
    throw new OtP2pError('bad-signature', `contract text does not hash to its ID ${describeValue(id)}`, {
      context: { id },
    });
  }
  const signed = parseSignedContract(text);
  const keys = signerKeys(text);
  return { id, text, keys, signature: verifyOtSignature(signed, keys) };
}
