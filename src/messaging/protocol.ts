/**
 * otp2p protocol messages: a typed, versioned envelope carried as the content of a gift-wrapped
 * rumor of kind {@link Kind.ProtocolMessage} (21560).
 *
 * ```json
 * {"v":1,"type":"hello","nonce":"<16-byte hex>","reply_to":"<nonce>","body":{...}}
 * ```
 *
 * Every message has its own random `nonce` (the replay key, with the rumor id) and may name the
 * message it answers in `reply_to`. Bodies are validated at the boundary by a per-type validator
 * held in a {@link MessageRegistry}; other areas add types by augmenting {@link ProtocolBodies}
 * and registering a validator:
 *
 * ```ts
 * declare module '../messaging/protocol.ts' {
 *   interface ProtocolBodies { 'quote.request': QuoteRequestBody }
 * }
 * defaultRegistry.register('quote.request', validateQuoteRequest);
 * ```
 */
import { createHash } from 'node:crypto';
import * as check from '../core/assert.ts';
import type { BtcNetwork } from '../core/assets.ts';
import { BTC_NETWORKS } from '../core/assets.ts';
import { bytesToHex, isHex } from '../core/bytes.ts';
import type { ErrorCode } from '../core/errors.ts';
import { OtP2pError, describeValue, isErrorCode } from '../core/errors.ts';
import { isRecord, parseJson } from '../core/json.ts';
import type { Clock } from '../core/clock.ts';
import { systemClock, unixSeconds } from '../core/clock.ts';
import type { Random } from '../core/random.ts';
import { cryptoRandom } from '../core/random.ts';
import type { Catalog } from '../events/catalog.ts';
import { catalogToJson, validateCatalog } from '../events/catalog.ts';
import { Kind } from '../events/kinds.ts';
import type { Signer } from '../events/signer.ts';
import type { NostrEvent } from '../events/types.ts';
import { computeEventId, verifySignature } from '../events/verify.ts';

/** The protocol version this code speaks. */
export const PROTOCOL_VERSION = 1;
/** Versions this code accepts (sent back in `error` replies to unknown versions). */
export const SUPPORTED_VERSIONS: readonly number[] = [1];
/** Cap on a message's JSON text, in UTF-16 units (the rumor must fit a wrap). */
export const MAX_MESSAGE_CHARS = 40 * 1024;

/** Where a payment to this peer's on-chain wallet goes. */
export type BitcoinDestination = { network: BtcNetwork; xpub: string } | { network: BtcNetwork; address: string };

/** `hello`: key negotiation, bound to the sender's npub and addressed to one peer. */
export interface HelloBody {
  /** The OT nym ID this peer will use with the recipient. */
  nym_id: string;
  /** The nym's public credential (armored OT text), as the recipient's wallet needs it. */
  credential: string;
  /** Payment destination for on-chain legs, if any. */
  bitcoin?: BitcoinDestination;
  /** The recipient's pubkey: a hello is for one peer and cannot be replayed to another. */
  to: string;
  /**
   * The sender's signature over {@link helloDigest}, as an event any Nostr signer can make (a
   * NIP-46 remote signer signs events, not raw digests): kind {@link Kind.HelloProof}, no tags,
   * content the digest in hex, signed by the sender. It travels only inside the gift wrap.
   */
  proof: NostrEvent;
}

/** `catalog.request`: ask a peer for its catalog as offered to us (may hold private entries). */
export type CatalogRequestBody = Record<string, never>;

/** `catalog.response`: the catalog offered to this peer. */
export interface CatalogResponseBody {
  catalog: Catalog;
}

/** `error`: a polite refusal of a message, naming its stable code. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  /** Versions the sender accepts (set when refusing an unknown version). */
  supported_versions?: number[];
}

/**
 * Body type per message type. Augment this interface (declaration merging) to add messages.
 */
export interface ProtocolBodies {
  hello: HelloBody;
  'catalog.request': CatalogRequestBody;
  'catalog.response': CatalogResponseBody;
  error: ErrorBody;
}

/** A message type name. */
export type MessageType = keyof ProtocolBodies & string;

/** A protocol message; a discriminated union on `type`. */
export type ProtocolMessage<T extends MessageType = MessageType> = {
  [K in T]: { v: number; type: K; nonce: string; reply_to?: string; body: ProtocolBodies[K] };
}[T];

/** What a validator knows about where a message came from. */
export interface ValidationContext {
  /** Author (verified seal signer) of the message. */
  sender: string;
  /** Our pubkey. */
  recipient: string;
}

