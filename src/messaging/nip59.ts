/**
 * NIP-59 gift wrap: rumor (unsigned event) -> seal (kind 13, signed by the author, NIP-44 to the
 * recipient) -> wrap (kind 1059, or 21059 for live handshakes, signed by a one-time key).
 *
 * Unwrapping checks every layer itself rather than trusting a library (older nostr-tools
 * releases skipped the author check): the wrap is a verified event of a wrap kind addressed to
 * us; the seal is a verified kind-13 event with no tags; the rumor's id is recomputed and its
 * pubkey must equal the seal's, since the seal's signature is the only proof of authorship.
 *
 * The author's side (signing the seal, both NIP-44 layers addressed to us) goes through a
 * {@link Signer}, so a NIP-46 remote signer works as well as a local key. Only the wrap's
 * one-time key is handled here: it is not the user's key, it is born and wiped inside one call.
 */
import type { Clock } from '../core/clock.ts';
import { systemClock, unixSeconds } from '../core/clock.ts';
import type { ErrorCode } from '../core/errors.ts';
import { OtP2pError, describeValue } from '../core/errors.ts';
import { isRecord, parseJson } from '../core/json.ts';
import type { Random } from '../core/random.ts';
import { cryptoRandom } from '../core/random.ts';
import { isHex } from '../core/bytes.ts';
import { Kind } from '../events/kinds.ts';
import { getPublicKey, signEvent } from '../events/sign.ts';
import type { Signer } from '../events/signer.ts';
import type { EventTemplate, NostrEvent, UnsignedEvent } from '../events/types.ts';
import { EventVerifier, computeEventId } from '../events/verify.ts';
import type { DecryptOptions } from './nip44.ts';
import {
  DEFAULT_MAX_PLAINTEXT_BYTES,
  checkPayloadSize,
  checkPlaintextSize,
  encrypt,
  getConversationKey,
} from './nip44.ts';

/** An unsigned event with its id: the innermost layer of a gift wrap. */
export type Rumor = UnsignedEvent & { id: string };

/** What {@link unwrapGift} returns: the verified rumor and where it came from. */
export interface Unwrapped {
  rumor: Rumor;
  /** The author (== rumor.pubkey == seal.pubkey, checked). */
  sender: string;
  seal: NostrEvent;
  wrap: NostrEvent;
}

/** How far back wraps and seals of kind 1059 are randomly dated (NIP-59: up to two days). */
export const MAX_BACKDATE_SECONDS = 2 * 24 * 60 * 60;

/** Kinds accepted as the outer layer. */
export const WRAP_KINDS: ReadonlySet<number> = new Set([Kind.GiftWrap, Kind.EphemeralGiftWrap]);

/** Options shared by wrapping functions. */
export interface WrapOptions {
  clock?: Clock;
  random?: Random;
  /** Outer kind: 1059 (default, stored by relays) or 21059 (ephemeral, for live handshakes). */
  wrapKind?: typeof Kind.GiftWrap | typeof Kind.EphemeralGiftWrap;
  /** Cap on the rumor/seal JSON size in bytes (default: what a relay can carry). */
  maxPlaintextBytes?: number;
}

function randomBackdate(now: number, random: Random): number {
  const b = random.bytes(4);
  const r = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  return now - (r % (MAX_BACKDATE_SECONDS + 1));
}

/**
 * Turn a template into a rumor authored by `pubkey` (id computed, no signature).
 * @throws OtP2pError `bad-key` when `pubkey` is not 32-byte hex.
 */
export function createRumor(template: EventTemplate, pubkey: string): Rumor {
  if (!isHex(pubkey, 32))
    throw new OtP2pError('bad-key', `rumor pubkey must be 32-byte hex, got ${describeValue(pubkey)}`);
  const unsigned = {
    pubkey,
    created_at: template.created_at,
    kind: template.kind,
    tags: template.tags,
    content: template.content,
  };
  return { id: computeEventId(unsigned), ...unsigned };
}

/**
 * Seal a rumor to `recipient`: kind 13, no tags, its content NIP-44 encrypted and the seal signed
 * by the author's `signer` (the rumor's author: a seal by anyone else is refused by receivers).
 * @throws OtP2pError `bad-key`, `too-large`, the signer's codes (`signer-refused`,
 *   `signer-timeout`, `signer-mismatch`).
 */
