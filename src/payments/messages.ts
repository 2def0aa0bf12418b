/**
 * Payment protocol messages (docs/protocol.md, "Payment messages"), carried inside gift-wrapped
 * DMs. On the wire every message has the common protocol envelope of `src/messaging/protocol.ts`,
 * `{ v, type, nonce, reply_to?, body }`, with snake_case body fields; amounts are integer strings on
 * the wire and bigint in code. In code a message is flat: the envelope fields beside the body's.
 *
 * {@link parsePaymentMessage} is the boundary: anything from a peer goes through it and comes out
 * typed or as an OtP2pError with a stable code. {@link encodePaymentMessage} is its inverse.
 * {@link PAYMENT_MESSAGE_SCHEMAS} maps each type to its validator so a protocol registry can
 * register all of them in one line.
 */
import { parseAmount } from '../core/amount.ts';
import { fail, hex as hexField, integer, oneOf, optional as optionalField, record, string } from '../core/assert.ts';
import { OtP2pError, describeValue } from '../core/errors.ts';

/** The payment protocol version this code speaks. */
export const PAYMENT_PROTOCOL_VERSION = 1;

/** Every payment message type. */
export const PAYMENT_MESSAGE_TYPES = [
  'quote.request',
  'quote',
  'prepare',
  'prepare.ack',
  'transfer.notice',
  'fulfill',
  'reject',
  'refund.notice',
] as const;

/** A payment message type. */
export type PaymentMessageType = (typeof PAYMENT_MESSAGE_TYPES)[number];

/** Why a peer refuses or abandons a payment. */
export const REJECT_REASONS = [
  'no-offer',
  'no-liquidity',
  'out-of-range',
  'policy',
  'expired',
  'underpaid',
  'bad-receipt',
  'unknown-payment',
  'duplicate-payment',
  'transfer-failed',
  'bad-request',
  'internal',
] as const;

/** A typed reject reason. */
export type RejectReason = (typeof REJECT_REASONS)[number];

/** The envelope every protocol message carries. */
export interface Envelope {
  v: number;
  nonce: string;
  reply_to?: string;
}

/** An asset: a unit on a notary (`btc` on `bitcoin` for on-chain legs). */
export interface Asset {
  notary: string;
  unit: string;
}

/** Proof of a transfer: an OT transfer receipt or a Bitcoin transaction output. */
export type WireReceipt =
  | { kind: 'ot'; notary: string; unit: string; id: string; amount: bigint }
  | { kind: 'btc'; txid: string; vout: number; address: string; amount: bigint };

/** Ask a hop (what it wants in to deliver `out`) or the payee (its terms and a payment hash). */
export interface QuoteRequestMessage extends Envelope {
  type: 'quote.request';
  payment_id: string;
  role: 'hop' | 'payee';
  /** What the quoted party receives; for the payee `amount` is what it must get. */
  in: Asset & { amount?: bigint };
  /** Hops only: what it must deliver onward, and to whom. */
  out?: Asset & { amount: bigint; to: string };
  offer?: string;
}

/** A party's terms. */
export interface QuoteMessage extends Envelope {
  type: 'quote';
  payment_id: string;
  /** The minimum input the party accepts for the requested output. */
  min_in: bigint;
  /** The output the party commits to (hops), or what it will accept as paid (payee). */
  out: bigint;
  rate: { num: bigint; den: bigint };
  cut_ppm: number;
  fee: bigint;
  /** Unix seconds after which the terms no longer hold. */
  expires_at: number;
  /** Where to pay it: its nym on the in-notary (OT legs). */
  nym?: string;
  /** Where to pay it: a fresh address (on-chain legs). */
  btc_address?: string;
  /** Payee only: sha256 of the preimage it will reveal when paid. */
  payment_hash?: string;
}

/** The payer reserves the path: what party `index` receives, what it delivers, until when. */
export interface PrepareMessage extends Envelope {
  type: 'prepare';
  payment_id: string;
  payment_hash: string;
  /** Position in the path: 1 for the first hop, n for the payee. */
  index: number;
  in: Asset & { from: string; amount: bigint; nym: string };
  /** Hops only: what to deliver, and where. */
  out?: Asset & { to: string; amount: bigint; nym: string };
  /** Unix seconds; shrinks hop by hop along the path. */
  expires_at: number;
}

