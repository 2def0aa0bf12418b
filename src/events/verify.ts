/**
 * NIP-01 event verification: shape and limits, canonical id, BIP-340 Schnorr signature.
 *
 * Nothing unverified reaches storage or decisions, so every event that enters otp2p passes
 * through {@link EventVerifier.verify}. The signature check is libsecp256k1: native when bcrypto's
 * addon built, else WASM (src/events/schnorr.ts); 7x-30x the pure-JS path here (docs/performance.md).
 */
import { createHash } from 'node:crypto';
import { verifySchnorr } from './schnorr.ts';
import type { Clock } from '../core/clock.ts';
import { systemClock } from '../core/clock.ts';
import type { ErrorCode } from '../core/errors.ts';
import { OtP2pError, describeValue } from '../core/errors.ts';
import type { NostrEvent, UnsignedEvent } from './types.ts';

/** Limits applied before an event is trusted. All sizes in bytes of UTF-8. */
export interface EventLimits {
  /** Maximum size of the event's JSON (strfry caps at 64 KiB; we stay under 60 KiB). */
  maxEventBytes: number;
  maxTags: number;
  /** Maximum bytes of any one tag value. */
  maxTagValueBytes: number;
  /** Kinds whose tag values may be longer (e.g. evidence carrying signed mints). */
  tagValueBytesByKind: Readonly<Record<number, number>>;
  /** How far in the future `created_at` may be, in seconds. */
  maxFutureSeconds: number;
  /** How far in the past `created_at` may be, in seconds; `null` = no limit. */
  maxAgeSeconds: number | null;
  /**
   * Kinds whose real events outgrow the tight defaults (follow lists of 10,000 keys with relay
   * hints, relay lists): their own size and tag-count limits (docs/protocol.md, "Limits").
   */
  byKind?: Readonly<Record<number, Readonly<{ maxEventBytes: number; maxTags: number }>>>;
}

/**
 * Limits per kind that fit what relays accept: follow lists (kind 3) reach thousands of `p` tags
 * with relay hints (a 2,600-entry list is ~250 KB), relay and DM-relay lists stay small but may
 * list many relays. Everything else keeps the tight defaults.
 */
export const DEFAULT_KIND_LIMITS: Readonly<Record<number, Readonly<{ maxEventBytes: number; maxTags: number }>>> =
  Object.freeze({
    3: Object.freeze({ maxEventBytes: 1_000_000, maxTags: 20_000 }),
    10002: Object.freeze({ maxEventBytes: 256 * 1024, maxTags: 2000 }),
    10050: Object.freeze({ maxEventBytes: 256 * 1024, maxTags: 2000 }),
  });

/** The size and tag-count limits that apply to `kind`. */
export function limitsForKind(limits: EventLimits, kind: number): { maxEventBytes: number; maxTags: number } {
  return limits.byKind?.[kind] ?? limits;
}

/** The largest event any kind may be: the bound on raw text before it is parsed. */
export function maxAnyEventBytes(limits: EventLimits): number {
  let max = limits.maxEventBytes;
  for (const k of Object.values(limits.byKind ?? {})) max = Math.max(max, k.maxEventBytes);
  return max;
}

/** Defaults from DESIGN.md and the foundation issue. */
export const DEFAULT_EVENT_LIMITS: EventLimits = Object.freeze({
  maxEventBytes: 60 * 1024,
  maxTags: 2000,
  maxTagValueBytes: 1024,
  tagValueBytesByKind: Object.freeze({}),
  maxFutureSeconds: 15 * 60,
  maxAgeSeconds: null,
  byKind: DEFAULT_KIND_LIMITS,
});

/** Codes a verification can fail with. */
export type VerifyCode = Extract<
  ErrorCode,
  | 'bad-id'
  | 'bad-sig'
  | 'bad-shape'
  | 'too-large'
  | 'too-many-tags'
  | 'created-at-future'
  | 'created-at-too-old'
  | 'bad-kind'
  | 'bad-tag'
>;

/** Result of verifying one event. */
export type VerifyResult = { ok: true; event: NostrEvent } | { ok: false; code: VerifyCode; message: string };

/** Result of verifying one raw JSON text: a {@link VerifyResult}, or `bad-json` when it does not parse. */
export type RawVerifyResult = VerifyResult | { ok: false; code: 'bad-json'; message: string };

/**
 * Anything that verifies batches of raw JSON texts, one result per input in input order:
 * {@link EventVerifier} (this thread) and `VerifyPool` (worker threads) both are.
 */