export async function createSeal(
  rumor: Rumor,
  signer: Signer,
  recipient: string,
  options: WrapOptions = {},
): Promise<NostrEvent> {
  if (!isHex(recipient, 32))
    throw new OtP2pError('bad-key', `recipient must be 32-byte hex, got ${describeValue(recipient)}`);
  const random = options.random ?? cryptoRandom;
  const now = unixSeconds(options.clock ?? systemClock);
  const plaintext = JSON.stringify(rumor);
  // Checked here, not left to the signer: a remote signer must not be asked for what we refuse.
  checkPlaintextSize(Buffer.byteLength(plaintext, 'utf8'), options.maxPlaintextBytes ?? DEFAULT_MAX_PLAINTEXT_BYTES);
  const content = await signer.nip44Encrypt(recipient, plaintext);
  const live = options.wrapKind === Kind.EphemeralGiftWrap;
  const seal = await signer.signEvent({
    kind: Kind.Seal,
    tags: [],
    content,
    created_at: live ? now : randomBackdate(now, random),
  });
  if (seal.pubkey !== rumor.pubkey)
    throw new OtP2pError(
      'signer-mismatch',
      `the signer sealed as ${seal.pubkey}, but the rumor is authored by ${rumor.pubkey}`,
      { context: { seal: seal.pubkey, rumor: rumor.pubkey } },
    );
  return seal;
}

/**
 * A wrap whose one-time key is still held, so the wrap's author can answer NIP-42 AUTH at a
 * relay that requires it (nostream's `nip42.authRequired`). Call `wipe` once the publish is
 * done; `authSigner` then refuses with `closed`.
 */
export interface HeldWrap {
  wrap: NostrEvent;
  /** Signs an AUTH template with the wrap's one-time key (and nothing else may use it). */
  authSigner: (template: EventTemplate) => NostrEvent;
  /** Zero the one-time key. Idempotent. */
  wipe(): void;
}

/**
 * Wrap a seal for `recipient` with a fresh one-time key, keeping the key until `wipe` (see
 * {@link HeldWrap}). Kind 1059 wraps are back-dated by up to two days; kind 21059 wraps are
 * stamped now, since relays drop old ephemeral events.
 * @throws OtP2pError `bad-key`, `too-large`.
 */
export function createHeldWrap(seal: NostrEvent, recipient: string, options: WrapOptions = {}): HeldWrap {
  const random = options.random ?? cryptoRandom;
  const now = unixSeconds(options.clock ?? systemClock);
  const kind = options.wrapKind ?? Kind.GiftWrap;
  let ephemeral = random.bytes(32);
  while (!isValidSecret(ephemeral)) ephemeral = random.bytes(32);
  let wiped = false;
  const wipe = (): void => {
    wiped = true;
    ephemeral.fill(0);
  };
  try {
    const ck = getConversationKey(ephemeral, recipient);
    const content = encrypt(JSON.stringify(seal), ck, {
      random,
      maxPlaintextBytes: options.maxPlaintextBytes ?? DEFAULT_MAX_PLAINTEXT_BYTES,
    });
    const created_at = kind === Kind.EphemeralGiftWrap ? now : randomBackdate(now, random);
    const wrap = signEvent({ kind, tags: [['p', recipient]], content, created_at }, ephemeral);
    const authSigner = (template: EventTemplate): NostrEvent => {
      // AUTH only: signing anything else with the wrap's key would link it to more than the wrap.
      if (wiped) throw new OtP2pError('closed', "the wrap's one-time key was wiped after its publish");
      if (template.kind !== Kind.ClientAuth)
        throw new OtP2pError(
          'bad-input',
          `the wrap's one-time key signs only AUTH (kind 22242), got kind ${template.kind}`,
          {
            context: { field: 'kind' },
          },
        );
      return signEvent(template, ephemeral);
    };
    return { wrap, authSigner, wipe };
  } catch (err) {
    wipe();
    throw err;
  }
}

/**
 * Wrap a seal for `recipient` with a fresh one-time key, wiped before this returns.
 * @throws OtP2pError `bad-key`, `too-large`.
 */
