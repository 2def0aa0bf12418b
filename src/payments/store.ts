/**
 * The payments repository: every SQL statement over `payments`, `payment_steps`,
 * `payment_misbehaving` and the on-chain legs' `btc_payments` / `btc_receive_addresses`, and the
 * codecs between their rows and typed records, in one place.
 *
 * The coordinator writes through {@link PaymentRepository} with better-sqlite3's synchronous
 * transactions (a transition must not interleave with another, and a synchronous transaction
 * cannot); every state write is checked against the transition table of `states.ts`, and a
 * payment row is written only inside {@link PaymentRepository.transaction}, so the state and the
 * steps it queues commit together (`synchronous=FULL`). The read-only views for `otp2p payments`
 * and routing ({@link listPayments}, {@link listMisbehaving}) run the same queries through kysely.
 *
 * A payee's preimage is a secret until it is revealed, so it never appears in a
 * {@link PaymentRecord}; a payer's appears once it succeeded (it is the receipt).
 */
import type Database from 'better-sqlite3';
import type { Kysely, Selectable } from 'kysely';
import { formatUnitRef } from '../core/assets.ts';
import { OtP2pError } from '../core/errors.ts';
import { isRecord } from '../core/json.ts';
import type { Store } from '../store/db.ts';
import type {
  BtcPaymentsTable,
  DatabaseSchema,
  PaymentMisbehavingTable,
  PaymentStepsTable,
  PaymentsTable,
} from '../store/schema.ts';
import { parsePaymentMessage } from './messages.ts';
import type { PrepareMessage } from './messages.ts';
import { INITIAL_STATES, assertTransition, isRoleState } from './states.ts';
import type { PaymentRole, PaymentTransition, RoleStates } from './states.ts';
import type { HopData, PayeeData, PayerData, Wire } from './types.ts';

/** One payment as `otp2p payments` shows it. Amounts are integer strings. */
export interface PaymentRecord {
  id: string;
  role: PaymentRole;
  state: string;
  paymentHash: string | null;
  /** Payer only, once succeeded: the proof of payment. */
  preimage: string | null;
  payer: string;
  prevPeer: string | null;
  nextPeer: string | null;
  amountIn: string | null;
  amountOut: string | null;
  /**
   * The unit (`unit@notary`) of `amountIn` and, for a payer, of `sent` and `refunded`: a payer's
   * first leg, a hop's incoming leg, the payee's invoice. Absent when the row names none.
   */
  unitIn?: string;
  /** The unit of `amountOut` and, for a payer, of `delivered`: a payer's last leg, a hop's outgoing leg. */
  unitOut?: string;
  /** Unix milliseconds. */
  expiresAt: number | null;
  /** Payer only: sent on leg 0, counted as delivered, refunded. */
  sent: string | null;
  delivered: string | null;
  refunded: string | null;
  /** Payer only: per leg, what hops claimed to deliver, counted as min(claimed, minimum). */
  notices: Record<string, string>;
  /** Payer only: the parties of the route, payer first. */
  route: string[];
  error: { code: string; message: string } | null;
  steps: { pending: number; done: number; failed: number };
  createdAt: number;
  updatedAt: number;
}

/** A peer recorded as misbehaving (held a payment past its expiry, underpaid, bad receipts). */
export interface MisbehavingRecord {
  pubkey: string;
  paymentId: string;
  reason: string;
  detail: string | null;
  createdAt: number;
}

/** A `payments` row as SQLite returns it. */
export type PaymentRow = Selectable<PaymentsTable>;

/** A payment row with its role and state checked: the coordinator's typed record. */
export type StoredPayment = Omit<PaymentRow, 'role' | 'state'> &
  { [R in PaymentRole]: { role: R; state: RoleStates[R] } }[PaymentRole];

/** A `payment_steps` row as the executor reads it. */
export type StepRow = Selectable<PaymentStepsTable>;

/** Step counts per status. */
export type StepCounts = PaymentRecord['steps'];

/** The columns a transition may change (the others are fixed at creation). */
export type PaymentChanges = Partial<
  Pick<
    PaymentRow,
    | 'payment_hash'
    | 'preimage'
    | 'prev_peer'
    | 'amount_in'
    | 'amount_out'
    | 'expires_at'
    | 'deadline_at'
    | 'error_code'
    | 'error_message'
  >