export interface BatchVerifier {
  verifyBatch(raws: readonly string[]): Promise<RawVerifyResult[]>;
}

const HEX64 = /^[0-9a-f]{64}$/;
const HEX128 = /^[0-9a-f]{128}$/;

/**
 * The NIP-01 serialization `[0,pubkey,created_at,kind,tags,content]`, by `JSON.stringify`.
 * NIP-01 lists the escapes `\n \" \\ \r \t \b \f` and says everything else is verbatim;
 * `JSON.stringify` also escapes the other C0 controls as `\u00XX` (verbatim they would not be
 * JSON) and lone surrogates as `\ud800`-style escapes (they have no UTF-8 form). nostr-tools hashes exactly
 * this (the differential test in test/events/verify.test.ts pins it on hostile content), so
 * only an implementation that follows the text literally for those rare characters disagrees.
 */
export function serializeEvent(e: UnsignedEvent): string {
  return JSON.stringify([0, e.pubkey, e.created_at, e.kind, e.tags, e.content]);
}

/** The event id: hex sha256 of {@link serializeEvent}. */
export function computeEventId(e: UnsignedEvent): string {
  return createHash('sha256').update(serializeEvent(e), 'utf8').digest('hex');
}

function fail(code: VerifyCode, message: string): VerifyResult {
  return { ok: false, code, message };
}

/**
 * Check shape and limits only (no hashing, no signature). Exported for parsers that must
 * reject early, e.g. before queueing to a worker.
 */
export function checkShape(value: unknown, limits: EventLimits, nowSeconds: number, jsonBytes?: number): VerifyResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return fail('bad-shape', 'event must be a JSON object');
  const e = value as Record<string, unknown>;
  if (typeof e.id !== 'string' || !HEX64.test(e.id)) return fail('bad-shape', 'id must be 64 lowercase hex characters');
  if (typeof e.pubkey !== 'string' || !HEX64.test(e.pubkey))
    return fail('bad-shape', 'pubkey must be 64 lowercase hex characters');
  if (typeof e.sig !== 'string' || !HEX128.test(e.sig))
    return fail('bad-shape', 'sig must be 128 lowercase hex characters');
  if (typeof e.kind !== 'number' || !Number.isInteger(e.kind) || e.kind < 0 || e.kind > 65535) {
    return fail('bad-kind', `kind must be an integer in 0..65535, got ${describeValue(e.kind)}`);
  }
  if (typeof e.created_at !== 'number' || !Number.isSafeInteger(e.created_at) || e.created_at < 0) {
    return fail('bad-shape', 'created_at must be a non-negative integer');
  }
  if (typeof e.content !== 'string') return fail('bad-shape', 'content must be a string');
  if (!Array.isArray(e.tags)) return fail('bad-shape', 'tags must be an array');
  const kindLimits = limitsForKind(limits, e.kind);
  if (e.tags.length > kindLimits.maxTags)
    return fail('too-many-tags', `${e.tags.length} tags, over the limit of ${kindLimits.maxTags} for kind ${e.kind}`);
  const maxValue = limits.tagValueBytesByKind[e.kind] ?? limits.maxTagValueBytes;
  for (let i = 0; i < e.tags.length; i++) {
    const tag: unknown = e.tags[i];
    if (!Array.isArray(tag)) return fail('bad-shape', `tags[${i}] must be an array`);
    for (let j = 0; j < tag.length; j++) {
      const v: unknown = tag[j];
      if (typeof v !== 'string') return fail('bad-shape', `tags[${i}][${j}] must be a string`);
      // Cheap bound first: a UTF-8 byte is at most 3x a UTF-16 unit.
      if (v.length * 3 > maxValue && Buffer.byteLength(v, 'utf8') > maxValue) {
        return fail('bad-tag', `tags[${i}][${j}] is over ${maxValue} bytes`);
      }
    }
  }
  const size = jsonBytes ?? Buffer.byteLength(JSON.stringify(e), 'utf8');
  if (size > kindLimits.maxEventBytes)
    return fail(
      'too-large',
      `event is ${size} bytes, over the limit of ${kindLimits.maxEventBytes} for kind ${e.kind}`,
    );
  if (e.created_at > nowSeconds + limits.maxFutureSeconds) {
    return fail(
      'created-at-future',
      `created_at ${e.created_at} is more than ${limits.maxFutureSeconds}s in the future`,
    );
  }
  if (limits.maxAgeSeconds !== null && e.created_at < nowSeconds - limits.maxAgeSeconds) {
    return fail('created-at-too-old', `created_at ${e.created_at} is more than ${limits.maxAgeSeconds}s in the past`);
  }
  return { ok: true, event: value as NostrEvent };
}