export function createWrap(seal: NostrEvent, recipient: string, options: WrapOptions = {}): NostrEvent {
  const held = createHeldWrap(seal, recipient, options);
  held.wipe();
  return held.wrap;
}

function isValidSecret(sk: Uint8Array): boolean {
  try {
    getPublicKey(sk);
    return true;
  } catch {
    return false;
  }
}

/**
 * Rumor -> seal -> wrap in one step, authored by `signer`'s identity, for `recipient` (hex pubkey).
 * @throws OtP2pError `bad-key`, `too-large`, the signer's codes.
 */
export async function giftWrap(
  template: EventTemplate,
  signer: Signer,
  recipient: string,
  options: WrapOptions = {},
): Promise<{ rumor: Rumor; wrap: NostrEvent }> {
  const rumor = createRumor(template, await signer.getPublicKey());
  const seal = await createSeal(rumor, signer, recipient, options);
  return { rumor, wrap: createWrap(seal, recipient, options) };
}

/** Options for {@link unwrapGift}. */
export interface UnwrapOptions extends DecryptOptions {
  /** Verifier for the wrap and the seal (shares its (id, sig) cache); default: a fresh one. */
  verifier?: EventVerifier;
  clock?: Clock;
  /** How far in the future a rumor's created_at may be, in seconds (default 15 minutes). */
  maxFutureSeconds?: number;
  /** The signer's pubkey when the caller knows it (saves a round trip to a remote signer). */
  recipient?: string;
}

function reject(code: ErrorCode, message: string, context: Record<string, unknown> = {}): never {
  throw new OtP2pError(code, message, { context });
}

function verifyOrThrow(verifier: EventVerifier, value: unknown, layer: 'wrap' | 'seal'): NostrEvent {
  const r = verifier.verify(value);
  if (!r.ok) reject(r.code, `${layer}: ${r.message}`, { layer });
  return r.event;
}

/**
 * Parse and check a rumor object: shape, recomputed id. A `sig` field, which NIP-59 rumors must
 * not carry, is ignored rather than trusted.
 * @throws OtP2pError `bad-shape`, `bad-id`.
 */
export function parseRumor(value: unknown): Rumor {
  if (!isRecord(value)) reject('bad-shape', 'rumor must be a JSON object', { layer: 'rumor' });
  const { id, pubkey, created_at, kind, tags, content } = value;
  if (!isHex(id, 32)) reject('bad-shape', 'rumor id must be 32-byte hex', { layer: 'rumor' });
  if (!isHex(pubkey, 32)) reject('bad-shape', 'rumor pubkey must be 32-byte hex', { layer: 'rumor' });
  if (typeof created_at !== 'number' || !Number.isSafeInteger(created_at) || created_at < 0)
    reject('bad-shape', 'rumor created_at must be a non-negative integer', { layer: 'rumor' });
  if (typeof kind !== 'number' || !Number.isInteger(kind) || kind < 0 || kind > 65535)
    reject('bad-shape', 'rumor kind must be an integer in 0..65535', { layer: 'rumor' });
  if (typeof content !== 'string') reject('bad-shape', 'rumor content must be a string', { layer: 'rumor' });
  if (!Array.isArray(tags) || !tags.every((t) => Array.isArray(t) && t.every((x) => typeof x === 'string'))) {
    reject('bad-shape', 'rumor tags must be an array of string arrays', { layer: 'rumor' });
  }
  const rumor: Rumor = { id, pubkey, created_at, kind, tags: tags as string[][], content };
  const recomputed = computeEventId(rumor);
  if (recomputed !== id) reject('bad-id', `rumor id ${id} does not match its content`, { layer: 'rumor', id });
  return rumor;
}

/**
 * Open a gift wrap addressed to `signer`'s identity: both layers are decrypted by the signer.
 * @throws OtP2pError
 * - wrap: its verification code (`bad-shape`, `bad-id`, `bad-sig`, `too-large`, ...), `bad-kind`
 *   (not 1059/21059), `bad-wrap` (not addressed to us);
 * - payloads: `bad-payload`, `bad-version`, `bad-mac`, `bad-padding`, `too-large`;
 * - seal: `bad-seal` (not JSON, or has tags), its verification code (`bad-sig`, `bad-id`, ...),
 *   `bad-kind` (not 13);
 * - rumor: `bad-shape`, `bad-id`, `created-at-future`, `pubkey-mismatch` (rumor.pubkey != seal.pubkey);
 * - the signer's codes (`signer-refused`, `signer-timeout`, `signer-mismatch`).
 */
