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
 * The house: `states.ts` (each role's states and the transition table), `store.ts` (every SQL
 * statement, row codecs, transition checks), `steps.ts` (the durable step executor), `risk.ts`
 * (route and exposure limits), `payer.ts` / `hop.ts` / `payee.ts` / `receiving.ts` (the
 * transitions). This class owns the lifecycle, routes inbound messages and deadlines to the roles,
 * serialises them, and announces every committed transition to {@link onTransition} listeners.
 *
 * Durability: every transition runs in one SQLite transaction that also inserts the steps
 * (messages and transfers) it causes, each with an idempotency key; a step runs only after that
 * commit. Inbound messages are applied only in the state that expects them, so duplicates and
 * replays are no-ops.
 */
import { shortNpub } from '../events/names.ts';
import { bytesToHex } from '../core/bytes.ts';
import { OtP2pError, isOtP2pError } from '../core/errors.ts';
import type { Store } from '../store/db.ts';
import type { PaymentContext } from './context.ts';
import type { CrashHook } from './crash.ts';
import { noCrash } from './crash.ts';
import { hopForwardRefused, hopForwarded, hopPrepare, hopQuote, hopRefundNotice, hopRefunded } from './hop.ts';
import { parsePaymentMessage } from './messages.ts';
import type { PaymentMessage, RefundNoticeMessage, TransferNoticeMessage } from './messages.ts';
import { payeePrepare, payeeQuote } from './payee.ts';
import {
  payerAck,
  payerCreate,
  payerDeadline,
  payerFulfill,
  payerNotice,
  payerQuote,
  payerRefundNotice,
  payerRefunded,
  payerRejected,
  payerResult,
  payerTransferRefused,
  payerTransferred,
} from './payer.ts';
import type { PaymentPorts, TransferReceipt } from './ports.ts';
import { expired, onFunds, receive, refundMade, released } from './receiving.ts';
import { checkRisk, checkRoute, exposure } from './risk.ts';
import type { PaymentTransition } from './states.ts';
import { StepExecutor } from './steps.ts';
import { PaymentRepository, hopData } from './store.ts';
import type { MisbehavingRecord, PaymentRecord, StepRow, StoredPayment } from './store.ts';
import { DEFAULT_LIMITS } from './types.ts';
import type { CoordinatorLimits, PayRequest, PaymentResult, TransferPayload } from './types.ts';

export { TERMINAL_STATES } from './states.ts';
export type { PaymentRole, PaymentTransition } from './states.ts';
export { DEFAULT_LIMITS } from './types.ts';
export type { CoordinatorLimits, PayRequest, PaymentResult, RouteLeg } from './types.ts';
export type { MisbehavingRecord } from './store.ts';

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
  /**
   * How a person reads a peer's key, for the error messages a payment keeps (`hop-timeout` names
   * the hop that did not answer). Default: a short npub.
   */
  nameOf?: (pubkey: string) => string;
}

/** Called after each committed transition of any payment (never with secrets). */
export type TransitionListener = (transition: PaymentTransition) => void;

/**
 * The coordinator. Create one per peer over its store, call {@link start} (which resumes in-flight
 * payments), then {@link pay} as a payer; hop and payee roles run from inbound messages.
 */
export class PaymentCoordinator {
  readonly #store: Store;
  readonly #repo: PaymentRepository;
  readonly #ports: PaymentPorts;
  readonly #limits: CoordinatorLimits;
  readonly #tickMs: number;
  readonly #log: (line: string) => void;
  readonly #ctx: PaymentContext;
  readonly #steps: StepExecutor;
  #queue: Promise<unknown> = Promise.resolve();
  #stopped = true;
  #unsubscribe: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  readonly #waiters = new Map<string, ((r: PaymentResult) => void)[]>();
  readonly #listeners = new Set<TransitionListener>();

