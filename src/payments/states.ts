/**
 * The states of a payment for each role this peer plays, and the one table of the transitions
 * between them. The repository checks every state write against this table, so a code path that
 * would move a payment where the protocol does not allow throws instead of writing.
 *
 * Two kinds of exits: `to`, the transitions of the normal run, and `late`, the news a peer can
 * still bring after the outcome was decided (the preimage or a refund after the payer gave up, a
 * refund after a hop forwarded, funds arriving after an expiry, which must go back). A state with
 * no `to` exits is terminal: the outcome is known and reported (`pay()` resolves, `otp2p status`
 * no longer counts it in flight); only a declared late exit can still leave it.
 */
import { OtP2pError } from '../core/errors.ts';

/** A payment's role for this peer. */
export type PaymentRole = 'payer' | 'hop' | 'payee';

/** The payer's states. */
export type PayerState =
  | 'quoting'
  | 'preparing'
  | 'sending'
  | 'in-flight'
  | 'failing'
  | 'failed'
  | 'succeeded'
  | 'refunded';

/** An intermediate hop's states ('confirming': on-chain funds awaiting their confirmations). */
export type HopState =
  | 'prepared'
  | 'confirming'
  | 'received'
  | 'forwarded'
  | 'refunding'
  | 'refunded'
  | 'rejected'
  | 'expired';

/** The payee's states. */
export type PayeeState =
  | 'invoiced'
  | 'prepared'
  | 'confirming'
  | 'fulfilled'
  | 'refunding'
  | 'refunded'
  | 'rejected'
  | 'expired';

/** The states of each role. */
export interface RoleStates {
  payer: PayerState;
  hop: HopState;
  payee: PayeeState;
}

/** Any state of any role. */
export type PaymentState = RoleStates[PaymentRole];

/** The exits of one state: the normal run's (`to`) and late news' (`late`). */
export interface StateExits<S extends string> {
  readonly to: readonly S[];
  readonly late?: readonly S[];
}

/** A role's transition table: every state with its exits. */
export type TransitionTable<S extends string> = { readonly [K in S]: StateExits<S> };

/** Where each role's payments start. */
export const INITIAL_STATES: { readonly [R in PaymentRole]: RoleStates[R] } = {
  payer: 'quoting',
  hop: 'prepared',
  payee: 'invoiced',
};

/** Every allowed transition, per role (from -> allowed to). */
export const TRANSITIONS: { readonly [R in PaymentRole]: TransitionTable<RoleStates[R]> } = {
  payer: {
    quoting: { to: ['preparing', 'failed'] },
    preparing: { to: ['sending', 'failed'] },
    // the leg-0 transfer is queued; a reject may come before it ran (failing), a final refusal fails it
    sending: { to: ['in-flight', 'failing', 'failed'] },
    'in-flight': { to: ['failing', 'failed', 'succeeded', 'refunded'] },
    failing: { to: ['failed', 'succeeded', 'refunded'] },
    // given up (timeout, refusal): the preimage or a refund may still arrive and tell what really happened
    failed: { to: [], late: ['succeeded', 'refunded'] },
    succeeded: { to: [] },
    refunded: { to: [] },
  },
  hop: {
    prepared: { to: ['confirming', 'received', 'refunding', 'rejected', 'expired'] },
    // a transaction that vanished puts the payment back to waiting for its expiry
    confirming: { to: ['prepared', 'received', 'refunding'] },
    received: { to: ['forwarded', 'refunding'] },
    // the next party refunded us: we refund our sender
    forwarded: { to: [], late: ['refunding'] },
    refunding: { to: ['refunded'] },
    refunded: { to: [] },
    rejected: { to: [] },
    // funds arriving after our expiry are sent back (on-chain ones once confirmed)
    expired: { to: [], late: ['confirming', 'refunding'] },
  },
  payee: {
    invoiced: { to: ['prepared', 'rejected', 'expired'] },
    prepared: { to: ['confirming', 'fulfilled', 'refunding', 'rejected', 'expired'] },
    confirming: { to: ['prepared', 'fulfilled', 'refunding'] },
    fulfilled: { to: [] },
    refunding: { to: ['refunded'] },
    refunded: { to: [] },
    rejected: { to: [] },
    expired: { to: [], late: ['confirming', 'refunding'] },
  },
};

function terminalOf<S extends string>(table: TransitionTable<S>): readonly S[] {
  return Object.freeze((Object.keys(table) as S[]).filter((s) => table[s].to.length === 0));
}

/**
 * Terminal states per role (derived from {@link TRANSITIONS}: no exit in the normal run). Typed
 * with plain strings so a state read from the database can be looked up without a cast.
 */
export const TERMINAL_STATES: Readonly<Record<PaymentRole, readonly string[]>> = {
  payer: terminalOf(TRANSITIONS.payer),
  hop: terminalOf(TRANSITIONS.hop),
  payee: terminalOf(TRANSITIONS.payee),
};

/** Whether `state` is a state of `role`. */
export function isRoleState<R extends PaymentRole>(role: R, state: unknown): state is RoleStates[R] {
  return typeof state === 'string' && Object.hasOwn(TRANSITIONS[role], state);
}

/** Whether a payment of `role` in `state` is terminal (its outcome is known). Unknown states are not. */
export function isTerminal(role: PaymentRole, state: string): boolean {
  return (TERMINAL_STATES[role] as readonly string[]).includes(state);
}

/** Whether the table allows `from -> to` for `role` (staying in a state is not a transition). */
export function canTransition(role: PaymentRole, from: string, to: string): boolean {
  if (!isRoleState(role, from) || !isRoleState(role, to)) return false;
  const exits = (TRANSITIONS[role] as TransitionTable<string>)[from]!;
  return exits.to.includes(to) || (exits.late ?? []).includes(to);
}

/**
 * Refuse a transition the table does not declare.
 * @throws OtP2pError `internal` (a bug: the coordinator tried a transition the protocol does not
 *   have; the write is not made), with the role, from and to in `context`.
 */
export function assertTransition(role: PaymentRole, from: string, to: string): void {
  if (!canTransition(role, from, to)) {
    throw new OtP2pError('internal', `a ${role} payment cannot go from ${from} to ${to}`, {
      context: { role, from, to },
    });
  }
}

/** One state change of a payment (`from: null`: the payment was created), emitted after its commit. */
export type PaymentTransition = {
  [R in PaymentRole]: { paymentId: string; role: R; from: RoleStates[R] | null; to: RoleStates[R] };
}[PaymentRole];
