/**
 * The durable step executor. A transition queues its effects (messages and transfers) as steps
 * in the same transaction that writes its state, each with an idempotency key; a step runs only
 * after that commit and is marked done after it ran. A restart re-runs exactly the pending steps;
 * a transfer's key is the notary's idempotency key, so a re-run never moves money twice.
 *
 * What a finished transfer means for the payment is the role's business: the executor calls
 * {@link StepHooks} (inside the transaction that marks the step done, for a success).
 */
import { bytesToHex } from '../core/bytes.ts';
import { OtP2pError, isOtP2pError } from '../core/errors.ts';
import type { ErrorCode } from '../core/errors.ts';
import type { CrashHook, CrashPoint } from './crash.ts';
import { PAYMENT_PROTOCOL_VERSION, encodePaymentMessage, parsePaymentMessage } from './messages.ts';
import type { PaymentBody, PaymentMessage } from './messages.ts';
import type { PaymentPorts, TransferReceipt } from './ports.ts';
import type { PaymentRepository, StepRow, StoredPayment } from './store.ts';
import type { CoordinatorLimits, SendPayload, TransferPayload } from './types.ts';

/** Transfer errors no retry can cure: the transfer counts as not made at once. */
const FINAL_TRANSFER_ERRORS: ReadonlySet<ErrorCode> = new Set([
  'insufficient-funds',
  'unknown-account',
  'unknown-notary',
  'unknown-unit',
  'bad-amount',
  'bad-address',
  'dust',
]);

/** What the roles do when a transfer step finished. */
export interface StepHooks {
  /** Inside the transaction that marks the step done: the transition the transfer causes. */
  transferred(row: StoredPayment, payload: TransferPayload, receipt: TransferReceipt): void;
  /** The transfer was refused for good (or ran out of attempts): it counts as not made. */
  refused(step: StepRow, row: StoredPayment, payload: TransferPayload, err: OtP2pError): void;
}

/** What {@link StepExecutor} runs on. */
export interface StepExecutorOptions {
  repo: PaymentRepository;
  ports: PaymentPorts;
  limits: CoordinatorLimits;
  crash: CrashHook;
  log: (line: string) => void;
  /** The coordinator's transaction (it announces the transitions made inside). */
  tx: (fn: () => void) => void;
  /** Whether the coordinator stopped (no step starts then). */
  stopped: () => boolean;
  hooks: StepHooks;
}

/** Queues steps inside transitions and runs them after their commit. */
export class StepExecutor {
  readonly #o: StepExecutorOptions;

  constructor(options: StepExecutorOptions) {
    this.#o = options;
  }