> & {
  state?: RoleStates[PaymentRole];
  /** The role's data, stored as JSON. */
  data?: unknown;
};

/** What a new payment row holds. */
export type NewPayment = Omit<
  PaymentRow,
  'state' | 'data' | 'error_code' | 'error_message' | 'created_at' | 'updated_at'
> & { data: unknown };

/**
 * Decode a row: its role and state must be ones the table knows.
 * @throws OtP2pError `internal` (a row no version of this code wrote).
 */
export function decodePayment(row: PaymentRow): StoredPayment {
  if (row.role !== 'payer' && row.role !== 'hop' && row.role !== 'payee') {
    throw new OtP2pError('internal', `payment ${row.id} has an unknown role`, { context: { paymentId: row.id } });
  }
  if (!isRoleState(row.role, row.state)) {
    throw new OtP2pError('internal', `payment ${row.id} is in an unknown ${row.role} state ${row.state}`, {
      context: { paymentId: row.id },
    });
  }
  return row as StoredPayment;
}

// The role data of a row (its `data` column), decoded afresh on every call: a transition changes
// its own copy and writes it back with `PaymentRepository.update`.

/** A payer row's data. */
export function payerData(row: Pick<PaymentRow, 'data'>): PayerData {
  return JSON.parse(row.data) as PayerData;
}

/** A hop row's data. */
export function hopData(row: Pick<PaymentRow, 'data'>): HopData {
  return JSON.parse(row.data) as HopData;
}

/** A payee row's data. */
export function payeeData(row: Pick<PaymentRow, 'data'>): PayeeData {
  return JSON.parse(row.data) as PayeeData;
}

/**
 * The `prepare` a hop or the payee accepted (stored in its wire form, validated again on read).
 * @throws OtP2pError `bad-message` when the row holds none (a payee still `invoiced`).
 */
export function acceptedPrepare(row: Pick<PaymentRow, 'data'>): PrepareMessage {
  return parsePaymentMessage((JSON.parse(row.data) as { prepare: Wire }).prepare) as PrepareMessage;
}

/**
 * The units a payment row's amounts are in, read from its role data: the payer's first and last
 * legs, the hop's accepted prepare (stored in its wire form, legs in the body), the payee's
 * invoice. Read defensively: a row that names no unit gives none, never a guess.
 */
export function paymentUnits(row: Pick<PaymentRow, 'role' | 'data'>): Pick<PaymentRecord, 'unitIn' | 'unitOut'> {
  let data: unknown;
  try {
    data = JSON.parse(row.data);
  } catch {
    return {};
  }
  if (!isRecord(data)) return {};
  const ref = (v: unknown): string | undefined =>
    isRecord(v) && typeof v.unit === 'string' && typeof v.notary === 'string' && v.unit !== '' && v.notary !== ''
      ? formatUnitRef({ unit: v.unit, notary: v.notary })
      : undefined;
  let unitIn: string | undefined;
  let unitOut: string | undefined;
  if (row.role === 'payer' && Array.isArray(data.legs)) {
    unitIn = ref(data.legs[0]);
    unitOut = ref(data.legs[data.legs.length - 1]);
  } else if (row.role === 'hop' && isRecord(data.prepare)) {
    const prepare = isRecord(data.prepare.body) ? data.prepare.body : data.prepare;
    unitIn = ref(prepare.in);
    unitOut = ref(prepare.out);
  } else if (row.role === 'payee') {
    unitIn = ref(data);
  }
  return { ...(unitIn ? { unitIn } : {}), ...(unitOut ? { unitOut } : {}) };
}