/** A party accepted a prepare and reserved what it needs. */
export interface PrepareAckMessage extends Envelope {
  type: 'prepare.ack';
  payment_id: string;
  index: number;
}

/** Funds were sent on leg `leg` (leg i goes from party i to party i+1; the payer is party 0). */
export interface TransferNoticeMessage extends Envelope {
  type: 'transfer.notice';
  payment_id: string;
  payment_hash: string;
  leg: number;
  receipt: WireReceipt;
  /** What the sender claims it sent; the receiver counts min(claimed, minimum, verified). */
  amount: bigint;
}

/** The payee was paid and reveals the preimage: the payer's receipt. */
export interface FulfillMessage extends Envelope {
  type: 'fulfill';
  payment_id: string;
  payment_hash: string;
  preimage: string;
  amount: bigint;
}

/** A party refuses or abandons the payment. */
export interface RejectMessage extends Envelope {
  type: 'reject';
  payment_id: string;
  reason: RejectReason;
  index?: number;
  message?: string;
}

/** Funds received on leg `leg` were sent back to the sender of that leg. */
export interface RefundNoticeMessage extends Envelope {
  type: 'refund.notice';
  payment_id: string;
  payment_hash: string;
  leg: number;
  receipt: WireReceipt;
  amount: bigint;
}

/** Any payment message. */
export type PaymentMessage =
  | QuoteRequestMessage
  | QuoteMessage
  | PrepareMessage
  | PrepareAckMessage
  | TransferNoticeMessage
  | FulfillMessage
  | RejectMessage
  | RefundNoticeMessage;

/** A payment message without its envelope (what the coordinator builds before stamping a nonce). */
export type PaymentBody<T extends PaymentMessage = PaymentMessage> = T extends PaymentMessage
  ? Omit<T, 'v' | 'nonce' | 'reply_to'>
  : never;

// ---------------------------------------------------------------------------------------------
// validation helpers

const ID_RE = /^[\x21-\x7e]{1,128}$/;
const BTC_ADDR_RE = /^[a-zA-Z0-9]{14,90}$/;
const MAX_SECONDS = 253_402_300_799; // 9999-12-31

// Thin adapters over core/assert.ts: payment fields are read from an object with a path prefix,
// and every failure is `bad-message`.
const CODE = 'bad-message';

function str(o: Record<string, unknown>, key: string, re: RegExp, expected: string, prefix: string): string {
  return string(o[key], `${prefix}${key}`, CODE, { re, expected });
}

function hex(o: Record<string, unknown>, key: string, bytes: number, prefix: string): string {
  return hexField(o[key], `${prefix}${key}`, CODE, bytes);
}

function int(o: Record<string, unknown>, key: string, min: number, max: number, prefix: string): number {
  return integer(o[key], `${prefix}${key}`, CODE, min, max);
}

const rec = (v: unknown, field: string): Record<string, unknown> => record(v, field, CODE);

function amount(o: Record<string, unknown>, key: string, prefix: string, min = 0n): bigint {
  return parseAmount(o[key], `${prefix}${key}`, { min });
}

function asset(v: unknown, field: string): Asset {
  const o = rec(v, field);
  return {
    notary: str(o, 'notary', ID_RE, 'an identifier', `${field}.`),
    unit: str(o, 'unit', ID_RE, 'an identifier', `${field}.`),
  };
}

function optional<T>(o: Record<string, unknown>, key: string, read: () => T): T | undefined {
  return optionalField(o, key, read);
}

function receipt(v: unknown, field: string): WireReceipt {
  const o = rec(v, field);
  if (o.kind === 'ot') {
    return {
      kind: 'ot',
      ...asset(o, field),
      id: str(o, 'id', ID_RE, 'an identifier', `${field}.`),
      amount: amount(o, 'amount', `${field}.`),
    };
  }
  if (o.kind === 'btc') {
    return {
      kind: 'btc',
      txid: hex(o, 'txid', 32, `${field}.`),
      vout: int(o, 'vout', 0, 1_000_000, `${field}.`),
      address: str(o, 'address', BTC_ADDR_RE, 'a Bitcoin address', `${field}.`),
      amount: amount(o, 'amount', `${field}.`),
    };
  }
  return fail(CODE, `${field}.kind`, '"ot" or "btc"', o.kind);
}

