/**
 * The payment coordinator: one persisted state machine per payment for each role this peer plays
 * (payer, intermediate hop, payee), over the injected ports of `ports.ts`.
 *
 * Protocol (docs/protocol.md, "Payment messages"): the payer quotes the path backwards from the
 * payee (who answers with a payment hash), sends `prepare` to every party with an expiry that
 * shrinks hop by hop, waits for every `prepare.ack`, then pays leg 0. Each hop checks what really
 * arrived against its own ledger, forwards, and tells the next party (and the payer) with a
 * `transfer.notice`. The payee reveals the preimage in `fulfill`. OT transfers are final, so a
 * party that received funds and cannot go on sends them back (`refund.notice`), and refunds
 * cascade back to the payer.
 *
 * Durability: every transition runs in one SQLite transaction that also inserts the steps (messages
 * and transfers) it causes, each with an idempotency key; a step runs only after that commit and
 * is marked done after it ran. A restart re-runs exactly the pending steps; a transfer's key is the
 * notary's idempotency key, so a re-run never moves money twice. Inbound messages are applied only
 * in the state that expects them, so duplicates and replays are no-ops.
 *
 * Transitions use better-sqlite3's synchronous transactions (not kysely's async ones): a transition
 * must not interleave with another, and a synchronous transaction cannot.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import type Database from 'better-sqlite3';
import { bytesToHex, equalBytes, hexToBytes } from '../core/bytes.ts';
import { OtP2pError, isOtP2pError } from '../core/errors.ts';
import type { ErrorCode } from '../core/errors.ts';
import type { Store } from '../store/db.ts';
import type { Selectable } from 'kysely';
import type { PaymentStepsTable, PaymentsTable } from '../store/schema.ts';
import type { CrashHook, CrashPoint } from './crash.ts';
import { noCrash } from './crash.ts';
import { PAYMENT_PROTOCOL_VERSION, encodePaymentMessage, parsePaymentMessage } from './messages.ts';
import type {
  FulfillMessage,
  PaymentBody,
  PaymentMessage,
  PrepareAckMessage,
  PrepareMessage,
  QuoteMessage,
  QuoteRequestMessage,
  RefundNoticeMessage,
  RejectMessage,
  RejectReason,
  TransferNoticeMessage,
  WireReceipt,
} from './messages.ts';
import { isOnChainAsset } from './ports.ts';
import type { PaymentPorts, TransferReceipt, TransferRequest, VerifiedTransfer } from './ports.ts';

/** A payment's role for this peer. */
export type PaymentRole = 'payer' | 'hop' | 'payee';

/** Terminal states per role. */
export const TERMINAL_STATES: Record<PaymentRole, readonly string[]> = {
  payer: ['succeeded', 'failed', 'refunded'],
  hop: ['forwarded', 'refunded', 'rejected', 'expired'],
  payee: ['fulfilled', 'refunded', 'rejected', 'expired'],
};

/** One leg of a route: `from` pays `to` in `unit` on `notary`. */
export interface RouteLeg {
  from: string;
  to: string;
  notary: string;
  unit: string;
  /** The amount the path finder planned for this leg (base units of `unit`). */
  amount: bigint;
  /** The offer of `to` this leg feeds (as pathing's `RouteHop.offer`); absent on the payee's leg. */
  offer?: string;
}

/** What {@link PaymentCoordinator.pay} needs. */
export interface PayRequest {
  /** Legs from us to the payee, in order (leg i goes from party i to party i+1). */
  route: RouteLeg[];
  /** What the payee must receive (default: the last leg's amount). */
  amount?: bigint;
  /** How much more than the route's first leg we accept to send (default 0). */
  maxFee?: bigint;
  /** A 16-byte hex id; random by default. */
  paymentId?: string;
}

/** How a payment ended, for the payer. */
export interface PaymentResult {
  paymentId: string;
  state: 'succeeded' | 'failed' | 'refunded';
  paymentHash: string | null;
  /** The payee's preimage: proof of payment. */
  preimage: string | null;
  /** What we sent on leg 0 (0 when nothing left). */
  sent: bigint;
  /** What counts as delivered: min(claimed by the payee, amount asked). */
  delivered: bigint;
  /** What came back in refunds (counted as min(claimed, verified, sent)). */
  refunded: bigint;
  error?: { code: string; message: string };
}

/** A row of the `payment_misbehaving` table. */
export interface MisbehavingRecord {
  pubkey: string;
  paymentId: string;
  reason: string;
  detail: string | null;
  createdAt: number;
}

/** Limits and timings. Defaults suit interactive payments over public relays. */
export interface CoordinatorLimits {
  /** Follow steps from us a hop may be at (default 6). */
  maxDegree: number;
  /** Maximum total (in the payer's unit) at risk with one intermediate peer (default 100000). */
  maxExposurePerPeer: bigint;
  /** Maximum legs in a route (default 6). */
  maxHops: number;
  /** Attempts per step before it fails (default 5). */
  maxAttempts: number;
  /** First retry delay; doubles per attempt (default 500 ms). */
  retryBaseMs: number;
  /** How long a party waits for each quote / for all acks (default 20 s). */
  replyTimeoutMs: number;
  /** How long a quote holds (default 120 s). */
  quoteTtlSeconds: number;
  /** Expiry given to the payee; each earlier hop gets this much more (default 30 s). */
  expiryDeltaSeconds: number;
  /** After the first hop's expiry, how long the payer waits before it names the holder (default 10 s). */
  graceMs: number;
  /** How often a party paid on-chain checks its incoming transaction's confirmations (default 5 s). */
  confirmationPollMs: number;
  /** Extra expiry per on-chain leg of a route, for its confirmations (default 3600 s: six blocks). */
  onChainExpirySeconds: number;
}

/** Default {@link CoordinatorLimits}. */
export const DEFAULT_LIMITS: CoordinatorLimits = {
  maxDegree: 6,
  maxExposurePerPeer: 100_000n,
  maxHops: 6,
  maxAttempts: 5,
  retryBaseMs: 500,
  replyTimeoutMs: 20_000,
  quoteTtlSeconds: 120,
  expiryDeltaSeconds: 30,
  graceMs: 10_000,
  confirmationPollMs: 5_000,
  onChainExpirySeconds: 3_600,
};

/** Options for {@link PaymentCoordinator}. */
export interface CoordinatorOptions {
  store: Store;
  ports: PaymentPorts;
  /** Our pubkey (hex). */
  self: string;
  limits?: Partial<CoordinatorLimits>;
  /** Called at every persistence point (crash tests); default none. */
  crash?: CrashHook;
  /** Run `tick()` every this many ms after `start()` (0: never; tests drive `tick()`). */
  tickMs?: number;
  /** Diagnostics (never secrets). */
  log?: (line: string) => void;
}

/** Rows as the raw statements return them: the table types of src/store/schema.ts. */
type PaymentRow = Selectable<PaymentsTable>;
type StepRow = Pick<Selectable<PaymentStepsTable>, 'id' | 'payment_id' | 'idempotency_key' | 'kind' | 'status' | 'payload' | 'result' | 'attempts' | 'next_attempt_at'>;

type Wire = Record<string, unknown>;

interface StoredLeg {
  from: string;
  to: string;
  notary: string;
  unit: string;
  amount: string;
  offer?: string;
}

interface PayerData {
  legs: StoredLeg[];
  parties: string[];
  amount: string;
  maxFee: string;
  cursor: number;
  quotes: Record<string, Wire>;
  acks: number[];
  expiries: number[];
  sent?: string;
  notices: Record<string, string>;
  refunded?: string;
  delivered?: string;
  /** On-chain: a refund notice whose transaction awaits its confirmations, and the next check. */
  confirmingRefund?: Wire;
  recheckAt?: number;
}

interface HopData {
  prepare: Wire;
  /** On-chain legs: the notice whose transaction awaits its confirmations, and the next check. */
  confirming?: Wire;
  confirmingRefund?: Wire;
  recheckAt?: number;
  inReceipt?: string;
  fromNym?: string;
  counted?: string;
  refundOf?: string;
}

interface PayeeData {
  amount: string;
  notary: string;
  unit: string;
  nym: string;
  prepare?: Wire;
  inReceipt?: string;
  fromNym?: string;
  counted?: string;
}