/** The public view of a payment row. */
export function toPaymentRecord(r: PaymentRow, steps: StepCounts): PaymentRecord {
  const data = JSON.parse(r.data) as {
    sent?: string;
    delivered?: string;
    refunded?: string;
    notices?: Record<string, string>;
    parties?: string[];
  };
  const payer = r.role === 'payer';
  return {
    id: r.id,
    role: r.role,
    state: r.state,
    paymentHash: r.payment_hash,
    preimage: payer && r.state === 'succeeded' ? r.preimage : null,
    payer: r.payer,
    prevPeer: r.prev_peer,
    nextPeer: r.next_peer,
    amountIn: r.amount_in,
    amountOut: r.amount_out,
    ...paymentUnits(r),
    expiresAt: r.expires_at,
    sent: payer ? (data.sent ?? null) : null,
    delivered: payer ? (data.delivered ?? null) : null,
    refunded: payer ? (data.refunded ?? null) : null,
    notices: payer ? (data.notices ?? {}) : {},
    route: payer ? (data.parties ?? []) : [],
    error: r.error_code ? { code: r.error_code, message: r.error_message ?? '' } : null,
    steps,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** The public view of a `payment_misbehaving` row. */
export function toMisbehavingRecord(r: Selectable<PaymentMisbehavingTable>): MisbehavingRecord {
  return { pubkey: r.pubkey, paymentId: r.payment_id, reason: r.reason, detail: r.detail, createdAt: r.created_at };
}

// The read queries, defined once: kysely runs them for the async views, the repository runs
// their compiled SQL synchronously.
const paymentsQuery = (db: Kysely<DatabaseSchema>, limit: number) =>
  db.selectFrom('payments').selectAll().orderBy('created_at', 'desc').orderBy('id').limit(limit);
const stepCountsQuery = (db: Kysely<DatabaseSchema>) =>
  db
    .selectFrom('payment_steps')
    .select(['payment_id', 'status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy(['payment_id', 'status']);
const misbehavingQuery = (db: Kysely<DatabaseSchema>) =>
  db.selectFrom('payment_misbehaving').selectAll().orderBy('created_at');

function withCounts(
  rows: PaymentRow[],
  counts: { payment_id: string; status: StepRow['status']; n: number | bigint }[],
): PaymentRecord[] {
  return rows.map((r) => {
    const steps = { pending: 0, done: 0, failed: 0 };
    for (const c of counts) if (c.payment_id === r.id) steps[c.status] = Number(c.n);
    return toPaymentRecord(r, steps);
  });
}

/** Every payment, newest first (at most `limit`). */
export async function listPayments(db: Kysely<DatabaseSchema>, limit = 1000): Promise<PaymentRecord[]> {
  return withCounts(await paymentsQuery(db, limit).execute(), await stepCountsQuery(db).execute());
}

/** Peers recorded as misbehaving, oldest first. Routing reads this to avoid them. */
export async function listMisbehaving(db: Kysely<DatabaseSchema>): Promise<MisbehavingRecord[]> {
  return (await misbehavingQuery(db).execute()).map(toMisbehavingRecord);
}

/** The payments tables for the coordinator: synchronous, transactional, transition-checked. */
export class PaymentRepository {
  readonly #raw: Database.Database;
  readonly #now: () => number;
  #pending: PaymentTransition[] | undefined;
  readonly #stmt: {
    get: Database.Statement<[string], PaymentRow>;
    insert: Database.Statement<Record<string, unknown>>;
    update: Database.Statement<Record<string, unknown>>;
    byHash: Database.Statement<[string, string], PaymentRow>;
    receiptUsed: Database.Statement<[string], { id: string }>;
    due: Database.Statement<[number], PaymentRow>;
    riskRows: Database.Statement<[], PaymentRow>;
    confirming: Database.Statement<[], PaymentRow>;
    stepCounts: Database.Statement<[string], { status: StepRow['status']; n: number }>;
    insertStep: Database.Statement<Record<string, unknown>>;
    dueStep: Database.Statement<[number], StepRow>;
    stepDone: Database.Statement<[string | null, number, number]>;
    stepRetry: Database.Statement<[number, string, number, number]>;
    stepFailed: Database.Statement<[string, number, number]>;
    misbehave: Database.Statement<[string, string, string, string | null, number]>;
    flagged: Database.Statement<[string], number>;
    misbehaving: Database.Statement<[], Selectable<PaymentMisbehavingTable>>;
  };

  /** `now` stamps `created_at` / `updated_at` (the coordinator's clock). */
  constructor(store: Store, now: () => number) {
    this.#raw = store.raw;
    this.#now = now;
    const r = this.#raw;
    this.#stmt = {
      get: r.prepare('SELECT * FROM payments WHERE id = ?'),
      insert: r.prepare(
        `INSERT INTO payments (id, role, state, payment_hash, preimage, payer, prev_peer, next_peer, amount_in, amount_out,
           expires_at, deadline_at, data, error_code, error_message, created_at, updated_at)
         VALUES (@id, @role, @state, @payment_hash, @preimage, @payer, @prev_peer, @next_peer, @amount_in, @amount_out,
           @expires_at, @deadline_at, @data, NULL, NULL, @now, @now)`,
      ),
      update: r.prepare(
        `UPDATE payments SET state = @state, payment_hash = @payment_hash, preimage = @preimage, prev_peer = @prev_peer,
           amount_in = @amount_in, amount_out = @amount_out, expires_at = @expires_at, deadline_at = @deadline_at, data = @data,
           error_code = @error_code, error_message = @error_message, updated_at = @now WHERE id = @id`,
      ),
      byHash: r.prepare('SELECT * FROM payments WHERE role = ? AND payment_hash = ?'),
      receiptUsed: r.prepare(`SELECT id FROM payments WHERE json_extract(data, '$.inReceipt') = ?`),
      due: r.prepare(`SELECT * FROM payments WHERE deadline_at IS NOT NULL AND deadline_at <= ? ORDER BY deadline_at`),
      riskRows: r.prepare(`SELECT * FROM payments WHERE role = 'payer' AND state NOT IN ('succeeded', 'refunded')`),
      confirming: r.prepare(
        `SELECT * FROM payments WHERE state = 'confirming'
           OR (state IN ('sending', 'in-flight', 'failing', 'failed', 'forwarded') AND json_extract(data, '$.confirmingRefund') IS NOT NULL)
         ORDER BY updated_at`,
      ),
      stepCounts: r.prepare('SELECT status, COUNT(*) AS n FROM payment_steps WHERE payment_id = ? GROUP BY status'),
      insertStep: r.prepare(
        `INSERT OR IGNORE INTO payment_steps (payment_id, idempotency_key, kind, status, payload, attempts, next_attempt_at, created_at, updated_at)
         VALUES (@payment_id, @key, @kind, 'pending', @payload, 0, @at, @now, @now)`,
      ),
      dueStep: r.prepare(
        `SELECT * FROM payment_steps WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT 1`,
      ),
      stepDone: r.prepare(`UPDATE payment_steps SET status = 'done', result = ?, updated_at = ? WHERE id = ?`),
      stepRetry: r.prepare(
        `UPDATE payment_steps SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?, updated_at = ? WHERE id = ?`,
      ),
      stepFailed: r.prepare(
        `UPDATE payment_steps SET status = 'failed', attempts = attempts + 1, last_error = ?, updated_at = ? WHERE id = ?`,
      ),
      misbehave: r.prepare(
        'INSERT OR IGNORE INTO payment_misbehaving (pubkey, payment_id, reason, detail, created_at) VALUES (?, ?, ?, ?, ?)',
      ),
      flagged: r.prepare('SELECT 1 FROM payment_misbehaving WHERE pubkey = ? LIMIT 1').pluck() as Database.Statement<
        [string],
        number
      >,
      misbehaving: r.prepare(misbehavingQuery(store.db).compile().sql),
    };
  }

  /**
   * Run `fn` in one immediate transaction and return the transitions it made, to be announced
   * only now that they are committed (nothing when `fn` throws: the transaction rolled back).
   */
  transaction(fn: () => void): PaymentTransition[] {
    if (this.#pending) throw new OtP2pError('internal', 'payment transactions do not nest');
    const made: PaymentTransition[] = [];
    this.#pending = made;
    try {
      this.#raw.transaction(fn).immediate();
    } finally {
      this.#pending = undefined;
    }
    return made;
  }

  /** Payment `id`, decoded. @throws OtP2pError `internal` (a corrupt row). */
  get(id: string): StoredPayment | undefined {
    const row = this.#stmt.get.get(id);
    return row ? decodePayment(row) : undefined;
  }

  /** Payment `id` as `otp2p payments` shows it. */
  record(id: string): PaymentRecord | undefined {
    const row = this.#stmt.get.get(id);
    if (!row) return undefined;
    const steps = { pending: 0, done: 0, failed: 0 };
    for (const c of this.#stmt.stepCounts.all(id)) steps[c.status] = Number(c.n);
    return toPaymentRecord(row, steps);
  }

  /** Our payment of `role` with this payment hash, if any. */
  byHash(role: PaymentRole, hash: string): StoredPayment | undefined {
    const row = this.#stmt.byHash.get(role, hash);
    return row ? decodePayment(row) : undefined;
  }

  /** Whether some payment was already paid with this receipt (`receiptKey`). */
  receiptUsed(key: string): boolean {
    return this.#stmt.receiptUsed.get(key) !== undefined;
  }

  /** Payments whose deadline passed, earliest first. */
  due(now: number): StoredPayment[] {
    return this.#stmt.due.all(now).map(decodePayment);
  }

  /** Payer payments that may still hold funds at hops. */
  atRisk(): StoredPayment[] {
    return this.#stmt.riskRows.all().map(decodePayment);
  }

  /** Payments waiting on an on-chain transaction's confirmations, least recently checked first. */
  confirming(): StoredPayment[] {
    return this.#stmt.confirming.all().map(decodePayment);
  }

  /**
   * Create a payment in its role's initial state.
   * @throws OtP2pError `internal` outside {@link transaction}.
   */
  insert(p: NewPayment): void {
    const made = this.#inTransaction();
    const state = INITIAL_STATES[p.role];
    this.#stmt.insert.run({ ...p, state, data: JSON.stringify(p.data), now: this.#now() });
    made.push({ paymentId: p.id, role: p.role, from: null, to: state } as PaymentTransition);
  }

  /**
   * Change payment `id` (unchanged columns keep their value).
   * @throws OtP2pError `internal` outside {@link transaction}, for an unknown payment or for a
   *   state change the transition table does not allow (nothing is written).
   */
  update(id: string, changes: PaymentChanges): void {
    const made = this.#inTransaction();
    const current = this.get(id);
    if (!current) throw new OtP2pError('internal', `no payment ${id} to update`, { context: { paymentId: id } });
    const state = changes.state ?? current.state;
    if (state !== current.state) assertTransition(current.role, current.state, state);
    const pick = <K extends keyof PaymentChanges & keyof PaymentRow>(k: K): PaymentRow[K] =>
      (changes[k] !== undefined ? changes[k] : current[k]) as PaymentRow[K];
    this.#stmt.update.run({
      id,
      state,
      payment_hash: pick('payment_hash'),
      preimage: pick('preimage'),
      prev_peer: pick('prev_peer'),
      amount_in: pick('amount_in'),
      amount_out: pick('amount_out'),
      expires_at: pick('expires_at'),
      deadline_at: pick('deadline_at'),
      data: changes.data !== undefined ? JSON.stringify(changes.data) : current.data,
      error_code: pick('error_code'),
      error_message: pick('error_message'),
      now: this.#now(),
    });
    if (state !== current.state)
      made.push({ paymentId: id, role: current.role, from: current.state, to: state } as PaymentTransition);
  }

  /** Record that `pubkey` misbehaved in payment `paymentId` (once per peer, payment and reason). */
  misbehave(pubkey: string, paymentId: string, reason: string, detail: string | null, at: number): void {
    this.#stmt.misbehave.run(pubkey, paymentId, reason, detail, at);
  }

  /** Whether `pubkey` is on the misbehaving record. */
  isFlagged(pubkey: string): boolean {
    return this.#stmt.flagged.get(pubkey) !== undefined;
  }

  /** The misbehaving record, oldest first. */
  misbehaving(): MisbehavingRecord[] {
    return this.#stmt.misbehaving.all().map(toMisbehavingRecord);
  }

  /** Queue a step (ignored when its idempotency key is already queued). */
  insertStep(step: { paymentId: string; key: string; kind: StepRow['kind']; payload: unknown; at: number }): void {
    const { paymentId, key, kind, payload, at } = step;
    this.#stmt.insertStep.run({
      payment_id: paymentId,
      key,
      kind,
      payload: JSON.stringify(payload),
      now: this.#now(),
      at,
    });
  }

  /** The oldest pending step due at `now`. */
  dueStep(now: number): StepRow | undefined {
    return this.#stmt.dueStep.get(now);
  }

  /** Mark a step done with its result (JSON, or null). */
  stepDone(id: number, result: unknown): void {
    this.#stmt.stepDone.run(result === null ? null : JSON.stringify(result), this.#now(), id);
  }

  /** Count a failed attempt and schedule the next one at `at`. */
  stepRetry(id: number, at: number, error: string): void {
    this.#stmt.stepRetry.run(at, error, this.#now(), id);
  }

  /** Mark a step failed for good. */
  stepFailed(id: number, error: string): void {
    this.#stmt.stepFailed.run(error, this.#now(), id);
  }

  #inTransaction(): PaymentTransition[] {
    if (!this.#pending || !this.#raw.inTransaction) {
      throw new OtP2pError('internal', 'a payment is written only inside PaymentRepository.transaction');
    }
    return this.#pending;
  }
}

