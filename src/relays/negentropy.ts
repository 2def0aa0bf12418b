/**
 * Negentropy V1, the range-based set reconciliation NIP-77 wraps (written from the NIP's appendix;
 * checked against NDK's independent implementation in test/relays/nip77-negentropy.test.ts).
 * Pure: records in, hex messages in and out, no I/O.
 *
 * Why not nostr-tools' `nostr-tools/nip77`: 2.25.2 ships the file but does not export that path
 * (ERR_PACKAGE_PATH_NOT_EXPORTED), nostr-tools is only a devDependency here, and its class plays
 * the initiator only (an id list it receives ends the range without a reply), so a relay could
 * not answer with it.
 *
 * Both roles: the initiator (client) learns `have` (ids only it holds) and `need` (ids only the
 * other side holds); the responder (relay) answers each range that differs by splitting its own
 * records (an id list under 32 records, else 16 fingerprinted buckets), so a large set never goes
 * out as one list and a message stays under the frame limit.
 */
import { sha256 } from '@noble/hashes/sha2.js';

/** The protocol version byte of Negentropy V1. */
export const NEGENTROPY_VERSION = 0x61;
const SKIP = 0;
const FINGERPRINT = 1;
const ID_LIST = 2;
/** Ranges under this many records go out as id lists; bigger ones as 16 fingerprinted buckets. */
const BUCKETS = 16;
/** Bytes of a message before hex (the frame limit the reference implementations use). */
export const NEGENTROPY_FRAME_BYTES = 60_000;

/** One record: an event id (32-byte hex) and its `created_at`. */
export interface NegRecord {
  id: string;
  created_at: number;
}

interface Item {
  ts: number;
  id: Buffer;
}
interface Bound {
  /** Infinity for the end of the space. */
  ts: number;
  /** A prefix of an id (0 to 32 bytes), the rest implied zeros. */
  id: Buffer;
}

const EMPTY = Buffer.alloc(0);

function varint(n: number): Buffer {
  const digits: number[] = [];
  do {
    digits.unshift(n % 128);
    n = Math.floor(n / 128);
  } while (n > 0);
  for (let i = 0; i < digits.length - 1; i++) digits[i]! |= 0x80;
  return Buffer.from(digits);
}