function rejectReason(v: unknown): RejectReason {
  return oneOf(v, 'reason', CODE, REJECT_REASONS);
}

type Validator = (o: Record<string, unknown>) => PaymentBody;

/**
 * One validator per message type, each taking the (already envelope-checked) object and returning
 * the typed body. Exposed so the messaging layer's registry can register every payment type.
 */
export const PAYMENT_MESSAGE_SCHEMAS: Record<PaymentMessageType, Validator> = {
  'quote.request': (o) => {
    const role = o.role;
    if (role !== 'hop' && role !== 'payee') fail(CODE, 'role', '"hop" or "payee"', role);
    const inO = rec(o.in, 'in');
    const out = optional(o, 'out', () => {
      const x = rec(o.out, 'out');
      return { ...asset(x, 'out'), amount: amount(x, 'amount', 'out.', 1n), to: hex(x, 'to', 32, 'out.') };
    });
    if (role === 'hop' && out === undefined) fail(CODE, 'out', 'present for a hop', undefined);
    const inAmount = optional(inO, 'amount', () => amount(inO, 'amount', 'in.', 1n));
    if (role === 'payee' && inAmount === undefined) fail(CODE, 'in.amount', 'present for the payee', undefined);
    const offer = optional(o, 'offer', () => str(o, 'offer', ID_RE, 'an identifier', ''));
    return {
      type: 'quote.request',
      payment_id: hex(o, 'payment_id', 16, ''),
      role,
      in: { ...asset(inO, 'in'), ...(inAmount !== undefined ? { amount: inAmount } : {}) },
      ...(out ? { out } : {}),
      ...(offer !== undefined ? { offer } : {}),
    };
  },
  quote: (o) => {
    const rate = rec(o.rate, 'rate');
    const num = amount(rate, 'num', 'rate.', 1n);
    const den = amount(rate, 'den', 'rate.', 1n);
    const nym = optional(o, 'nym', () => str(o, 'nym', ID_RE, 'an identifier', ''));
    const btc = optional(o, 'btc_address', () => str(o, 'btc_address', BTC_ADDR_RE, 'a Bitcoin address', ''));
    if (nym === undefined && btc === undefined) fail(CODE, 'nym', 'present (or btc_address)', undefined);
    const hash = optional(o, 'payment_hash', () => hex(o, 'payment_hash', 32, ''));
    return {
      type: 'quote',
      payment_id: hex(o, 'payment_id', 16, ''),
      min_in: amount(o, 'min_in', '', 1n),
      out: amount(o, 'out', '', 1n),
      rate: { num, den },
      cut_ppm: int(o, 'cut_ppm', 0, 999_999, ''),
      fee: amount(o, 'fee', ''),
      expires_at: int(o, 'expires_at', 0, MAX_SECONDS, ''),
      ...(nym !== undefined ? { nym } : {}),
      ...(btc !== undefined ? { btc_address: btc } : {}),
      ...(hash !== undefined ? { payment_hash: hash } : {}),
    };
  },
  prepare: (o) => {
    const inO = rec(o.in, 'in');
    const out = optional(o, 'out', () => {
      const x = rec(o.out, 'out');
      return {
        ...asset(x, 'out'),
        to: hex(x, 'to', 32, 'out.'),
        amount: amount(x, 'amount', 'out.', 1n),
        nym: str(x, 'nym', ID_RE, 'an identifier', 'out.'),
      };
    });
    return {
      type: 'prepare',
      payment_id: hex(o, 'payment_id', 16, ''),
      payment_hash: hex(o, 'payment_hash', 32, ''),
      index: int(o, 'index', 1, 32, ''),
      in: {
        ...asset(inO, 'in'),
        from: hex(inO, 'from', 32, 'in.'),
        amount: amount(inO, 'amount', 'in.', 1n),
        nym: str(inO, 'nym', ID_RE, 'an identifier', 'in.'),
      },
      ...(out ? { out } : {}),
      expires_at: int(o, 'expires_at', 0, MAX_SECONDS, ''),
    };
  },
  'prepare.ack': (o) => ({
    type: 'prepare.ack',
    payment_id: hex(o, 'payment_id', 16, ''),
    index: int(o, 'index', 1, 32, ''),
  }),
  'transfer.notice': (o) => ({
    type: 'transfer.notice',
    payment_id: hex(o, 'payment_id', 16, ''),
    payment_hash: hex(o, 'payment_hash', 32, ''),
    leg: int(o, 'leg', 0, 32, ''),
    receipt: receipt(o.receipt, 'receipt'),
    amount: amount(o, 'amount', ''),
  }),
  fulfill: (o) => ({
    type: 'fulfill',
    payment_id: hex(o, 'payment_id', 16, ''),
    payment_hash: hex(o, 'payment_hash', 32, ''),
    preimage: hex(o, 'preimage', 32, ''),
    amount: amount(o, 'amount', ''),
  }),
  reject: (o) => {
    const index = optional(o, 'index', () => int(o, 'index', 0, 32, ''));
    const message = optional(o, 'message', () =>
      string(o.message, 'message', CODE, { maxLength: 500, expected: 'a string of at most 500 characters' }),
    );
    return {
      type: 'reject',
      payment_id: hex(o, 'payment_id', 16, ''),
      reason: rejectReason(o.reason),
      ...(index !== undefined ? { index } : {}),
      ...(message !== undefined ? { message } : {}),
    };
  },
  'refund.notice': (o) => ({
    type: 'refund.notice',
    payment_id: hex(o, 'payment_id', 16, ''),
    payment_hash: hex(o, 'payment_hash', 32, ''),
    leg: int(o, 'leg', 0, 32, ''),
    receipt: receipt(o.receipt, 'receipt'),
    amount: amount(o, 'amount', ''),
  }),
};