/** Options for {@link EventVerifier}. */
export interface EventVerifierOptions {
  limits?: Partial<EventLimits>;
  clock?: Clock;
  /** Number of (id, sig) pairs remembered as verified. */
  cacheSize?: number;
}

/**
 * Verifies events and remembers which (id, sig) pairs were good. The id is always recomputed
 * from the event's fields before the cache is consulted, so a forged event that reuses a genuine
 * id and signature with other content can never ride on the cache.
 */
export class EventVerifier implements BatchVerifier {
  readonly limits: EventLimits;
  readonly #clock: Clock;
  readonly #cacheSize: number;
  // Insertion-ordered Map as a small LRU: key = id + sig.
  readonly #cache = new Map<string, true>();

  constructor(options: EventVerifierOptions = {}) {
    this.limits = { ...DEFAULT_EVENT_LIMITS, ...options.limits };
    this.#clock = options.clock ?? systemClock;
    this.#cacheSize = options.cacheSize ?? 50_000;
  }

  /**
   * Verify one event (already JSON-parsed). `jsonBytes`, when the caller has the raw JSON,
   * saves re-serializing for the size check. Never throws.
   */
  verify(value: unknown, jsonBytes?: number): VerifyResult {
    const shape = checkShape(value, this.limits, Math.floor(this.#clock.now() / 1000), jsonBytes);
    if (!shape.ok) return shape;
    const e = shape.event;
    if (computeEventId(e) !== e.id) return fail('bad-id', `id ${e.id} does not match the event's content`);
    const key = e.id + e.sig;
    if (this.#cache.has(key)) {
      this.#cache.delete(key);
      this.#cache.set(key, true);
      return shape;
    }
    if (!verifySignature(e.id, e.pubkey, e.sig))
      return fail('bad-sig', `signature of ${e.id} does not verify for pubkey ${e.pubkey}`);
    this.#remember(key);
    return shape;
  }

  /**
   * Parse and verify one raw JSON text (as received from a relay or stdin). The size limit is
   * applied to the text's UTF-8 bytes before parsing, so an oversized text is never parsed.
   * Never throws.
   */
  verifyJson(raw: string): RawVerifyResult {
    const bytes = Buffer.byteLength(raw, 'utf8');
    const max = maxAnyEventBytes(this.limits);
    if (bytes > max)
      return { ok: false, code: 'too-large', message: `event is ${bytes} bytes, over the limit of ${max}` };
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      return { ok: false, code: 'bad-json', message: 'event is not valid JSON' };
    }
    return this.verify(value, bytes);
  }

  /** {@link verifyJson} over a batch, in this thread (see `VerifyPool` for worker threads). */
  async verifyBatch(raws: readonly string[]): Promise<RawVerifyResult[]> {
    return raws.map((r) => this.verifyJson(r));
  }

  /**
   * Record that the pair (id, sig) was verified elsewhere (e.g. by a worker that recomputed the
   * id and checked the signature). Safe because {@link verify} recomputes the id from the
   * event's fields before it consults the cache: a remembered pair only ever vouches for the
   * exact content that hashes to that id.
   */
  remember(id: string, sig: string): void {
    this.#remember(id + sig);
  }

  #remember(key: string): void {
    this.#cache.delete(key);
    this.#cache.set(key, true);
    if (this.#cache.size > this.#cacheSize) {
      const oldest = this.#cache.keys().next().value;
      if (oldest !== undefined) this.#cache.delete(oldest);
    }
  }

  /**
   * Verify, throwing on failure.
   * @throws OtP2pError `bad-shape`, `bad-kind`, `bad-tag`, `too-large`, `too-many-tags`,
   *   `created-at-future`, `created-at-too-old`, `bad-id` or `bad-sig`.
   */
  assert(value: unknown): NostrEvent {
    const r = this.verify(value);
    if (!r.ok) throw new OtP2pError(r.code, r.message);
    return r.event;
  }

  /** Whether this (id, sig) pair is remembered as verified (for tests and metrics). */
  isCached(id: string, sig: string): boolean {
    return this.#cache.has(id + sig);
  }
}

/** BIP-340 check of `sig` over the 32-byte id for x-only `pubkey`; false on any malformed input. */
export function verifySignature(idHex: string, pubkeyHex: string, sigHex: string): boolean {
  return verifySchnorr(Buffer.from(idHex, 'hex'), Buffer.from(pubkeyHex, 'hex'), Buffer.from(sigHex, 'hex'));
}