/** A `btc_payments` row: one on-chain transfer, committed before it is broadcast. */
export type BtcPaymentRow = Selectable<BtcPaymentsTable>;

/**
 * The on-chain legs' tables: `btc_payments` (a signed transaction per idempotency key, committed
 * before its broadcast so a crash can never build a second one) and `btc_receive_addresses` (each
 * address handed out in a quote, bound to one payment).
 */
export class BtcPaymentRepository {
  readonly #stmt: {
    get: Database.Statement<[string], BtcPaymentRow>;
    unbroadcast: Database.Statement<[], BtcPaymentRow>;
    insert: Database.Statement<[string, string, number, string, string, string, number]>;
    broadcast: Database.Statement<[number, string]>;
    bound: Database.Statement<[string], string>;
    taken: Database.Statement<[string], number>;
    bind: Database.Statement<[string, string, number]>;
    addresses: Database.Statement<[], string>;
  };

  constructor(store: Store) {
    const r = store.raw;
    this.#stmt = {
      get: r.prepare('SELECT * FROM btc_payments WHERE idempotency_key = ?'),
      unbroadcast: r.prepare('SELECT * FROM btc_payments WHERE broadcast_at IS NULL ORDER BY created_at'),
      insert: r.prepare(
        'INSERT INTO btc_payments (idempotency_key, txid, vout, address, amount, rawtx, created_at, broadcast_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)',
      ),
      broadcast: r.prepare('UPDATE btc_payments SET broadcast_at = ? WHERE idempotency_key = ?'),
      bound: r.prepare('SELECT address FROM btc_receive_addresses WHERE payment_id = ?').pluck() as Database.Statement<
        [string],
        string
      >,
      taken: r.prepare('SELECT 1 FROM btc_receive_addresses WHERE address = ?').pluck() as Database.Statement<
        [string],
        number
      >,
      bind: r.prepare('INSERT INTO btc_receive_addresses (address, payment_id, created_at) VALUES (?, ?, ?)'),
      addresses: r.prepare('SELECT address FROM btc_receive_addresses').pluck() as Database.Statement<[], string>,
    };
  }

  /** The transfer committed under idempotency key `key`. */
  get(key: string): BtcPaymentRow | undefined {
    return this.#stmt.get.get(key);
  }

  /** Transfers committed but not known to be broadcast, oldest first. */
  unbroadcast(): BtcPaymentRow[] {
    return this.#stmt.unbroadcast.all();
  }

  /** Commit a signed transaction (not yet broadcast). */
  insert(row: BtcPaymentRow): void {
    this.#stmt.insert.run(row.idempotency_key, row.txid, row.vout, row.address, row.amount, row.rawtx, row.created_at);
  }

  /** Record that the transaction of `key` reached the node. */
  markBroadcast(key: string, at: number): void {
    this.#stmt.broadcast.run(at, key);
  }

  /** The receive address bound to `paymentId`, if any. */
  boundAddress(paymentId: string): string | undefined {
    return this.#stmt.bound.get(paymentId);
  }

  /** Whether `address` was ever handed out. */
  addressTaken(address: string): boolean {
    return this.#stmt.taken.get(address) !== undefined;
  }

  /** Bind a fresh receive address to `paymentId`. */
  bindAddress(address: string, paymentId: string, at: number): void {
    this.#stmt.bind.run(address, paymentId, at);
  }

  /** Every receive address ever handed out. */
  addresses(): string[] {
    return this.#stmt.addresses.all();
  }
}