interface TransferPayload {
  purpose: 'pay' | 'forward' | 'refund';
  leg: number;
  request: Omit<TransferRequest, 'amount'> & { amount: string };
}

interface SendPayload {
  to: string;
  message: Wire;
}

const FINAL_TRANSFER_ERRORS: ReadonlySet<ErrorCode> = new Set([
  'insufficient-funds',
  'unknown-account',
  'unknown-notary',
  'unknown-unit',
  'bad-amount',
  'bad-address',
  'dust',
]);

/** Hop and payee states in which incoming funds are applied ('confirming': on-chain, awaiting confirmations). */
const RECEIVING_STATES: readonly string[] = ['prepared', 'expired', 'confirming'];

const min = (...xs: bigint[]): bigint => xs.reduce((a, b) => (b < a ? b : a));
const seconds = (ms: number): number => Math.floor(ms / 1000);

/**
 * The coordinator. Create one per peer over its store, call {@link start} (which resumes in-flight
 * payments), then {@link pay} as a payer; hop and payee roles run from inbound messages.
 */
export class PaymentCoordinator {
  readonly #store: Store;
  readonly #raw: Database.Database;
  readonly #ports: PaymentPorts;
  readonly #self: string;
  readonly #limits: CoordinatorLimits;
  readonly #crash: CrashHook;
  readonly #tickMs: number;
  readonly #log: (line: string) => void;
  #queue: Promise<unknown> = Promise.resolve();
  #stopped = true;
  #unsubscribe: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  readonly #waiters = new Map<string, ((r: PaymentResult) => void)[]>();
  readonly #stmt: {
    getPayment: Database.Statement<[string], PaymentRow>;
    insertPayment: Database.Statement<Record<string, unknown>>;
    updatePayment: Database.Statement<Record<string, unknown>>;
    insertStep: Database.Statement<Record<string, unknown>>;
    dueSteps: Database.Statement<[number], StepRow>;
    stepDone: Database.Statement<[string | null, number, number]>;
    stepRetry: Database.Statement<[number, string, number, number]>;
    stepFailed: Database.Statement<[string, number, number]>;
    byHash: Database.Statement<[string, string], PaymentRow>;
    receiptUsed: Database.Statement<[string], { id: string }>;
    due: Database.Statement<[number], PaymentRow>;
    riskRows: Database.Statement<[], PaymentRow>;
    confirming: Database.Statement<[], PaymentRow>;
    misbehave: Database.Statement<[string, string, string, string | null, number]>;
  };

  constructor(options: CoordinatorOptions) {
    this.#store = options.store;
    this.#raw = options.store.raw;
    this.#ports = options.ports;
    this.#self = options.self;
    this.#limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.#crash = options.crash ?? noCrash;
    this.#tickMs = options.tickMs ?? 0;
    this.#log = options.log ?? (() => {});
    const r = this.#raw;
    this.#stmt = {
      getPayment: r.prepare('SELECT * FROM payments WHERE id = ?'),
      insertPayment: r.prepare(
        `INSERT INTO payments (id, role, state, payment_hash, preimage, payer, prev_peer, next_peer, amount_in, amount_out,
           expires_at, deadline_at, data, error_code, error_message, created_at, updated_at)
         VALUES (@id, @role, @state, @payment_hash, @preimage, @payer, @prev_peer, @next_peer, @amount_in, @amount_out,
           @expires_at, @deadline_at, @data, NULL, NULL, @now, @now)`,
      ),
      updatePayment: r.prepare(
        `UPDATE payments SET state = @state, payment_hash = @payment_hash, preimage = @preimage, amount_in = @amount_in,
           amount_out = @amount_out, expires_at = @expires_at, deadline_at = @deadline_at, data = @data,
           error_code = @error_code, error_message = @error_message, updated_at = @now WHERE id = @id`,
      ),
      insertStep: r.prepare(
        `INSERT OR IGNORE INTO payment_steps (payment_id, idempotency_key, kind, status, payload, attempts, next_attempt_at, created_at, updated_at)
         VALUES (@payment_id, @key, @kind, 'pending', @payload, 0, @at, @now, @now)`,
      ),
      dueSteps: r.prepare(`SELECT * FROM payment_steps WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT 1`),
      stepDone: r.prepare(`UPDATE payment_steps SET status = 'done', result = ?, updated_at = ? WHERE id = ?`),
      stepRetry: r.prepare(`UPDATE payment_steps SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?, updated_at = ? WHERE id = ?`),
      stepFailed: r.prepare(`UPDATE payment_steps SET status = 'failed', attempts = attempts + 1, last_error = ?, updated_at = ? WHERE id = ?`),
      byHash: r.prepare('SELECT * FROM payments WHERE role = ? AND payment_hash = ?'),
      receiptUsed: r.prepare(`SELECT id FROM payments WHERE json_extract(data, '$.inReceipt') = ?`),
      due: r.prepare(`SELECT * FROM payments WHERE deadline_at IS NOT NULL AND deadline_at <= ? ORDER BY deadline_at`),
      riskRows: r.prepare(`SELECT * FROM payments WHERE role = 'payer' AND state NOT IN ('succeeded', 'refunded')`),
      confirming: r.prepare(
        `SELECT * FROM payments WHERE state = 'confirming'
           OR (state IN ('sending', 'in-flight', 'failing', 'failed', 'forwarded') AND json_extract(data, '$.confirmingRefund') IS NOT NULL)
         ORDER BY updated_at`,
      ),
      misbehave: r.prepare(
        'INSERT OR IGNORE INTO payment_misbehaving (pubkey, payment_id, reason, detail, created_at) VALUES (?, ?, ?, ?, ?)',
      ),
    };
  }

  // ------------------------------------------------------------------------------------------
  // lifecycle

  /** Subscribe to inbound messages and resume every in-flight payment (pending steps, deadlines). */
  async start(): Promise<void> {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#unsubscribe = this.#ports.channel.onMessage((from, message) => this.handle(from, message));
    if (this.#tickMs > 0) {
      this.#timer = setInterval(() => void this.tick().catch((e: unknown) => this.#log(`tick failed: ${String(e)}`)), this.#tickMs);
      this.#timer.unref();
    }
    await this.tick();
  }

  /** Stop handling messages and timers (the database stays open; `start()` resumes). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#queue.catch(() => {});
  }

  /** Apply deadlines (timeouts, expiries) and run due steps. Called by the timer and by tests. */
  async tick(): Promise<void> {
    if (this.#stopped) return;
    await this.#exclusive(async () => {
      const now = this.#ports.clock.now();
      for (const row of this.#stmt.due.all(now)) this.#onDeadline(row, now);
      await this.#recheckConfirming(now);
      await this.#drain();
    });
  }

  // ------------------------------------------------------------------------------------------
  // payer API

  /**
   * Pay along `route`. Resolves when the payment is final (succeeded, failed or refunded); a
   * failure after the payment started resolves with `state: 'failed'` rather than throwing.
   * @throws OtP2pError `bad-input` (malformed route), `outside-radius` (a hop beyond the social
   *   radius or no social graph), `hop-misbehaved` (a hop is on the misbehaving record), `exposure-limit` (a hop would hold more than the per-peer limit),
   *   `unknown-account` (we hold no account for the first leg), `payment-exists` (id reused),
   *   `closed` (coordinator not started).
   */
  async pay(request: PayRequest): Promise<PaymentResult> {
    const id = await this.begin(request);
    return this.waitFor(id);
  }

  /**
   * Start a payment and return its id without waiting (see {@link pay} for the checks).
   * @throws as {@link pay}.
   */
  async begin(request: PayRequest): Promise<string> {
    if (this.#stopped) throw new OtP2pError('closed', 'the payment coordinator is not started');
    const legs = this.#checkRoute(request);
    const parties = [legs[0]!.from, ...legs.map((l) => l.to)];
    const n = legs.length;
    const amount = request.amount ?? legs[n - 1]!.amount;
    const maxFee = request.maxFee ?? 0n;
    if (amount <= 0n || maxFee < 0n) throw new OtP2pError('bad-amount', `amount must be positive and maxFee non-negative`);
    const budget = legs[0]!.amount + maxFee;
    this.#checkRisk(parties.slice(1, n), budget);
    if (!this.#ports.transfers.account(legs[0]!.notary, legs[0]!.unit)) {
      throw new OtP2pError('unknown-account', `we hold no account for ${legs[0]!.unit} on ${legs[0]!.notary}`, {
        context: { notary: legs[0]!.notary, unit: legs[0]!.unit },
      });
    }
    const id = request.paymentId ?? bytesToHex(this.#ports.random.bytes(16));
    if (!/^[0-9a-f]{32}$/.test(id)) throw new OtP2pError('bad-input', 'paymentId must be 32 lowercase hex characters');
    await this.#exclusive(async () => {
      if (this.#stmt.getPayment.get(id)) throw new OtP2pError('payment-exists', `payment ${id} already exists`, { context: { paymentId: id } });
      const now = this.#ports.clock.now();
      const data: PayerData = {
        legs: legs.map((l) => ({ ...l, amount: l.amount.toString() })),
        parties,
        amount: amount.toString(),
        maxFee: maxFee.toString(),
        cursor: n,
        quotes: {},
        acks: [],
        expiries: [],
        notices: {},
      };
      const last = legs[n - 1]!;
      this.#tx(() => {
        this.#stmt.insertPayment.run({
          id,
          role: 'payer',
          state: 'quoting',
          payment_hash: null,
          preimage: null,
          payer: this.#self,
          prev_peer: null,
          next_peer: parties[1],
          amount_in: null,
          amount_out: amount.toString(),
          expires_at: null,
          deadline_at: now + this.#limits.replyTimeoutMs,
          data: JSON.stringify(data),
          now,
        });
        this.#queueSend(id, `quote:${n}`, last.to, {
          type: 'quote.request',
          payment_id: id,
          role: 'payee',
          in: { notary: last.notary, unit: last.unit, amount },
        });
      });
      this.#crash('payer:created');
      await this.#drain();
    });
    return id;
  }

  /**
   * Resolve when payment `id` (ours, as payer) is final.
   * @throws OtP2pError `not-found` when there is no such payer payment.
   */
  async waitFor(id: string): Promise<PaymentResult> {
    const row = this.#stmt.getPayment.get(id);
    if (!row || row.role !== 'payer') throw new OtP2pError('not-found', `no payment ${id}`, { context: { paymentId: id } });
    const result = this.#result(row);
    if (result) return result;
    return new Promise((resolve) => {
      const list = this.#waiters.get(id) ?? [];
      list.push(resolve);
      this.#waiters.set(id, list);
    });
  }

  /** The payer's view of payment `id`, or undefined while it is not final (or unknown). */
  result(id: string): PaymentResult | undefined {
    const row = this.#stmt.getPayment.get(id);
    return row ? this.#result(row) : undefined;
  }

  /** Peers recorded as misbehaving (held a payment past expiry, underpaid, bad receipts). */
  misbehaving(): MisbehavingRecord[] {
    return (this.#raw.prepare('SELECT * FROM payment_misbehaving ORDER BY created_at').all() as {
      pubkey: string;
      payment_id: string;
      reason: string;
      detail: string | null;
      created_at: number;
    }[]).map((r) => ({ pubkey: r.pubkey, paymentId: r.payment_id, reason: r.reason, detail: r.detail, createdAt: r.created_at }));
  }

  /** What we currently have at risk with `pubkey` as an intermediate hop (payer's unit). */
  exposureTo(pubkey: string): bigint {
    return this.#exposure().get(pubkey) ?? 0n;
  }

  // ------------------------------------------------------------------------------------------
  // inbound

  /**
   * Apply one inbound message from `from`. Messages that do not fit the payment's state (duplicates,
   * replays, out-of-order, from the wrong peer) are ignored. Never throws: a bad message is logged.
   */
  async handle(from: string, message: PaymentMessage): Promise<void> {
    if (this.#stopped) return;
    await this.#exclusive(async () => {
      try {
        await this.#dispatch(from, message);
      } catch (err) {
        this.#log(`ignored ${message.type} from ${from.slice(0, 8)}: ${isOtP2pError(err) ? `${err.code}: ${err.message}` : String(err)}`);
      }
      await this.#drain();
    }).catch((err: unknown) => this.#log(`handling failed: ${String(err)}`));
  }

  #dispatch(from: string, m: PaymentMessage): void | Promise<void> {
    switch (m.type) {
      case 'quote.request':
        return m.role === 'payee' ? this.#payeeQuote(from, m) : this.#hopQuote(from, m);
      case 'quote':
        return this.#payerQuote(from, m);
      case 'prepare':
        return m.out ? this.#hopPrepare(from, m) : this.#payeePrepare(from, m);
      case 'prepare.ack':
        return this.#payerAck(from, m);
      case 'transfer.notice':
        return this.#onTransferNotice(from, m);
      case 'fulfill':
        return this.#payerFulfill(from, m);
      case 'reject':
        return this.#onReject(from, m);
      case 'refund.notice':
        return this.#onRefundNotice(from, m);
    }
  }

  // ------------------------------------------------------------------------------------------
  // payer transitions

  #payerQuote(from: string, m: QuoteMessage): void {
    const row = this.#stmt.getPayment.get(m.payment_id);
    if (!row || row.role !== 'payer' || row.state !== 'quoting') return;
    const d = JSON.parse(row.data) as PayerData;
    const k = d.cursor;
    if (d.parties[k] !== from) return;
    const n = d.legs.length;
    const now = this.#ports.clock.now();
    if (m.expires_at * 1000 <= now) return this.#payerFail(row, d, 'quote-expired', `party ${k} sent an expired quote`, true);
    const wanted = k === n ? BigInt(d.amount) : BigInt((d.quotes[String(k + 1)] as { min_in: string }).min_in);
    if (m.out !== wanted) return this.#payerFail(row, d, 'hop-misbehaved', `party ${k} quoted output ${m.out}, asked ${wanted}`, true);
    // where to pay this party: its nym/account on an OT leg, the fresh address it quoted on an on-chain leg
    const payTo = m.nym ?? m.btc_address;
    if (payTo === undefined) return this.#payerFail(row, d, 'hop-refused', `party ${k} gave nowhere to pay`, true);
    let hash = row.payment_hash;
    if (k === n) {
      if (m.payment_hash === undefined || m.min_in !== wanted) {
        return this.#payerFail(row, d, 'hop-misbehaved', 'the payee quote lacks a payment hash or changes the amount', true);
      }
      if (this.#stmt.byHash.get('payer', m.payment_hash)) {
        return this.#payerFail(row, d, 'payment-exists', 'the payee reused a payment hash we already paid', true);
      }
      hash = m.payment_hash;
    }
    d.quotes[String(k)] = { ...(encodePaymentMessage(m).body as Wire), nym: payTo };
    if (k > 1) {
      d.cursor = k - 1;
      const inLeg = d.legs[k - 2]!;
      const outLeg = d.legs[k - 1]!;
      this.#tx(() => {
        this.#save(row, { payment_hash: hash, data: d, deadline_at: now + this.#limits.replyTimeoutMs });
        this.#queueSend(row.id, `quote:${k - 1}`, d.parties[k - 1]!, {
          type: 'quote.request',
          payment_id: row.id,
          role: 'hop',
          in: { notary: inLeg.notary, unit: inLeg.unit },
          out: { notary: outLeg.notary, unit: outLeg.unit, amount: m.min_in, to: from },
          ...(inLeg.offer !== undefined ? { offer: inLeg.offer } : {}),
        });
      });
      return;
    }
    // every party quoted: check the price, then prepare the path
    const send = BigInt((d.quotes['1'] as { min_in: string }).min_in);
    const budget = BigInt(d.legs[0]!.amount) + BigInt(d.maxFee);
    if (send > budget) return this.#payerFail(row, d, 'fee-too-high', `the path asks ${send}, over the budget of ${budget}`, true);
    const nowS = seconds(now);
    const delta = this.#limits.expiryDeltaSeconds;
    // every party after an on-chain leg is paid only after its confirmations: give them the time
    const onChain = d.legs.filter((l) => isOnChainAsset(l.notary, l.unit)).length * this.#limits.onChainExpirySeconds;
    d.expiries = d.parties.map((_p, i) => nowS + (n - i + 1) * delta + onChain);
    d.cursor = 0;
    this.#tx(() => {
      this.#save(row, {
        state: 'preparing',
        payment_hash: hash,
        data: d,
        amount_in: send.toString(),
        expires_at: d.expiries[1]! * 1000,
        deadline_at: now + this.#limits.replyTimeoutMs,
      });
      for (let i = 1; i <= n; i++) {
        const q = d.quotes[String(i)] as { min_in: string; nym: string };
        const inLeg = d.legs[i - 1]!;
        const out =
          i < n
            ? {
                notary: d.legs[i]!.notary,
                unit: d.legs[i]!.unit,
                to: d.parties[i + 1]!,
                amount: BigInt((d.quotes[String(i + 1)] as { min_in: string }).min_in),
                nym: (d.quotes[String(i + 1)] as { nym: string }).nym,
              }
            : undefined;
        this.#queueSend(row.id, `prepare:${i}`, d.parties[i]!, {
          type: 'prepare',
          payment_id: row.id,
          payment_hash: hash!,
          index: i,
          in: { notary: inLeg.notary, unit: inLeg.unit, from: d.parties[i - 1]!, amount: BigInt(q.min_in), nym: q.nym },
          ...(out ? { out } : {}),
          expires_at: d.expiries[i]!,
        });
      }
    });
    this.#crash('payer:quoted');
  }

  #payerAck(from: string, m: PrepareAckMessage): void {
    const row = this.#stmt.getPayment.get(m.payment_id);
    if (!row || row.role !== 'payer' || row.state !== 'preparing') return;
    const d = JSON.parse(row.data) as PayerData;
    if (d.parties[m.index] !== from || d.acks.includes(m.index)) return;
    d.acks.push(m.index);
    if (d.acks.length < d.legs.length) {
      this.#tx(() => this.#save(row, { data: d }));
      return;
    }
    const leg = d.legs[0]!;
    const q = d.quotes['1'] as { min_in: string; nym: string };
    const account = this.#ports.transfers.account(leg.notary, leg.unit);
    if (!account) return this.#payerFail(row, d, 'unknown-account', `no account for ${leg.unit} on ${leg.notary}`, true);
    this.#tx(() => {
      this.#save(row, { state: 'sending', data: d, deadline_at: null });
      this.#queueTransfer(row.id, `${row.id}:leg:0`, {
        purpose: 'pay',
        leg: 0,
        request: { idempotencyKey: `${row.id}:leg:0`, notary: leg.notary, unit: leg.unit, fromAccount: account.account, toNym: q.nym, amount: q.min_in },
      });
    });
    this.#crash('payer:prepared');
  }

  #payerFulfill(from: string, m: FulfillMessage): void {
    const row = this.#stmt.getPayment.get(m.payment_id);
    if (!row || row.role !== 'payer' || row.payment_hash !== m.payment_hash) return;
    if (!['sending', 'in-flight', 'failing', 'failed'].includes(row.state)) return;
    const d = JSON.parse(row.data) as PayerData;
    if (d.parties[d.legs.length] !== from || d.sent === undefined) return;
    if (!equalBytes(sha256(hexToBytes(m.preimage, 'preimage', 32)), hexToBytes(m.payment_hash, 'payment_hash', 32))) {
      throw new OtP2pError('bad-preimage', 'the preimage does not hash to the payment hash');
    }
    d.delivered = min(m.amount, BigInt(d.amount)).toString();
    this.#tx(() => this.#save(row, { state: 'succeeded', preimage: m.preimage, data: d, deadline_at: null, error_code: null, error_message: null }));
    this.#settled(row.id);
  }

  /** Fail a payer payment; `release` tells prepared parties to drop their reservations. */
  #payerFail(row: PaymentRow, d: PayerData, code: ErrorCode | RejectReason, message: string, release: boolean): void {
    this.#tx(() => {
      this.#save(row, { state: 'failed', data: d, deadline_at: null, error_code: code, error_message: message });
      if (release && row.state === 'preparing') {
        for (let i = 1; i < d.parties.length; i++) {
          this.#queueSend(row.id, `release:${i}`, d.parties[i]!, { type: 'reject', payment_id: row.id, reason: 'policy', message: 'payment abandoned' });
        }
      }
    });
    this.#settled(row.id);
  }

  #settled(id: string): void {
    this.#crash('payer:settled');
    const row = this.#stmt.getPayment.get(id);
    const result = row ? this.#result(row) : undefined;
    if (!result) return;
    const list = this.#waiters.get(id) ?? [];
    this.#waiters.delete(id);
    for (const resolve of list) resolve(result);
  }

  #result(row: PaymentRow): PaymentResult | undefined {
    if (row.role !== 'payer' || !TERMINAL_STATES.payer.includes(row.state)) return undefined;
    const d = JSON.parse(row.data) as PayerData;
    return {
      paymentId: row.id,
      state: row.state as PaymentResult['state'],
      paymentHash: row.payment_hash,
      preimage: row.state === 'succeeded' ? row.preimage : null,
      sent: BigInt(d.sent ?? '0'),
      delivered: BigInt(d.delivered ?? '0'),
      refunded: BigInt(d.refunded ?? '0'),
      ...(row.error_code ? { error: { code: row.error_code, message: row.error_message ?? '' } } : {}),
    };
  }

  // ------------------------------------------------------------------------------------------
  // hop transitions

  #hopQuote(from: string, m: QuoteRequestMessage): void {
    const out = m.out!;
    const reply = (body: PaymentBody): void => void this.#sendDirect(from, body, m.nonce);
    const policy = this.#ports.policy;
    const inAccount = this.#ports.transfers.account(m.in.notary, m.in.unit);
    if (!policy || !inAccount || !this.#ports.transfers.account(out.notary, out.unit)) {
      return reply({ type: 'reject', payment_id: m.payment_id, reason: 'no-offer', message: 'we do not convert between these assets' });
    }
    const decision = policy.quote({
      inNotary: m.in.notary,
      inUnit: m.in.unit,
      outNotary: out.notary,
      outUnit: out.unit,
      outAmount: out.amount,
      ...(m.offer !== undefined ? { offer: m.offer } : {}),
    });
    if (!decision.ok) return reply({ type: 'reject', payment_id: m.payment_id, reason: decision.reason, message: decision.message });
    // on-chain in-leg: a fresh address bound to this payment alone, recorded before it is quoted
    const address = this.#ports.transfers.receiveAddress?.(m.payment_id, m.in.notary, m.in.unit);
    reply({
      type: 'quote',
      payment_id: m.payment_id,
      min_in: decision.minIn,
      out: out.amount,
      rate: decision.rate,
      cut_ppm: decision.cutPpm,
      fee: decision.fee,
      expires_at: seconds(this.#ports.clock.now()) + this.#limits.quoteTtlSeconds,
      ...(address !== undefined ? { btc_address: address } : { nym: inAccount.nym }),
    });
  }

  #hopPrepare(from: string, m: PrepareMessage): void {
    const out = m.out!;
    const existing = this.#stmt.getPayment.get(m.payment_id);
    if (existing) {
      if (existing.role === 'hop' && existing.state === 'prepared' && existing.payer === from) {
        void this.#sendDirect(from, { type: 'prepare.ack', payment_id: m.payment_id, index: m.index }, m.nonce);
      }
      return;
    }
    const now = this.#ports.clock.now();
    const refuse = (reason: RejectReason, message: string): void =>
      void this.#sendDirect(from, { type: 'reject', payment_id: m.payment_id, reason, index: m.index, message }, m.nonce);
    if (m.expires_at * 1000 <= now) return refuse('expired', 'the prepare has already expired');
    const inAccount = this.#ports.transfers.account(m.in.notary, m.in.unit);
    const outAccount = this.#ports.transfers.account(out.notary, out.unit);
    const inNym = isOnChainAsset(m.in.notary, m.in.unit) ? this.#ports.transfers.receiveAddress?.(m.payment_id, m.in.notary, m.in.unit, false) : inAccount?.nym;
    if (!inAccount || !outAccount || inNym === undefined || inNym !== m.in.nym) return refuse('bad-request', 'the prepare names an account we do not hold');
    const decision = this.#ports.policy?.quote({ inNotary: m.in.notary, inUnit: m.in.unit, outNotary: out.notary, outUnit: out.unit, outAmount: out.amount });
    if (!decision?.ok) return refuse(decision?.reason ?? 'no-offer', decision?.message ?? 'no policy');
    if (decision.minIn > m.in.amount) return refuse('underpaid', `we need ${decision.minIn} in to deliver ${out.amount}`);
    if (this.#stmt.byHash.get('hop', m.payment_hash)) return refuse('duplicate-payment', 'we already forwarded this payment hash');
    const data: HopData = { prepare: encodePaymentMessage({ ...m, v: PAYMENT_PROTOCOL_VERSION }) };
    this.#tx(() => {
      this.#stmt.insertPayment.run({
        id: m.payment_id,
        role: 'hop',
        state: 'prepared',
        payment_hash: m.payment_hash,
        preimage: null,
        payer: from,
        prev_peer: m.in.from,
        next_peer: out.to,
        amount_in: m.in.amount.toString(),
        amount_out: out.amount.toString(),
        expires_at: m.expires_at * 1000,
        deadline_at: m.expires_at * 1000,
        data: JSON.stringify(data),
        now,
      });
      this.#queueSend(m.payment_id, `ack:${m.index}`, from, { type: 'prepare.ack', payment_id: m.payment_id, index: m.index }, m.nonce);
    });
    this.#crash('hop:prepared');
  }

  // ------------------------------------------------------------------------------------------
  // payee transitions

  #payeeQuote(from: string, m: QuoteRequestMessage): void {
    const amount = m.in.amount!;
    const existing = this.#stmt.getPayment.get(m.payment_id);
    if (existing) return; // the quote step of the first request is (or will be) sent
    const account = this.#ports.transfers.account(m.in.notary, m.in.unit);
    if (!account) {
      void this.#sendDirect(from, { type: 'reject', payment_id: m.payment_id, reason: 'no-offer', message: 'we do not accept this asset' }, m.nonce);
      return;
    }
    const now = this.#ports.clock.now();
    const preimage = this.#ports.random.bytes(32);
    const hash = bytesToHex(sha256(preimage));
    const expires = seconds(now) + this.#limits.quoteTtlSeconds;
    // on-chain: a fresh address bound to this payment alone
    const address = this.#ports.transfers.receiveAddress?.(m.payment_id, m.in.notary, m.in.unit);
    const data: PayeeData = { amount: amount.toString(), notary: m.in.notary, unit: m.in.unit, nym: address ?? account.nym };
    this.#tx(() => {
      this.#stmt.insertPayment.run({
        id: m.payment_id,
        role: 'payee',
        state: 'invoiced',
        payment_hash: hash,
        preimage: bytesToHex(preimage),
        payer: from,
        prev_peer: null,
        next_peer: null,
        amount_in: amount.toString(),
        amount_out: null,
        expires_at: expires * 1000,
        deadline_at: expires * 1000,
        data: JSON.stringify(data),
        now,
      });
      this.#queueSend(
        m.payment_id,
        'quote',
        from,
        {
          type: 'quote',
          payment_id: m.payment_id,
          min_in: amount,
          out: amount,
          rate: { num: 1n, den: 1n },
          cut_ppm: 0,
          fee: 0n,
          expires_at: expires,
          ...(address !== undefined ? { btc_address: address } : { nym: account.nym }),
          payment_hash: hash,
        },
        m.nonce,
      );
    });
    this.#crash('payee:invoiced');
  }

  #payeePrepare(from: string, m: PrepareMessage): void {
    const row = this.#stmt.getPayment.get(m.payment_id);
    if (!row || row.role !== 'payee' || row.payer !== from) return;
    if (row.state === 'prepared') {
      void this.#sendDirect(from, { type: 'prepare.ack', payment_id: m.payment_id, index: m.index }, m.nonce);
      return;
    }
    if (row.state !== 'invoiced') return;
    const d = JSON.parse(row.data) as PayeeData;
    const refuse = (reason: RejectReason, message: string): void =>
      void this.#sendDirect(from, { type: 'reject', payment_id: m.payment_id, reason, index: m.index, message }, m.nonce);
    if (m.payment_hash !== row.payment_hash) return refuse('bad-request', 'the prepare names another payment hash');
    if (m.in.amount < BigInt(d.amount) || m.in.notary !== d.notary || m.in.unit !== d.unit || m.in.nym !== d.nym) {
      return refuse('bad-request', 'the prepare does not match our quote');
    }
    const now = this.#ports.clock.now();
    if (m.expires_at * 1000 <= now) return refuse('expired', 'the prepare has already expired');
    d.prepare = encodePaymentMessage({ ...m, v: PAYMENT_PROTOCOL_VERSION });
    this.#tx(() => {
      this.#save(row, { state: 'prepared', data: d, prev: m.in.from, expires_at: m.expires_at * 1000, deadline_at: m.expires_at * 1000 });
      this.#queueSend(row.id, `ack:${m.index}`, from, { type: 'prepare.ack', payment_id: m.payment_id, index: m.index }, m.nonce);
    });
    this.#crash('payee:prepared');
  }

  // ------------------------------------------------------------------------------------------
  // money arriving, rejects and refunds (all roles)

  #onTransferNotice(from: string, m: TransferNoticeMessage): void | Promise<void> {
    const row = this.#stmt.getPayment.get(m.payment_id);
    if (!row) return;
    if (row.role === 'payer') {
      // a copy of a hop's notice: progress, counted as min(claimed, planned)
      const d = JSON.parse(row.data) as PayerData;
      if (d.parties[m.leg] !== from || m.leg === 0 || TERMINAL_STATES.payer.includes(row.state)) return;
      const planned = BigInt((d.quotes[String(m.leg + 1)] as { min_in: string } | undefined)?.min_in ?? '0');
      d.notices[String(m.leg)] = min(m.amount, planned).toString();
      this.#tx(() => this.#save(row, { data: d }));
      return;
    }
    // funds arriving after our expiry still count: they must go back
    if (!RECEIVING_STATES.includes(row.state) || row.prev_peer !== from || row.payment_hash !== m.payment_hash) return;
    return this.#receive(row, m);
  }

  /** Verify what arrived and either go on (forward / fulfil) or send it back. */
  async #receive(row: PaymentRow, m: TransferNoticeMessage): Promise<void> {
    const prep = parsePaymentMessage((JSON.parse(row.data) as { prepare: Wire }).prepare) as PrepareMessage;
    if (m.leg !== prep.index - 1) return;
    const receiptId = receiptKey(m.receipt);
    if (this.#stmt.receiptUsed.get(receiptId)) return; // the same receipt cannot pay twice
    let verified: VerifiedTransfer | null = await this.#ports.transfers.verifyIncoming(m.receipt);
    // the state may have moved while we waited on the ledger
    const fresh = this.#stmt.getPayment.get(row.id);
    if (!fresh || !RECEIVING_STATES.includes(fresh.state) || this.#stmt.receiptUsed.get(receiptId)) return;
    const now = this.#ports.clock.now();
    if (verified?.pending) {
      // on-chain: nothing is forwarded or fulfilled before the configured confirmations. A
      // transaction still unseen at our expiry counts as a bad receipt.
      if (verified.pending === 'unconfirmed' || prep.expires_at * 1000 > now) {
        const d = { ...(JSON.parse(fresh.data) as HopData), confirming: encodePaymentMessage(m), recheckAt: now + this.#limits.confirmationPollMs };
        this.#tx(() => this.#save(fresh, { state: 'confirming', data: d, deadline_at: null }));
        return;
      }
      verified = null;
    }
    if (!verified || verified.notary !== prep.in.notary || verified.unit !== prep.in.unit || verified.toNym !== prep.in.nym) {
      this.#tx(() => {
        // a transaction we waited on vanished or never came: wait for the expiry as if unpaid
        if (fresh.state === 'confirming') this.#save(fresh, { state: 'prepared', deadline_at: prep.expires_at * 1000 });
        this.#stmt.misbehave.run(fresh.prev_peer!, fresh.id, 'bad-receipt', `leg ${m.leg}`, now);
        this.#queueSend(fresh.id, `reject:bad-receipt:${receiptId}`, fresh.payer, {
          type: 'reject',
          payment_id: fresh.id,
          reason: 'bad-receipt',
          index: prep.index,
          message: 'the receipt does not show funds arriving to us',
        });
      });
      return;
    }
    const counted = min(m.amount, prep.in.amount, verified.amount);
    const data = { ...(JSON.parse(fresh.data) as HopData & PayeeData), inReceipt: receiptId, fromNym: verified.fromNym, counted: counted.toString() };
    delete data.confirming;
    delete data.recheckAt;
    const role = fresh.role as 'hop' | 'payee';
    const refund = (reason: RejectReason, message: string): void => {
      const account = this.#ports.transfers.account(prep.in.notary, prep.in.unit)!;
      this.#tx(() => {
        this.#save(fresh, { state: 'refunding', data, deadline_at: null, error_code: reason, error_message: message });
        if (reason === 'underpaid') this.#stmt.misbehave.run(fresh.prev_peer!, fresh.id, 'underpaid', `got ${verified.amount}, minimum ${prep.in.amount}`, now);
        this.#queueTransfer(fresh.id, `${fresh.id}:refund:${m.leg}`, {
          purpose: 'refund',
          leg: m.leg,
          request: {
            idempotencyKey: `${fresh.id}:refund:${m.leg}`,
            notary: prep.in.notary,
            unit: prep.in.unit,
            fromAccount: account.account,
            toNym: verified.fromNym,
            amount: verified.amount.toString(),
          },
        });
        this.#queueSend(fresh.id, `reject:${prep.index}`, fresh.payer, { type: 'reject', payment_id: fresh.id, reason, index: prep.index, message });
      });
      this.#crash(`${role}:received`);
    };
    if (verified.amount < prep.in.amount) return refund('underpaid', `received ${verified.amount}, the minimum is ${prep.in.amount}`);
    if (prep.expires_at * 1000 <= now) return refund('expired', 'the funds arrived after our expiry');
    if (role === 'payee') {
      this.#tx(() => {
        this.#save(fresh, { state: 'fulfilled', data, deadline_at: null });
        this.#queueSendWithEchoes(fresh.id, 'fulfill', fresh.payer, {
          type: 'fulfill',
          payment_id: fresh.id,
          payment_hash: fresh.payment_hash!,
          preimage: fresh.preimage!,
          amount: counted,
        });
      });
      this.#crash('payee:received');
      return;
    }
    const out = prep.out!;
    const account = this.#ports.transfers.account(out.notary, out.unit);
    if (!account) return refund('no-liquidity', 'we no longer hold the out account');
    this.#tx(() => {
      this.#save(fresh, { state: 'received', data, deadline_at: null });
      this.#queueTransfer(fresh.id, `${fresh.id}:leg:${prep.index}`, {
        purpose: 'forward',
        leg: prep.index,
        request: {
          idempotencyKey: `${fresh.id}:leg:${prep.index}`,
          notary: out.notary,
          unit: out.unit,
          fromAccount: account.account,
          toNym: out.nym,
          amount: out.amount.toString(),
        },
      });
    });
    this.#crash('hop:received');
  }

  #onReject(from: string, m: RejectMessage): void {
    const row = this.#stmt.getPayment.get(m.payment_id);
    if (!row) return;
    if (row.role !== 'payer') {
      // the payer releases a reservation
      if (from === row.payer && (row.state === 'prepared' || row.state === 'invoiced')) {
        this.#tx(() => this.#save(row, { state: 'rejected', deadline_at: null, error_code: m.reason, error_message: 'released by the payer' }));
      }
      return;
    }
    const d = JSON.parse(row.data) as PayerData;
    const index = d.parties.indexOf(from);
    if (index < 1) return;
    const text = `party ${index} rejected: ${m.reason}${m.message ? ` (${m.message})` : ''}`;
    if (row.state === 'quoting' || row.state === 'preparing') return this.#payerFail(row, d, 'hop-refused', text, true);
    if (row.state === 'sending' || row.state === 'in-flight') {
      const now = this.#ports.clock.now();
      this.#tx(() => {
        if (m.reason === 'underpaid' && index > 1) this.#stmt.misbehave.run(d.parties[index - 1]!, row.id, 'underpaid', `reported by party ${index}`, now);
        this.#save(row, { state: 'failing', error_code: 'hop-refused', error_message: text });
      });
    }
  }

  #onRefundNotice(from: string, m: RefundNoticeMessage): void | Promise<void> {
    const row = this.#stmt.getPayment.get(m.payment_id);
    if (!row || row.payment_hash !== m.payment_hash) return;
    if (row.role === 'payer') {
      const d = JSON.parse(row.data) as PayerData;
      if (m.leg !== 0 || from !== d.parties[1] || d.sent === undefined || row.state === 'succeeded' || row.state === 'refunded') return;
      return this.#payerRefunded(row, m);
    }
    if (row.role !== 'hop' || row.state !== 'forwarded' || from !== row.next_peer) return;
    return this.#hopRefunded(row, m);
  }

  async #payerRefunded(row: PaymentRow, m: RefundNoticeMessage): Promise<void> {
    const verified = await this.#ports.transfers.verifyIncoming(m.receipt);
    const fresh = this.#stmt.getPayment.get(row.id)!;
    if (!verified || fresh.state === 'refunded' || fresh.state === 'succeeded') return;
    if (verified.pending) return this.#awaitRefund(fresh, m);
    const d = JSON.parse(fresh.data) as PayerData;
    delete d.confirmingRefund;
    delete d.recheckAt;
    const leg = d.legs[0]!;
    if (verified.notary !== leg.notary || verified.unit !== leg.unit) return;
    const sent = BigInt(d.sent!);
    const back = min(m.amount, verified.amount, sent);
    d.refunded = back.toString();
    const now = this.#ports.clock.now();
    this.#tx(() => {
      if (back < sent) this.#stmt.misbehave.run(d.parties[1]!, row.id, 'short-refund', `refunded ${back} of ${sent}`, now);
      this.#save(fresh, { state: 'refunded', data: d, deadline_at: null, error_code: fresh.error_code ?? 'payment-failed', error_message: fresh.error_message ?? 'refunded' });
    });
    this.#settled(row.id);
  }

  async #hopRefunded(row: PaymentRow, m: RefundNoticeMessage): Promise<void> {
    const d = JSON.parse(row.data) as HopData;
    const prep = parsePaymentMessage(d.prepare) as PrepareMessage;
    if (m.leg !== prep.index) return;
    const verified = await this.#ports.transfers.verifyIncoming(m.receipt);
    const fresh = this.#stmt.getPayment.get(row.id)!;
    if (!verified || fresh.state !== 'forwarded' || verified.notary !== prep.out!.notary || verified.unit !== prep.out!.unit) return;
    if (verified.pending) return this.#awaitRefund(fresh, m);
    // we are made whole on the out side; send back everything we received on the in side
    const account = this.#ports.transfers.account(prep.in.notary, prep.in.unit)!;
    const amount = BigInt((JSON.parse(fresh.data) as HopData).counted ?? prep.in.amount.toString());
    this.#tx(() => {
      this.#save(fresh, { state: 'refunding', data: { ...(JSON.parse(fresh.data) as HopData), refundOf: receiptKey(m.receipt) } });
      this.#queueTransfer(fresh.id, `${fresh.id}:refund:${prep.index - 1}`, {
        purpose: 'refund',
        leg: prep.index - 1,
        request: {
          idempotencyKey: `${fresh.id}:refund:${prep.index - 1}`,
          notary: prep.in.notary,
          unit: prep.in.unit,
          fromAccount: account.account,
          toNym: (JSON.parse(fresh.data) as HopData).fromNym ?? prep.in.nym,
          amount: amount.toString(),
        },
      });
    });
    this.#crash('hop:received');
  }

  /** On-chain: keep a refund notice whose transaction is not confirmed yet, to check it again. */
  #awaitRefund(row: PaymentRow, m: RefundNoticeMessage): void {
    const d = { ...(JSON.parse(row.data) as PayerData | HopData), confirmingRefund: encodePaymentMessage(m), recheckAt: this.#ports.clock.now() + this.#limits.confirmationPollMs };
    this.#tx(() => this.#save(row, { data: d }));
  }

  /**
   * On-chain legs: check again every transaction a hop or payee waits on to confirm, and every
   * on-chain refund a payer or hop waits on.
   */
  async #recheckConfirming(now: number): Promise<void> {
    for (const row of this.#stmt.confirming.all()) {
      const d = JSON.parse(row.data) as HopData;
      if ((d.recheckAt ?? 0) > now) continue;
      try {
        if (row.state === 'confirming' && d.confirming !== undefined) {
          await this.#receive(row, parsePaymentMessage(d.confirming) as TransferNoticeMessage);
        } else if (d.confirmingRefund !== undefined) {
          const m = parsePaymentMessage(d.confirmingRefund) as RefundNoticeMessage;
          await (row.role === 'payer' ? this.#payerRefunded(row, m) : this.#hopRefunded(row, m));
        }
      } catch (err) {
        this.#log(`could not check the confirmations of payment ${row.id}: ${isOtP2pError(err) ? err.code : String(err)}`);
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  // deadlines

  #onDeadline(row: PaymentRow, now: number): void {
    if (row.role === 'payer') {
      const d = JSON.parse(row.data) as PayerData;
      if (row.state === 'quoting' || row.state === 'preparing') {
        return this.#payerFail(row, d, 'hop-timeout', `no answer from party ${row.state === 'quoting' ? d.cursor : 'all'} in time`, true);
      }
      if (row.state === 'in-flight' || row.state === 'failing') {
        // the first hop's expiry plus grace passed with neither fulfil nor refund: name the holder
        let holder = 1;
        for (const leg of Object.keys(d.notices)) holder = Math.max(holder, Number(leg) + 1);
        this.#tx(() => {
          if (holder < d.legs.length) this.#stmt.misbehave.run(d.parties[holder]!, row.id, 'held-past-expiry', `party ${holder} of ${d.legs.length}`, now);
          this.#save(row, {
            state: 'failed',
            data: d,
            deadline_at: null,
            error_code: 'hop-timeout',
            error_message: `party ${holder} held the payment past its expiry`,
          });
        });
        this.#settled(row.id);
      }
      return;
    }
    if (row.state === 'prepared' || row.state === 'invoiced') {
      this.#tx(() => this.#save(row, { state: 'expired', deadline_at: null, error_code: 'expired', error_message: 'expired before funds arrived' }));
    }
  }

  // ------------------------------------------------------------------------------------------
  // steps

  /** Run every due step, one at a time, until none is due. */
  async #drain(): Promise<void> {
    for (;;) {
      if (this.#stopped) return;
      const now = this.#ports.clock.now();
      const step = this.#stmt.dueSteps.get(now);
      if (!step) return;
      if (step.kind === 'send') await this.#runSend(step);
      else await this.#runTransfer(step);
    }
  }

  async #runSend(step: StepRow): Promise<void> {
    const payload = JSON.parse(step.payload) as SendPayload;
    const role = this.#stmt.getPayment.get(step.payment_id)?.role ?? 'payer';
    try {
      await this.#ports.channel.send(payload.to, parsePaymentMessage(payload.message));
    } catch (err) {
      return this.#stepError(step, err);
    }
    this.#crash(`${role}:sent` as CrashPoint);
    this.#stmt.stepDone.run(null, this.#ports.clock.now(), step.id);
  }

  async #runTransfer(step: StepRow): Promise<void> {
    const payload = JSON.parse(step.payload) as TransferPayload;
    const row = this.#stmt.getPayment.get(step.payment_id)!;
    let receipt: TransferReceipt;
    try {
      receipt = await this.#ports.transfers.transfer({ ...payload.request, amount: BigInt(payload.request.amount) });
    } catch (err) {
      if (isOtP2pError(err) && FINAL_TRANSFER_ERRORS.has(err.code)) return this.#transferFailed(step, row, payload, err);
      if (step.attempts + 1 >= this.#limits.maxAttempts) {
        // bounded retries: after the last one the transfer counts as not made (the same key can
        // never execute later, since no step will run it again)
        return this.#transferFailed(step, row, payload, new OtP2pError('payment-failed', `transfer failed ${step.attempts + 1} times`, { cause: err }));
      }
      return this.#stepError(step, err);
    }
    const role = row.role;
    if (role === 'payer') this.#crash('payer:transferred');
    else if (role === 'hop') this.#crash('hop:transferred');
    const fresh = this.#stmt.getPayment.get(step.payment_id)!;
    const wire = encodeReceipt(receipt);
    this.#tx(() => {
      this.#stmt.stepDone.run(JSON.stringify(wire), this.#ports.clock.now(), step.id);
      this.#afterTransfer(fresh, payload, receipt);
    });
    if (role === 'payer') this.#crash('payer:transfer-recorded');
    else if (role === 'hop') this.#crash('hop:transfer-recorded');
  }

  /** Inside the transaction that marks a transfer step done: the transition it causes. */
  #afterTransfer(row: PaymentRow, payload: TransferPayload, receipt: TransferReceipt): void {
    const amount = BigInt(payload.request.amount);
    if (payload.purpose === 'pay') {
      const d = JSON.parse(row.data) as PayerData;
      d.sent = amount.toString();
      const deadline = d.expiries[1]! * 1000 + this.#limits.graceMs;
      this.#save(row, { state: row.state === 'sending' ? 'in-flight' : row.state, data: d, deadline_at: deadline });
      this.#queueSendWithEchoes(row.id, 'notice:0', d.parties[1]!, {
        type: 'transfer.notice',
        payment_id: row.id,
        payment_hash: row.payment_hash!,
        leg: 0,
        receipt,
        amount,
      });
      return;
    }
    const prep = parsePaymentMessage((JSON.parse(row.data) as { prepare: Wire }).prepare) as PrepareMessage;
    if (payload.purpose === 'forward') {
      this.#save(row, { state: 'forwarded' });
      const notice: PaymentBody = { type: 'transfer.notice', payment_id: row.id, payment_hash: row.payment_hash!, leg: payload.leg, receipt, amount };
      this.#queueSendWithEchoes(row.id, `notice:${payload.leg}`, row.next_peer!, notice);
      this.#queueSend(row.id, `notice:${payload.leg}:payer`, row.payer, notice);
      return;
    }
    this.#save(row, { state: 'refunded' });
    const notice: PaymentBody = { type: 'refund.notice', payment_id: row.id, payment_hash: row.payment_hash!, leg: payload.leg, receipt, amount };
    this.#queueSendWithEchoes(row.id, `refund-notice:${payload.leg}`, prep.in.from, notice);
    if (prep.in.from !== row.payer) this.#queueSend(row.id, `refund-notice:${payload.leg}:payer`, row.payer, notice);
  }

  #transferFailed(step: StepRow, row: PaymentRow, payload: TransferPayload, err: OtP2pError): void {
    const now = this.#ports.clock.now();
    this.#log(`transfer ${step.idempotency_key} refused: ${err.code}`);
    if (payload.purpose === 'pay') {
      const d = JSON.parse(row.data) as PayerData;
      this.#tx(() => {
        this.#stmt.stepFailed.run(err.code, now, step.id);
        this.#save(row, { state: 'failed', data: d, deadline_at: null, error_code: err.code, error_message: `leg 0 transfer refused: ${err.message}` });
        for (let i = 1; i < d.parties.length; i++) {
          this.#queueSend(row.id, `release:${i}`, d.parties[i]!, { type: 'reject', payment_id: row.id, reason: 'transfer-failed', message: 'payment abandoned' });
        }
      });
      this.#settled(row.id);
      return;
    }
    if (payload.purpose === 'forward') {
      // we hold the incoming funds and cannot forward: send them back
      const d = JSON.parse(row.data) as HopData;
      const prep = parsePaymentMessage(d.prepare) as PrepareMessage;
      const account = this.#ports.transfers.account(prep.in.notary, prep.in.unit);
      this.#tx(() => {
        this.#stmt.stepFailed.run(err.code, now, step.id);
        this.#save(row, { state: 'refunding', error_code: 'transfer-failed', error_message: err.message });
        if (account) {
          this.#queueTransfer(row.id, `${row.id}:refund:${prep.index - 1}`, {
            purpose: 'refund',
            leg: prep.index - 1,
            request: {
              idempotencyKey: `${row.id}:refund:${prep.index - 1}`,
              notary: prep.in.notary,
              unit: prep.in.unit,
              fromAccount: account.account,
              toNym: d.fromNym ?? prep.in.nym,
              amount: d.counted ?? prep.in.amount.toString(),
            },
          });
        }
        this.#queueSend(row.id, `reject:${prep.index}`, row.payer, {
          type: 'reject',
          payment_id: row.id,
          reason: err.code === 'insufficient-funds' ? 'no-liquidity' : 'transfer-failed',
          index: prep.index,
          message: 'we could not forward; refunding',
        });
      });
      return;
    }
    // a refund that cannot be made stays visible as a failed step on a refunding payment
    this.#stmt.stepFailed.run(err.code, now, step.id);
  }

  #stepError(step: StepRow, err: unknown): void {
    const now = this.#ports.clock.now();
    const text = isOtP2pError(err) ? err.code : 'error';
    if (step.attempts + 1 >= this.#limits.maxAttempts) {
      this.#stmt.stepFailed.run(text, now, step.id);
      this.#log(`step ${step.idempotency_key} failed after ${step.attempts + 1} attempts: ${text}`);
      return;
    }
    this.#stmt.stepRetry.run(now + this.#limits.retryBaseMs * 2 ** step.attempts, text, now, step.id);
  }

  // ------------------------------------------------------------------------------------------
  // helpers

  #checkRoute(request: PayRequest): RouteLeg[] {
    const legs = request.route;
    if (!Array.isArray(legs) || legs.length === 0) throw new OtP2pError('bad-input', 'route must have at least one leg');
    if (legs.length > this.#limits.maxHops) {
      throw new OtP2pError('bad-input', `route has ${legs.length} legs, over the limit of ${this.#limits.maxHops}`, { context: { legs: legs.length } });
    }
    if (legs[0]!.from !== this.#self) throw new OtP2pError('bad-input', 'route must start with us');
    const seen = new Set([this.#self]);
    legs.forEach((leg, i) => {
      if (i > 0 && leg.from !== legs[i - 1]!.to) throw new OtP2pError('bad-input', `route leg ${i} does not start where leg ${i - 1} ends`);
      if (!/^[0-9a-f]{64}$/.test(leg.to)) throw new OtP2pError('bad-input', `route leg ${i} has a bad pubkey`, { context: { leg: i } });
      if (seen.has(leg.to)) throw new OtP2pError('bad-input', `route visits ${leg.to.slice(0, 8)} twice`, { context: { leg: i } });
      seen.add(leg.to);
      if (typeof leg.amount !== 'bigint' || leg.amount <= 0n) throw new OtP2pError('bad-amount', `route leg ${i} amount must be a positive bigint`);
    });
    const flagged = this.#raw.prepare('SELECT 1 FROM payment_misbehaving WHERE pubkey = ? LIMIT 1').pluck();
    for (const leg of legs.slice(0, -1)) {
      if (flagged.get(leg.to) !== undefined) {
        throw new OtP2pError('hop-misbehaved', `hop ${leg.to.slice(0, 8)} misbehaved in an earlier payment (see otp2p payments --misbehaving)`, {
          context: { hop: leg.to },
        });
      }
      const degree = this.#ports.social?.degreeOf(leg.to);
      if (degree === undefined || degree > this.#limits.maxDegree) {
        throw new OtP2pError('outside-radius', `hop ${leg.to.slice(0, 8)} is outside our social radius of ${this.#limits.maxDegree}`, {
          context: { hop: leg.to, degree },
        });
      }
    }
    return legs;
  }

  #checkRisk(hops: string[], amount: bigint): void {
    const exposure = this.#exposure();
    for (const hop of hops) {
      const now = exposure.get(hop) ?? 0n;
      if (now + amount > this.#limits.maxExposurePerPeer) {
        throw new OtP2pError('exposure-limit', `paying through ${hop.slice(0, 8)} would put ${now + amount} at risk, over the limit of ${this.#limits.maxExposurePerPeer}`, {
          context: { hop, exposure: now.toString(), limit: this.#limits.maxExposurePerPeer.toString() },
        });
      }
    }
  }

  /** At risk per intermediate peer: in-flight payments, and failed ones whose funds never came back. */
  #exposure(): Map<string, bigint> {
    const out = new Map<string, bigint>();
    for (const row of this.#stmt.riskRows.all()) {
      const d = JSON.parse(row.data) as PayerData;
      if (row.state === 'failed' && d.sent === undefined) continue;
      const at = d.sent !== undefined ? BigInt(d.sent) : BigInt(d.legs[0]!.amount) + BigInt(d.maxFee);
      for (const p of d.parties.slice(1, -1)) out.set(p, (out.get(p) ?? 0n) + at);
    }
    return out;
  }

  #tx(fn: () => void): void {
    this.#raw.transaction(fn).immediate();
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => {});
    return run;
  }

  #save(
    row: PaymentRow,
    changes: Partial<{
      state: string;
      payment_hash: string | null;
      preimage: string | null;
      amount_in: string | null;
      amount_out: string | null;
      expires_at: number | null;
      deadline_at: number | null;
      data: unknown;
      error_code: string | null;
      error_message: string | null;
      prev: string;
    }>,
  ): void {
    const current = this.#stmt.getPayment.get(row.id)!;
    const next = {
      id: row.id,
      state: changes.state ?? current.state,
      payment_hash: changes.payment_hash !== undefined ? changes.payment_hash : current.payment_hash,
      preimage: changes.preimage !== undefined ? changes.preimage : current.preimage,
      amount_in: changes.amount_in !== undefined ? changes.amount_in : current.amount_in,
      amount_out: changes.amount_out !== undefined ? changes.amount_out : current.amount_out,
      expires_at: changes.expires_at !== undefined ? changes.expires_at : current.expires_at,
      deadline_at: changes.deadline_at !== undefined ? changes.deadline_at : current.deadline_at,
      data: changes.data !== undefined ? JSON.stringify(changes.data) : current.data,
      error_code: changes.error_code !== undefined ? changes.error_code : current.error_code,
      error_message: changes.error_message !== undefined ? changes.error_message : current.error_message,
      now: this.#ports.clock.now(),
    };
    this.#stmt.updatePayment.run(next);
    if (changes.prev !== undefined) this.#raw.prepare('UPDATE payments SET prev_peer = ? WHERE id = ?').run(changes.prev, row.id);
  }

  #envelope(body: PaymentBody, replyTo?: string): PaymentMessage {
    return {
      ...body,
      v: PAYMENT_PROTOCOL_VERSION,
      nonce: bytesToHex(this.#ports.random.bytes(16)),
      ...(replyTo !== undefined ? { reply_to: replyTo } : {}),
    } as PaymentMessage;
  }

  #queueSend(paymentId: string, key: string, to: string, body: PaymentBody, replyTo?: string, delayMs = 0): void {
    const payload: SendPayload = { to, message: encodePaymentMessage(this.#envelope(body, replyTo)) };
    const now = this.#ports.clock.now();
    this.#stmt.insertStep.run({ payment_id: paymentId, key: `${paymentId}:send:${key}`, kind: 'send', payload: JSON.stringify(payload), now, at: now + delayMs });
  }

  /**
   * Queue a message whose loss would strand funds (a notice that money moved, the preimage) and
   * two later copies with fresh nonces. A receiver may have recorded the first as seen and crashed
   * before acting on it; the copies are new messages to its replay protection and duplicates to
   * its state machine, so they cost nothing when the first one worked.
   */
  #queueSendWithEchoes(paymentId: string, key: string, to: string, body: PaymentBody): void {
    this.#queueSend(paymentId, key, to, body);
    this.#queueSend(paymentId, `${key}:echo:1`, to, body, undefined, Math.floor(this.#limits.replyTimeoutMs / 2));
    this.#queueSend(paymentId, `${key}:echo:2`, to, body, undefined, this.#limits.replyTimeoutMs);
  }

  #queueTransfer(paymentId: string, key: string, payload: TransferPayload): void {
    this.#stmt.insertStep.run({ payment_id: paymentId, key, kind: 'transfer', payload: JSON.stringify(payload), now: this.#ports.clock.now(), at: this.#ports.clock.now() });
  }

  /** Messages that cause no money effect and need no durability (quotes, duplicate acks, refusals). */
  async #sendDirect(to: string, body: PaymentBody, replyTo?: string): Promise<void> {
    try {
      await this.#ports.channel.send(to, this.#envelope(body, replyTo));
    } catch (err) {
      this.#log(`could not send ${body.type} to ${to.slice(0, 8)}: ${String(err)}`);
    }
  }

  /** The store this coordinator writes (for read-only views such as `listPayments`). */
  get store(): Store {
    return this.#store;
  }
}

function receiptKey(r: WireReceipt): string {
  return r.kind === 'ot' ? `ot:${r.notary}:${r.unit}:${r.id}` : `btc:${r.txid}:${r.vout}`;
}

function encodeReceipt(r: WireReceipt): Record<string, unknown> {
  return JSON.parse(JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))) as Record<string, unknown>;
}