const NONCE_RE = /^[0-9a-f]{32}$/;

/** Whether `type` is a payment message type. */
export function isPaymentMessageType(type: unknown): type is PaymentMessageType {
  return typeof type === 'string' && (PAYMENT_MESSAGE_TYPES as readonly string[]).includes(type);
}

/**
 * Validate one body against its type's schema (the shape a protocol registry's body validator has).
 * @throws OtP2pError `bad-message` naming the field, `bad-amount` for an amount field.
 */
export function validatePaymentBody(type: PaymentMessageType, body: unknown): PaymentBody {
  return PAYMENT_MESSAGE_SCHEMAS[type](rec(body, 'body'));
}

/**
 * Validate a decoded JSON value (the wire form `{ v, type, nonce, reply_to?, body }`) as a payment
 * message.
 * @throws OtP2pError `bad-message` (not an object, bad envelope or field; `context.field` names it),
 *   `unsupported-version`, `unknown-message-type`, `bad-amount` (an amount field).
 */
export function parsePaymentMessage(value: unknown): PaymentMessage {
  const o = rec(value, 'message');
  if (o.v !== PAYMENT_PROTOCOL_VERSION) {
    if (typeof o.v !== 'number' || !Number.isInteger(o.v)) fail(CODE, 'v', 'an integer', o.v);
    throw new OtP2pError(
      'unsupported-version',
      `payment protocol version ${o.v} is not supported (this peer speaks ${PAYMENT_PROTOCOL_VERSION})`,
      {
        context: { field: 'v', version: o.v },
      },
    );
  }
  if (!isPaymentMessageType(o.type)) {
    throw new OtP2pError('unknown-message-type', `unknown payment message type ${describeValue(o.type)}`, {
      context: { field: 'type' },
    });
  }
  const nonce = str(o, 'nonce', NONCE_RE, '32 lowercase hex characters', '');
  const replyTo = optional(o, 'reply_to', () => str(o, 'reply_to', NONCE_RE, '32 lowercase hex characters', ''));
  const body = validatePaymentBody(o.type, o.body);
  return {
    ...body,
    v: PAYMENT_PROTOCOL_VERSION,
    nonce,
    ...(replyTo !== undefined ? { reply_to: replyTo } : {}),
  } as PaymentMessage;
}

/** The wire form of a message: `{ v, type, nonce, reply_to?, body }`, amounts as integer strings. */
export function encodePaymentMessage(message: PaymentMessage): Record<string, unknown> {
  const { v, type, nonce, reply_to: replyTo, ...fields } = message as PaymentMessage & Record<string, unknown>;
  const body = JSON.parse(
    JSON.stringify(fields, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)),
  ) as Record<string, unknown>;
  delete body.type;
  return { v, type, nonce, ...(replyTo !== undefined ? { reply_to: replyTo } : {}), body };
}