  constructor(options: CoordinatorOptions) {
    this.#store = options.store;
    this.#ports = options.ports;
    this.#limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.#tickMs = options.tickMs ?? 0;
    this.#log = options.log ?? (() => {});
    this.#repo = new PaymentRepository(options.store, () => this.#ports.clock.now());
    const crash = options.crash ?? noCrash;
    const tx = (fn: () => void): void => this.#announce(this.#repo.transaction(fn));
    this.#steps = new StepExecutor({
      repo: this.#repo,
      ports: this.#ports,
      limits: this.#limits,
      crash,
      log: this.#log,
      tx,
      stopped: () => this.#stopped,
      hooks: {
        transferred: (row, payload, receipt) => this.#transferred(row, payload, receipt),
        refused: (step, row, payload, err) => this.#refused(step, row, payload, err),
      },
    });
    this.#ctx = {
      repo: this.#repo,
      ports: this.#ports,
      steps: this.#steps,
      self: options.self,
      limits: this.#limits,
      crash,
      log: this.#log,
      nameOf: options.nameOf ?? shortNpub,
      tx,
      settled: (id) => this.#settled(id, crash),
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
      this.#timer = setInterval(
        () => void this.tick().catch((e: unknown) => this.#log(`tick failed: ${String(e)}`)),
        this.#tickMs,
      );
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
      for (const row of this.#repo.due(now)) {
        if (row.role === 'payer') payerDeadline(this.#ctx, row, now);
        else expired(this.#ctx, row);
      }
      await this.#recheckConfirming(now);
      await this.#steps.drain();
    });
  }

  /**
   * Be told of every committed transition (payment id, role, from, to; `from: null` when a
   * payment is created), in commit order, whatever caused it: our own payments, inbound messages
   * as a hop or payee, deadlines. Listeners run synchronously after the commit; a throwing
   * listener is logged and does not affect the payment. Returns the unsubscribe function.
   */
  onTransition(listener: TransitionListener): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
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
    const legs = checkRoute(this.#ctx, request);
    const parties = [legs[0]!.from, ...legs.map((l) => l.to)];
    const n = legs.length;
    const amount = request.amount ?? legs[n - 1]!.amount;
    const maxFee = request.maxFee ?? 0n;
    if (amount <= 0n || maxFee < 0n)
      throw new OtP2pError('bad-amount', `amount must be positive and maxFee non-negative`);
    const budget = legs[0]!.amount + maxFee;
    checkRisk(this.#ctx, parties.slice(1, n), budget);
    if (!this.#ports.transfers.account(legs[0]!.notary, legs[0]!.unit)) {
      throw new OtP2pError('unknown-account', `we hold no account for ${legs[0]!.unit} on ${legs[0]!.notary}`, {
        context: { notary: legs[0]!.notary, unit: legs[0]!.unit },
      });
    }
    const id = request.paymentId ?? bytesToHex(this.#ports.random.bytes(16));
    if (!/^[0-9a-f]{32}$/.test(id)) throw new OtP2pError('bad-input', 'paymentId must be 32 lowercase hex characters');
    await this.#exclusive(async () => {
      if (this.#repo.get(id))
        throw new OtP2pError('payment-exists', `payment ${id} already exists`, { context: { paymentId: id } });
      this.#ctx.tx(() => payerCreate(this.#ctx, id, legs, amount, maxFee));
      this.#ctx.crash('payer:created');
      await this.#steps.drain();
    });
    return id;
  }

  /**
   * Resolve when payment `id` (ours, as payer) is final.
   * @throws OtP2pError `not-found` when there is no such payer payment.
   */
  async waitFor(id: string): Promise<PaymentResult> {
    const row = this.#repo.get(id);
    if (row?.role !== 'payer') throw new OtP2pError('not-found', `no payment ${id}`, { context: { paymentId: id } });
    const result = payerResult(row);
    if (result) return result;
    return new Promise((resolve) => {
      const list = this.#waiters.get(id) ?? [];
      list.push(resolve);
      this.#waiters.set(id, list);
    });
  }

  /** The payer's view of payment `id`, or undefined while it is not final (or unknown). */
  result(id: string): PaymentResult | undefined {
    const row = this.#repo.get(id);
    return row ? payerResult(row) : undefined;
  }

  /** Payment `id` as `otp2p payments` shows it (any role), or undefined. */
  payment(id: string): PaymentRecord | undefined {
    return this.#repo.record(id);
  }

  /** Peers recorded as misbehaving (held a payment past expiry, underpaid, bad receipts). */
  misbehaving(): MisbehavingRecord[] {
    return this.#repo.misbehaving();
  }

  /** What we currently have at risk with `pubkey` as an intermediate hop (payer's unit). */
  exposureTo(pubkey: string): bigint {
    return exposure(this.#ctx).get(pubkey) ?? 0n;
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
        this.#log(
          `ignored ${message.type} from ${from.slice(0, 8)}: ${isOtP2pError(err) ? `${err.code}: ${err.message}` : String(err)}`,
        );
      }
      await this.#steps.drain();
    }).catch((err: unknown) => this.#log(`handling failed: ${String(err)}`));
  }

  #dispatch(from: string, m: PaymentMessage): void | Promise<void> {
    const ctx = this.#ctx;
    switch (m.type) {
      case 'quote.request':
        return m.role === 'payee' ? payeeQuote(ctx, from, m) : hopQuote(ctx, from, m);
      case 'quote':
        return payerQuote(ctx, from, m);
      case 'prepare':
        return m.out ? hopPrepare(ctx, from, m) : payeePrepare(ctx, from, m);
      case 'prepare.ack':
        return payerAck(ctx, from, m);
      case 'fulfill':
        return payerFulfill(ctx, from, m);
    }
    const row = this.#repo.get(m.payment_id);
    if (!row) return;
    switch (m.type) {
      case 'transfer.notice':
        return row.role === 'payer' ? payerNotice(ctx, row, from, m) : onFunds(ctx, row, from, m);
      case 'reject':
        return row.role === 'payer' ? payerRejected(ctx, row, from, m) : released(ctx, row, from, m);
      case 'refund.notice':
        if (row.payment_hash !== m.payment_hash) return;
        return row.role === 'payer' ? payerRefundNotice(ctx, row, from, m) : hopRefundNotice(ctx, row, from, m);
    }
  }

  /**
   * On-chain legs: check again every transaction a hop or payee waits on to confirm, and every
   * on-chain refund a payer or hop waits on.
   */
  async #recheckConfirming(now: number): Promise<void> {
    for (const row of this.#repo.confirming()) {
      const d = hopData(row);
      if ((d.recheckAt ?? 0) > now) continue;
      try {
        if (row.state === 'confirming' && d.confirming !== undefined) {
          await receive(this.#ctx, row, parsePaymentMessage(d.confirming) as TransferNoticeMessage);
        } else if (d.confirmingRefund !== undefined) {
          const m = parsePaymentMessage(d.confirmingRefund) as RefundNoticeMessage;
          await (row.role === 'payer' ? payerRefunded(this.#ctx, row, m) : hopRefunded(this.#ctx, row, m));
        }
      } catch (err) {
        this.#log(
          `could not check the confirmations of payment ${row.id}: ${isOtP2pError(err) ? err.code : String(err)}`,
        );
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  // transfer outcomes (from the step executor)

  /** Inside the transaction that marks a transfer step done: the transition it causes. */
  #transferred(row: StoredPayment, payload: TransferPayload, receipt: TransferReceipt): void {
    if (payload.purpose === 'pay') return payerTransferred(this.#ctx, row, payload, receipt);
    if (payload.purpose === 'forward') return hopForwarded(this.#ctx, row, payload, receipt);
    return refundMade(this.#ctx, row, payload, receipt);
  }

  #refused(step: StepRow, row: StoredPayment, payload: TransferPayload, err: OtP2pError): void {
    this.#log(`transfer ${step.idempotency_key} refused: ${err.code}`);
    if (payload.purpose === 'pay') return payerTransferRefused(this.#ctx, step, row, err);
    if (payload.purpose === 'forward') return hopForwardRefused(this.#ctx, step, row, err);
    // a refund that cannot be made stays visible as a failed step on a refunding payment
    this.#repo.stepFailed(step.id, err.code);
  }

  // ------------------------------------------------------------------------------------------
  // helpers

  #settled(id: string, crash: CrashHook): void {
    crash('payer:settled');
    const row = this.#repo.get(id);
    const result = row ? payerResult(row) : undefined;
    if (!result) return;
    const list = this.#waiters.get(id) ?? [];
    this.#waiters.delete(id);
    for (const resolve of list) resolve(result);
  }

  #announce(transitions: PaymentTransition[]): void {
    for (const t of transitions) {
      for (const listener of this.#listeners) {
        try {
          listener(t);
        } catch (err) {
          this.#log(`a transition listener failed: ${String(err)}`);
        }
      }
    }
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => {});
    return run;
  }

  /** The store this coordinator writes (for read-only views such as `listPayments`). */
  get store(): Store {
    return this.#store;
  }
}