/** Checks a body and returns it typed. Throws `bad-message` (or a more precise code). */
export type BodyValidator<B> = (body: unknown, ctx: ValidationContext) => B;

/** A registry of message types and their body validators. */
export class MessageRegistry {
  readonly #validators = new Map<string, BodyValidator<unknown>>();

  /**
   * Register (or replace) the validator of `type`.
   * @throws OtP2pError `bad-input` for a type name outside `[a-z][a-z0-9._-]*`.
   */
  register<K extends MessageType>(type: K, validator: BodyValidator<ProtocolBodies[K]>): this {
    if (!/^[a-z][a-z0-9._-]{0,63}$/.test(type))
      throw new OtP2pError('bad-input', `message type ${describeValue(type)} is not a valid name`);
    this.#validators.set(type, validator as BodyValidator<unknown>);
    return this;
  }

  /** Whether `type` is known. */
  has(type: string): boolean {
    return this.#validators.has(type);
  }

  /** Registered types. */
  types(): string[] {
    return [...this.#validators.keys()];
  }

  /**
   * Parse and validate a message's JSON text.
   * @throws OtP2pError `bad-message` (not JSON, wrong envelope, bad body), `unsupported-version`,
   * `unknown-message-type`, or a body validator's code. The error's context carries the
   * message's `nonce` when it could be read, so a reply can reference it.
   */
  parse(text: string, ctx: ValidationContext): ProtocolMessage {
    let value: unknown;
    try {
      value = parseJson(text, 'protocol message', MAX_MESSAGE_CHARS);
    } catch (cause) {
      throw new OtP2pError('bad-message', 'protocol message is not JSON within the size limit', { cause });
    }
    if (!isRecord(value)) throw new OtP2pError('bad-message', 'protocol message must be a JSON object');
    const nonce = isHex(value.nonce, 16) ? value.nonce : undefined;
    const ctxOut = nonce === undefined ? {} : { nonce };
    if (typeof value.v !== 'number' || !Number.isInteger(value.v))
      throw new OtP2pError('bad-message', 'protocol message needs an integer "v"', { context: ctxOut });
    if (!SUPPORTED_VERSIONS.includes(value.v)) {
      throw new OtP2pError(
        'unsupported-version',
        `protocol version ${value.v} is not supported (supported: ${SUPPORTED_VERSIONS.join(', ')})`,
        {
          context: { ...ctxOut, version: value.v },
        },
      );
    }
    if (nonce === undefined) throw new OtP2pError('bad-message', 'protocol message needs a 16-byte hex "nonce"');
    if (value.reply_to !== undefined && !isHex(value.reply_to, 16))
      throw new OtP2pError('bad-message', '"reply_to" must be a 16-byte hex nonce', { context: ctxOut });
    if (typeof value.type !== 'string')
      throw new OtP2pError('bad-message', 'protocol message needs a string "type"', { context: ctxOut });
    const validator = this.#validators.get(value.type);
    if (validator === undefined) {
      throw new OtP2pError('unknown-message-type', `message type ${describeValue(value.type)} is not known`, {
        context: { ...ctxOut, type: value.type.slice(0, 64) },
      });
    }
    let body: unknown;
    try {
      body = validator(value.body, ctx);
    } catch (err) {
      if (err instanceof OtP2pError) {
        throw new OtP2pError(err.code, `${value.type}: ${err.message}`, {
          context: { ...err.context, ...ctxOut, type: value.type },
          cause: err,
        });
      }
      throw new OtP2pError('bad-message', `${value.type}: body is invalid`, {
        context: { ...ctxOut, type: value.type },
        cause: err,
      });
    }
    const msg = { v: value.v, type: value.type, nonce, body } as ProtocolMessage;
    if (typeof value.reply_to === 'string') msg.reply_to = value.reply_to;
    return msg;
  }
}

/** A fresh 16-byte hex message nonce. */
export function newNonce(random: Random = cryptoRandom): string {
  return bytesToHex(random.bytes(16));
}

/**
 * Build a message of `type` (a fresh nonce unless given).
 */
export function makeMessage<K extends MessageType>(
  type: K,
  body: ProtocolBodies[K],
  options: { replyTo?: string; nonce?: string; random?: Random } = {},
): ProtocolMessage<K> {
  const msg = {
    v: PROTOCOL_VERSION,
    type,
    nonce: options.nonce ?? newNonce(options.random),
    body,
  } as ProtocolMessage<K>;
  if (options.replyTo !== undefined) msg.reply_to = options.replyTo;
  return msg;
}

/** Serialise a message (catalog factors as strings, other bigints as decimal strings). */
export function serializeMessage(msg: ProtocolMessage): string {
  const value =
    msg.type === 'catalog.response'
      ? { ...msg, body: { catalog: catalogToJson((msg.body as CatalogResponseBody).catalog) } }
      : msg;
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

/**
 * The polite reply to a message that failed validation: an `error` naming the code, answering
 * the offending message's nonce when it was readable. Never echoes message content.
 */
export function errorReply(err: unknown, options: { random?: Random } = {}): ProtocolMessage<'error'> {
  const e = err instanceof OtP2pError ? err : new OtP2pError('internal', 'message could not be processed');
  const body: ErrorBody = { code: e.code, message: politeMessage(e.code) };
  if (e.code === 'unsupported-version') body.supported_versions = [...SUPPORTED_VERSIONS];
  const nonce = e.context.nonce;
  return makeMessage('error', body, { ...(typeof nonce === 'string' ? { replyTo: nonce } : {}), ...options });
}

function politeMessage(code: ErrorCode): string {
  switch (code) {
    case 'unsupported-version':
      return `sorry, this peer speaks otp2p protocol version ${SUPPORTED_VERSIONS.join(', ')} only`;
    case 'unknown-message-type':
      return 'sorry, this peer does not know that message type';
    default:
      return `sorry, your message was refused (${code})`;
  }
}

// ---- built-in validators -------------------------------------------------------------------

const CODE = 'bad-message';

const NYM_RE = /^[A-Za-z0-9_.:-]{1,128}$/;
const XPUB_RE = /^[a-km-zA-HJ-NP-Z1-9]{100,120}$/;
const ADDRESS_RE = /^[a-zA-Z0-9]{14,90}$/;
/** Cap on a credential's text (an armored OT credential is a few KiB). */
export const MAX_CREDENTIAL_CHARS = 16 * 1024;

/**
 * What a hello signature commits to: sender, recipient, nym, credential hash and payment
 * destination, under a domain tag so no other signed otp2p object can pass for it.
 */
export function helloDigest(sender: string, body: Omit<HelloBody, 'proof'>): Uint8Array {
  const credentialHash = createHash('sha256').update(body.credential, 'utf8').digest('hex');
  const preimage = JSON.stringify([
    'otp2p-hello',
    PROTOCOL_VERSION,
    sender,
    body.to,
    body.nym_id,
    credentialHash,
    body.bitcoin ?? null,
  ]);
  return new Uint8Array(createHash('sha256').update(preimage, 'utf8').digest());
}

/**
 * Build a hello body for `to`, its proof signed by `signer` (the sender's identity, `sender`).
 * @throws OtP2pError `bad-message` for invalid fields, `bad-signature` when the signer signed as
 *   another key than `sender`, the signer's codes (`signer-refused`, `signer-timeout`, ...).
 */
export async function buildHello(
  signer: Signer,
  sender: string,
  fields: Omit<HelloBody, 'proof'>,
  options: { clock?: Clock } = {},
): Promise<HelloBody> {
  const unsigned: Omit<HelloBody, 'proof'> = {
    nym_id: fields.nym_id,
    credential: fields.credential,
    to: fields.to,
    ...(fields.bitcoin ? { bitcoin: fields.bitcoin } : {}),
  };
  const proof = await signer.signEvent({
    kind: Kind.HelloProof,
    created_at: unixSeconds(options.clock ?? systemClock),
    tags: [],
    content: bytesToHex(helloDigest(sender, unsigned)),
  });
  const body = { ...unsigned, proof };
  validateHello(body, { sender, recipient: fields.to });
  return body;
}

/**
 * Check a hello's proof: a well-formed event of kind {@link Kind.HelloProof} by `sender`, no tags,
 * whose content is `digestHex`, with a valid id and signature. Its `created_at` is not judged:
 * freshness is the rumor's business, and the digest already binds sender, recipient and nym.
 */
function checkHelloProof(value: unknown, sender: string, digestHex: string): NostrEvent {
  const p = check.record(value, 'proof', CODE);
  const proof: NostrEvent = {
    id: check.hex(p.id, 'proof.id', CODE, 32),
    pubkey: check.hex(p.pubkey, 'proof.pubkey', CODE, 32),
    created_at: check.integer(p.created_at, 'proof.created_at', CODE, 0, Number.MAX_SAFE_INTEGER),
    kind: check.integer(p.kind, 'proof.kind', CODE, Kind.HelloProof, Kind.HelloProof),
    tags: check.array(p.tags, 'proof.tags', CODE, 0) as string[][],
    content: check.string(p.content, 'proof.content', CODE, { maxLength: 64 }),
    sig: check.hex(p.sig, 'proof.sig', CODE, 64),
  };
  const bad = (why: string): never => {
    throw new OtP2pError('bad-signature', `hello proof ${why} for sender ${sender}`, { context: { sender } });
  };
  if (proof.pubkey !== sender) bad(`is signed by ${proof.pubkey}, not`);
  if (proof.content !== digestHex) bad('commits to other fields than this hello');
  if (computeEventId(proof) !== proof.id) bad('has an id that does not match its content');
  if (!verifySignature(proof.id, proof.pubkey, proof.sig)) bad('signature does not verify');
  return proof;
}

/**
 * Validate a hello: fields, addressed to us, signature by the sender's key.
 * @throws OtP2pError `bad-message`, `bad-signature` (signature does not verify for the sender).
 */
export function validateHello(body: unknown, ctx: ValidationContext): HelloBody {
  const { nym_id, credential, bitcoin, to, proof } = check.record(body, 'body', CODE);
  const out: Omit<HelloBody, 'proof'> = {
    nym_id: check.string(nym_id, 'nym_id', CODE, { re: NYM_RE, expected: '1-128 characters of [A-Za-z0-9_.:-]' }),
    credential: check.string(credential, 'credential', CODE, { minLength: 1, maxLength: MAX_CREDENTIAL_CHARS }),
    to: check.hex(to, 'to', CODE, 32),
  };
  if (to !== ctx.recipient)
    throw new OtP2pError(CODE, `hello is addressed to ${to}, not to us`, { context: { field: 'to' } });
  if (bitcoin !== undefined) {
    const b = check.record(bitcoin, 'bitcoin', CODE);
    const network: BtcNetwork = check.oneOf(b.network, 'bitcoin.network', CODE, BTC_NETWORKS);
    if (b.xpub !== undefined && b.address === undefined) {
      out.bitcoin = {
        network,
        xpub: check.string(b.xpub, 'bitcoin.xpub', CODE, { re: XPUB_RE, expected: 'a base58 extended public key' }),
      };
    } else if (b.address !== undefined && b.xpub === undefined) {
      out.bitcoin = {
        network,
        address: check.string(b.address, 'bitcoin.address', CODE, { re: ADDRESS_RE, expected: 'a bitcoin address' }),
      };
    } else check.fail(CODE, 'bitcoin', 'an object with exactly one of xpub or address', Object.keys(b).join(','));
  }
  return { ...out, proof: checkHelloProof(proof, ctx.sender, bytesToHex(helloDigest(ctx.sender, out))) };
}

function validateEmpty(body: unknown): CatalogRequestBody {
  if (body !== undefined) check.record(body, 'body', CODE);
  return {};
}

function validateCatalogResponse(body: unknown): CatalogResponseBody {
  const { catalog } = check.record(body, 'body', CODE);
  try {
    return { catalog: validateCatalog(catalog) };
  } catch (err) {
    if (err instanceof OtP2pError) throw new OtP2pError('bad-message', `catalog: ${err.message}`, { cause: err });
    throw err;
  }
}

function validateError(body: unknown): ErrorBody {
  const b = check.record(body, 'body', CODE);
  const code = check.string(b.code, 'code', CODE, { maxLength: 64 });
  const message = check.string(b.message, 'message', CODE, { maxLength: 1024 });
  // A code from a newer peer that we do not know is still worth reading: keep it as `internal`.
  const out: ErrorBody = { code: isErrorCode(code) ? code : 'internal', message };
  if (b.supported_versions !== undefined) {
    const sv = check.array(b.supported_versions, 'supported_versions', CODE, 16);
    out.supported_versions = sv.map((x, i) =>
      check.integer(x, `supported_versions[${i}]`, CODE, 0, Number.MAX_SAFE_INTEGER),
    );
  }
  return out;
}

/** A registry holding the built-in types (hello, catalog.request, catalog.response, error). */
export function createRegistry(): MessageRegistry {
  return new MessageRegistry()
    .register('hello', validateHello)
    .register('catalog.request', validateEmpty)
    .register('catalog.response', validateCatalogResponse)
    .register('error', validateError);
}

/** The process-wide registry used when a Messenger is given none; other areas register here. */
export const defaultRegistry: MessageRegistry = createRegistry();