  /** Stamp a body with the envelope: protocol version, a fresh nonce, the message it answers. */
  envelope(body: PaymentBody, replyTo?: string): PaymentMessage {
    return {
      ...body,
      v: PAYMENT_PROTOCOL_VERSION,
      nonce: bytesToHex(this.#o.ports.random.bytes(16)),
      ...(replyTo !== undefined ? { reply_to: replyTo } : {}),
    } as PaymentMessage;
  }

  /** Queue a message (inside a transition). Its key is `<payment>:send:<key>`. */
  queueSend(paymentId: string, key: string, to: string, body: PaymentBody, replyTo?: string, delayMs = 0): void {
    const payload: SendPayload = { to, message: encodePaymentMessage(this.envelope(body, replyTo)) };
    const now = this.#o.ports.clock.now();
    this.#o.repo.insertStep({ paymentId, key: `${paymentId}:send:${key}`, kind: 'send', payload, at: now + delayMs });
  }

  /**
   * Queue a message whose loss would strand funds (a notice that money moved, the preimage) and
   * two later copies with fresh nonces. A receiver may have recorded the first as seen and crashed
   * before acting on it; the copies are new messages to its replay protection and duplicates to
   * its state machine, so they cost nothing when the first one worked.
   */
  queueSendWithEchoes(paymentId: string, key: string, to: string, body: PaymentBody): void {
    const wait = this.#o.limits.replyTimeoutMs;
    this.queueSend(paymentId, key, to, body);
    this.queueSend(paymentId, `${key}:echo:1`, to, body, undefined, Math.floor(wait / 2));
    this.queueSend(paymentId, `${key}:echo:2`, to, body, undefined, wait);
  }

  /** Queue a transfer (inside a transition); `key` is the notary's idempotency key. */
  queueTransfer(paymentId: string, key: string, payload: TransferPayload): void {
    this.#o.repo.insertStep({ paymentId, key, kind: 'transfer', payload, at: this.#o.ports.clock.now() });
  }

  /** Messages that cause no money effect and need no durability (quotes, duplicate acks, refusals). */
  async sendDirect(to: string, body: PaymentBody, replyTo?: string): Promise<void> {
    try {
      await this.#o.ports.channel.send(to, this.envelope(body, replyTo));
    } catch (err) {
      this.#o.log(`could not send ${body.type} to ${to.slice(0, 8)}: ${String(err)}`);
    }
  }

  /** Run every due step, one at a time, until none is due. */
  async drain(): Promise<void> {
    for (;;) {
      if (this.#o.stopped()) return;
      const step = this.#o.repo.dueStep(this.#o.ports.clock.now());
      if (!step) return;
      if (step.kind === 'send') await this.#runSend(step);
      else await this.#runTransfer(step);
    }
  }

  async #runSend(step: StepRow): Promise<void> {
    const payload = JSON.parse(step.payload) as SendPayload;
    const role = this.#o.repo.get(step.payment_id)?.role ?? 'payer';
    try {
      await this.#o.ports.channel.send(payload.to, parsePaymentMessage(payload.message));
    } catch (err) {
      return this.#stepError(step, err);
    }
    this.#o.crash(`${role}:sent` as CrashPoint);
    this.#o.repo.stepDone(step.id, null);
  }

  async #runTransfer(step: StepRow): Promise<void> {
    const { repo, ports, limits, crash } = this.#o;
    const payload = JSON.parse(step.payload) as TransferPayload;
    const row = repo.get(step.payment_id)!;
    let receipt: TransferReceipt;
    try {
      receipt = await ports.transfers.transfer({ ...payload.request, amount: BigInt(payload.request.amount) });
    } catch (err) {
      if (isOtP2pError(err) && FINAL_TRANSFER_ERRORS.has(err.code))
        return this.#o.hooks.refused(step, row, payload, err);
      if (step.attempts + 1 >= limits.maxAttempts) {
        // bounded retries: after the last one the transfer counts as not made (the same key can
        // never execute later, since no step will run it again)
        return this.#o.hooks.refused(
          step,
          row,
          payload,
          new OtP2pError('payment-failed', `transfer failed ${step.attempts + 1} times`, { cause: err }),
        );
      }
      return this.#stepError(step, err);
    }
    const role = row.role;
    if (role === 'payer') crash('payer:transferred');
    else if (role === 'hop') crash('hop:transferred');
    const fresh = repo.get(step.payment_id)!;
    this.#o.tx(() => {
      repo.stepDone(step.id, encodeReceipt(receipt));
      this.#o.hooks.transferred(fresh, payload, receipt);
    });
    if (role === 'payer') crash('payer:transfer-recorded');
    else if (role === 'hop') crash('hop:transfer-recorded');
  }

  #stepError(step: StepRow, err: unknown): void {
    const { repo, limits, log } = this.#o;
    const now = this.#o.ports.clock.now();
    const text = isOtP2pError(err) ? err.code : 'error';
    if (step.attempts + 1 >= limits.maxAttempts) {
      repo.stepFailed(step.id, text);
      log(`step ${step.idempotency_key} failed after ${step.attempts + 1} attempts: ${text}`);
      return;
    }
    repo.stepRetry(step.id, now + limits.retryBaseMs * 2 ** step.attempts, text);
  }
}

function encodeReceipt(r: TransferReceipt): Record<string, unknown> {
  return JSON.parse(JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))) as Record<
    string,
    unknown
  >;
}
