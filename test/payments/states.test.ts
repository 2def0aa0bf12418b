/**
 * The transition table of each role, walked through the real repository over a real SQLite file:
 * every declared transition is written and announced, every undeclared one is refused with
 * `internal` and leaves the row as it was, and terminal states have no exit of the normal run.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOtP2pError } from '../../src/core/errors.ts';
import { INITIAL_STATES, TERMINAL_STATES, TRANSITIONS, canTransition, isTerminal } from '../../src/payments/states.ts';
import type { PaymentRole } from '../../src/payments/states.ts';
import { PaymentRepository } from '../../src/payments/store.ts';
import { openStore } from '../../src/store/db.ts';
import type { Store } from '../../src/store/db.ts';
import { tmpDir } from '../helpers/tmp.ts';

const ROLES: PaymentRole[] = ['payer', 'hop', 'payee'];
const statesOf = (role: PaymentRole): string[] => Object.keys(TRANSITIONS[role]);
const exitsOf = (role: PaymentRole, s: string): string[] => {
  const e = (TRANSITIONS[role] as Record<string, { to: readonly string[]; late?: readonly string[] }>)[s]!;
  return [...e.to, ...(e.late ?? [])];
};

let store: Store;
let repo: PaymentRepository;
let seq = 0;

beforeAll(async () => {
  store = await openStore(join(tmpDir(), 'payments.db'));
  repo = new PaymentRepository(store, () => 1_000 + seq);
});
afterAll(async () => store.close());

/** A payment of `role` put in `state` directly (the fixture; the test is about the next write). */
function paymentIn(role: PaymentRole, state: string): string {
  const id = (++seq).toString(16).padStart(32, '0');
  repo.transaction(() =>
    repo.insert({
      id,
      role,
      payment_hash: null,
      preimage: null,
      payer: 'a'.repeat(64),
      prev_peer: null,
      next_peer: null,
      amount_in: null,
      amount_out: null,
      expires_at: null,
      deadline_at: null,
      data: {},
    }),
  );
  store.raw.prepare('UPDATE payments SET state = ? WHERE id = ?').run(state, id);
  return id;
}

const stateOf = (id: string): unknown => store.raw.prepare('SELECT state FROM payments WHERE id = ?').pluck().get(id);

describe('payment state transitions', () => {
  for (const role of ROLES) {
    it(`${role}: every declared transition is written and announced, every other one refused with internal`, () => {
      let accepted = 0;
      let refused = 0;
      for (const from of statesOf(role)) {
        for (const to of statesOf(role)) {
          if (from === to) continue;
          const id = paymentIn(role, from);
          if (exitsOf(role, from).includes(to)) {
            const made = repo.transaction(() => repo.update(id, { state: to as never }));
            expect(made).toEqual([{ paymentId: id, role, from, to }]);
            expect(stateOf(id)).toBe(to);
            accepted++;
          } else {
            const before = store.raw.prepare('SELECT * FROM payments WHERE id = ?').get(id);
            let err: unknown;
            try {
              repo.transaction(() => repo.update(id, { state: to as never, error_code: 'x' }));
            } catch (e) {
              err = e;
            }
            expect(isOtP2pError(err) && err.code === 'internal', `${role} ${from} -> ${to} must be refused`).toBe(true);
            expect(store.raw.prepare('SELECT * FROM payments WHERE id = ?').get(id)).toEqual(before);
            refused++;
          }
          expect(canTransition(role, from, to)).toBe(exitsOf(role, from).includes(to));
        }
      }
      expect(accepted).toBeGreaterThan(0);
      expect(refused).toBeGreaterThan(0);
    });

    it(`${role}: every state is reachable from ${INITIAL_STATES[role]}, and every exit names a state of the role`, () => {
      const seen = new Set([INITIAL_STATES[role] as string]);
      const todo = [INITIAL_STATES[role] as string];
      while (todo.length > 0) {
        for (const next of exitsOf(role, todo.pop()!)) {
          expect(statesOf(role)).toContain(next);
          if (!seen.has(next)) {
            seen.add(next);
            todo.push(next);
          }
        }
      }
      expect([...seen].sort()).toEqual(statesOf(role).sort());
    });

    it(`${role}: terminal states have no exit of the normal run; a state with no exit at all refuses everything`, () => {
      for (const s of TERMINAL_STATES[role]) {
        expect(isTerminal(role, s)).toBe(true);
        expect((TRANSITIONS[role] as Record<string, { to: readonly string[] }>)[s]!.to).toEqual([]);
        // a late exit (news after the outcome) may only lead to another outcome or to sending money back
        for (const next of exitsOf(role, s))
          expect(isTerminal(role, next) || next === 'refunding' || next === 'confirming').toBe(true);
      }
      for (const s of statesOf(role).filter((x) => exitsOf(role, x).length === 0)) {
        for (const to of statesOf(role)) expect(canTransition(role, s, to)).toBe(false);
      }
      for (const s of statesOf(role).filter((x) => !TERMINAL_STATES[role].includes(x)))
        expect(isTerminal(role, s)).toBe(false);
    });
  }

  it('the terminal states are the ones payments have always reported as final', () => {
    expect({ ...TERMINAL_STATES }).toEqual({
      payer: ['failed', 'succeeded', 'refunded'],
      hop: ['forwarded', 'refunded', 'rejected', 'expired'],
      payee: ['fulfilled', 'refunded', 'rejected', 'expired'],
    });
    expect(isTerminal('payer', 'nonsense')).toBe(false);
    expect(canTransition('payer', 'quoting', 'nonsense')).toBe(false);
  });

  it('refuses a write outside a transaction, and a rolled-back transaction announces and keeps nothing', () => {
    const id = paymentIn('payer', 'quoting');
    expect(() => repo.update(id, { state: 'preparing' })).toThrow(expect.objectContaining({ code: 'internal' }));
    expect(() =>
      repo.transaction(() => {
        repo.update(id, { state: 'preparing' });
        throw new Error('crash inside the transition');
      }),
    ).toThrow('crash inside the transition');
    expect(stateOf(id)).toBe('quoting');
    expect(() => repo.transaction(() => repo.transaction(() => undefined))).toThrow(
      expect.objectContaining({ code: 'internal' }),
    );
  });

  it('a row in a state no version wrote is refused on read with internal', () => {
    const id = paymentIn('hop', 'nonsense');
    expect(() => repo.get(id)).toThrow(expect.objectContaining({ code: 'internal' }));
    expect(() => repo.update(id, { state: 'expired' })).toThrow(expect.objectContaining({ code: 'internal' }));
  });
});