/** A cursor over a received message. */
class Reader {
  #pos = 0;
  constructor(readonly buf: Buffer) {}
  get left(): number {
    return this.buf.length - this.#pos;
  }
  byte(): number {
    if (this.left < 1) throw new Error('message ends prematurely');
    return this.buf[this.#pos++]!;
  }
  bytes(n: number): Buffer {
    if (this.left < n) throw new Error('message ends prematurely');
    const out = this.buf.subarray(this.#pos, this.#pos + n);
    this.#pos += n;
    return out;
  }
  varint(): number {
    let n = 0;
    for (let i = 0; i < 8; i++) {
      const b = this.byte();
      n = n * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) return n;
    }
    throw new Error('varint too long');
  }
}

/** Compare a bound with a record: timestamp, then the id bytes (a shorter prefix padded with zeros). */
function compareBound(a: Bound, b: Bound): number {
  if (a.ts !== b.ts) return a.ts < b.ts ? -1 : 1;
  for (let i = 0; i < 32; i++) {
    const x = a.id[i] ?? 0;
    const y = b.id[i] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** One side of a reconciliation over a fixed set of records. */
export class Negentropy {
  readonly #items: Item[];
  /** Running sums of the ids (32-byte little-endian, mod 2^256): entry i sums items [0, i). */
  readonly #sums: Uint8Array;
  readonly #initiator: boolean;
  readonly #frameBytes: number;
  #lastIn = 0;
  #lastOut = 0;

  /**
   * @param records the set this side holds (duplicates ignored).
   * @param role `initiator` (the client) or `responder` (the relay).
   * @throws Error when a record is not a 32-byte hex id with a non-negative safe-integer `created_at`.
   */
  constructor(records: Iterable<NegRecord>, role: 'initiator' | 'responder', frameBytes = NEGENTROPY_FRAME_BYTES) {
    const byId = new Map<string, Item>();
    for (const r of records) {
      if (typeof r.id !== 'string' || !/^[0-9a-f]{64}$/.test(r.id)) throw new Error('record id is not 32-byte hex');
      if (!Number.isSafeInteger(r.created_at) || r.created_at < 0) throw new Error('record created_at is not valid');
      byId.set(r.id, { ts: r.created_at, id: Buffer.from(r.id, 'hex') });
    }
    this.#items = [...byId.values()].sort((a, b) => (a.ts !== b.ts ? a.ts - b.ts : Buffer.compare(a.id, b.id)));
    // A fingerprint is then one subtraction, not a pass over its range: each round splits every
    // range it answers into 16, and the relay answers many rounds over 10^5 records.
    this.#sums = new Uint8Array((this.#items.length + 1) * 32);
    for (let i = 0; i < this.#items.length; i++) {
      const id = this.#items[i]!.id;
      let carry = 0;
      for (let j = 0; j < 32; j++) {
        const v = this.#sums[i * 32 + j]! + id[j]! + carry;
        this.#sums[(i + 1) * 32 + j] = v & 0xff;
        carry = v >> 8;
      }
    }
    this.#initiator = role === 'initiator';
    this.#frameBytes = Math.max(4096, frameBytes);
  }

  /** Records held. */
  get size(): number {
    return this.#items.length;
  }

  /** The first message (initiator only): the whole space, split. */
  initiate(): string {
    this.#lastOut = 0;
    const out: Buffer[] = [Buffer.of(NEGENTROPY_VERSION)];
    this.#split(0, this.#items.length, { ts: Number.POSITIVE_INFINITY, id: EMPTY }, out);
    return Buffer.concat(out).toString('hex');
  }

  /**
   * Process a message of the other side. The initiator gets the next message, or null when every
   * range is settled; `have` and `need` receive ids as they are learned. The responder always
   * gets an answer (a lone version byte when the other side speaks another version).
   * @throws Error when the message is malformed.
   */
  reconcile(message: string, have?: (id: string) => void, need?: (id: string) => void): string | null {
    if (typeof message !== 'string' || message.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(message))
      throw new Error('message is not hex');
    const q = new Reader(Buffer.from(message, 'hex'));
    this.#lastIn = 0;
    this.#lastOut = 0;
    const out: Buffer[] = [Buffer.of(NEGENTROPY_VERSION)];
    let outLen = 1;
    const version = q.byte();
    if (version !== NEGENTROPY_VERSION) {
      if (this.#initiator || version < 0x60 || version > 0x6f)
        throw new Error(`unsupported negentropy version 0x${version.toString(16)}`);
      return Buffer.concat(out).toString('hex');
    }
    const size = this.#items.length;
    let prevBound: Bound = { ts: 0, id: EMPTY };
    let prevIndex = 0;
    let skip = false;
    const flushSkip = (into: Buffer[]): void => {
      if (!skip) return;
      skip = false;
      into.push(this.#encodeBound(prevBound), varint(SKIP));
    };
    while (q.left > 0) {
      const o: Buffer[] = [];
      // Restored if `o` is dropped for the frame limit: bounds are delta-encoded.
      const skipBefore = skip;
      const lastOutBefore = this.#lastOut;
      const bound = this.#decodeBound(q);
      const mode = q.varint();
      const lower = prevIndex;
      const upper = this.#lowerBound(prevIndex, size, bound);
      if (upper < lower) throw new Error('ranges out of order');
      if (mode === SKIP) skip = true;
      else if (mode === FINGERPRINT) {
        if (q.bytes(16).equals(this.#fingerprint(lower, upper))) skip = true;
        else {
          flushSkip(o);
          this.#split(lower, upper, bound, o);
        }
      } else if (mode === ID_LIST) {
        const n = q.varint();
        if (q.left < n * 32) throw new Error('id list ends prematurely');
        const theirs = new Set<string>();
        for (let i = 0; i < n; i++) theirs.add(q.bytes(32).toString('hex'));
        if (this.#initiator) {
          skip = true;
          for (let i = lower; i < upper; i++) {
            const id = this.#items[i]!.id.toString('hex');
            if (!theirs.delete(id)) have?.(id);
          }
          for (const id of theirs) need?.(id);
        } else {
          let same = theirs.size === upper - lower;
          for (let i = lower; same && i < upper; i++) same = theirs.has(this.#items[i]!.id.toString('hex'));
          if (same) skip = true;
          else {
            flushSkip(o);
            this.#split(lower, upper, bound, o);
          }
        }
      } else throw new Error(`unknown mode ${mode}`);
      const oLen = o.reduce((n, b) => n + b.length, 0);
      if (outLen + oLen > this.#frameBytes - 200) {
        // Too much for one frame: the rest goes back as one fingerprint and is split next round.
        skip = skipBefore;
        this.#lastOut = lastOutBefore;
        flushSkip(out);
        out.push(
          this.#encodeBound({ ts: Number.POSITIVE_INFINITY, id: EMPTY }),
          varint(FINGERPRINT),
          this.#fingerprint(lower, size),
        );
        break;
      }
      out.push(...o);
      outLen += oLen;
      prevIndex = upper;
      prevBound = bound;
    }
    if (this.#initiator && out.length === 1) return null;
    return Buffer.concat(out).toString('hex');
  }

  /** Index of the first record at or above `bound` in [lo, hi). */
  #lowerBound(lo: number, hi: number, bound: Bound): number {
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareBound(this.#items[mid]!, bound) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** SHA-256 of (the ids summed as little-endian 256-bit integers mod 2^256, then the count as a varint), first 16 bytes. */
  #fingerprint(lo: number, hi: number): Buffer {
    const acc = new Uint8Array(32);
    let borrow = 0;
    for (let j = 0; j < 32; j++) {
      const v = this.#sums[hi * 32 + j]! - this.#sums[lo * 32 + j]! - borrow;
      acc[j] = v & 0xff;
      borrow = v < 0 ? 1 : 0;
    }
    const h = sha256(Buffer.concat([acc, varint(hi - lo)]));
    return Buffer.from(h.subarray(0, 16));
  }

  #split(lo: number, hi: number, upperBound: Bound, o: Buffer[]): void {
    const n = hi - lo;
    if (n < BUCKETS * 2) {
      o.push(this.#encodeBound(upperBound), varint(ID_LIST), varint(n));
      for (let i = lo; i < hi; i++) o.push(this.#items[i]!.id);
      return;
    }
    const per = Math.floor(n / BUCKETS);
    const extra = n % BUCKETS;
    let cur = lo;
    for (let b = 0; b < BUCKETS; b++) {
      const start = cur;
      cur += per + (b < extra ? 1 : 0);
      const fp = this.#fingerprint(start, cur);
      const next = cur === hi ? upperBound : this.#minimalBound(this.#items[cur - 1]!, this.#items[cur]!);
      o.push(this.#encodeBound(next), varint(FINGERPRINT), fp);
    }
  }

  /** The shortest bound above `prev` and at or below `cur`. */
  #minimalBound(prev: Item, cur: Item): Bound {
    if (prev.ts !== cur.ts) return { ts: cur.ts, id: EMPTY };
    let shared = 0;
    while (shared < 32 && prev.id[shared] === cur.id[shared]) shared++;
    return { ts: cur.ts, id: cur.id.subarray(0, shared + 1) };
  }

  #encodeBound(b: Bound): Buffer {
    let ts: Buffer;
    if (b.ts === Number.POSITIVE_INFINITY) {
      this.#lastOut = Number.POSITIVE_INFINITY;
      ts = varint(0);
    } else {
      ts = varint(1 + b.ts - this.#lastOut);
      this.#lastOut = b.ts;
    }
    return Buffer.concat([ts, varint(b.id.length), b.id]);
  }

  #decodeBound(q: Reader): Bound {
    const t = q.varint();
    let ts: number;
    if (t === 0) ts = Number.POSITIVE_INFINITY;
    else {
      ts = this.#lastIn + (t - 1);
      if (!Number.isSafeInteger(ts)) throw new Error('timestamp out of range');
      this.#lastIn = ts;
    }
    const len = q.varint();
    if (len > 32) throw new Error('bound id prefix longer than 32 bytes');
    return { ts, id: q.bytes(len) };
  }
}