/**
 * The checks on a wrap that cost no decryption: its id, signature, shape and size (the verifier's
 * limits), its kind, a `p` tag naming `recipient`, and a payload size that fits the plaintext cap.
 * Run before asking a signer anything: a remote signer must not work for junk.
 * @throws OtP2pError the verifier's codes (`bad-id`, `bad-sig`, `too-large`, ...), `bad-kind`,
 *   `bad-wrap` (not addressed to `recipient`), `bad-payload`, `bad-version`.
 */
export function checkWrap(
  wrapValue: unknown,
  recipient: string,
  options: Pick<UnwrapOptions, 'verifier' | 'clock' | 'maxPlaintextBytes'> = {},
): NostrEvent {
  const verifier = options.verifier ?? new EventVerifier({ clock: options.clock });
  const wrap = verifyOrThrow(verifier, wrapValue, 'wrap');
  if (!WRAP_KINDS.has(wrap.kind))
    reject('bad-kind', `wrap has kind ${wrap.kind}, expected 1059 or 21059`, { layer: 'wrap', kind: wrap.kind });
  if (!wrap.tags.some((t) => t[0] === 'p' && t[1] === recipient))
    reject('bad-wrap', `wrap ${wrap.id} is not addressed to us`, { layer: 'wrap', id: wrap.id });
  checkPayloadSize(wrap.content, { maxPlaintextBytes: options.maxPlaintextBytes ?? DEFAULT_MAX_PLAINTEXT_BYTES });
  return wrap;
}

export async function unwrapGift(wrapValue: unknown, signer: Signer, options: UnwrapOptions = {}): Promise<Unwrapped> {
  const verifier = options.verifier ?? new EventVerifier({ clock: options.clock });
  const me = options.recipient ?? (await signer.getPublicKey());
  const wrap = checkWrap(wrapValue, me, { ...options, verifier });
  const decryptOptions: DecryptOptions = {
    maxPlaintextBytes: options.maxPlaintextBytes ?? DEFAULT_MAX_PLAINTEXT_BYTES,
  };

  const sealText = await signer.nip44Decrypt(wrap.pubkey, wrap.content);
  let sealValue: unknown;
  try {
    sealValue = parseJson(sealText, 'seal');
  } catch (cause) {
    throw new OtP2pError('bad-seal', `seal inside wrap ${wrap.id} is not JSON`, {
      context: { layer: 'seal', wrap: wrap.id },
      cause,
    });
  }
  const seal = verifyOrThrow(verifier, sealValue, 'seal');
  if (seal.kind !== Kind.Seal)
    reject('bad-kind', `seal has kind ${seal.kind}, expected 13`, { layer: 'seal', kind: seal.kind });
  if (seal.tags.length !== 0)
    reject('bad-seal', `seal ${seal.id} has tags; NIP-59 seals carry none`, { layer: 'seal', id: seal.id });

  checkPayloadSize(seal.content, decryptOptions);
  const rumorText = await signer.nip44Decrypt(seal.pubkey, seal.content);
  let rumorValue: unknown;
  try {
    rumorValue = parseJson(rumorText, 'rumor');
  } catch (cause) {
    throw new OtP2pError('bad-shape', `rumor inside seal ${seal.id} is not JSON`, {
      context: { layer: 'rumor' },
      cause,
    });
  }
  const rumor = parseRumor(rumorValue);
  if (rumor.pubkey !== seal.pubkey) {
    reject('pubkey-mismatch', `rumor pubkey ${rumor.pubkey} differs from seal signer ${seal.pubkey}`, {
      rumor: rumor.pubkey,
      seal: seal.pubkey,
    });
  }
  const now = unixSeconds(options.clock ?? systemClock);
  const future = options.maxFutureSeconds ?? 15 * 60;
  if (rumor.created_at > now + future)
    reject('created-at-future', `rumor created_at ${rumor.created_at} is more than ${future}s in the future`, {
      layer: 'rumor',
    });
  return { rumor, sender: seal.pubkey, seal, wrap };
}
