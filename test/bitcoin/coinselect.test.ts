import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dustThreshold,
  feeFor,
  P2WPKH_INPUT_WEIGHT,
  satPerVbyte,
  selectCoins,
  txWeight,
  vsizeOf,
} from '../../src/bitcoin/coinselect.ts';
import type { Coin } from '../../src/bitcoin/coinselect.ts';
import { isOtP2pError } from '../../src/core/errors.ts';

const P2WPKH = new Uint8Array([0x00, 0x14, ...new Uint8Array(20)]);
const P2PKH = new Uint8Array([0x76, 0xa9, 0x14, ...new Uint8Array(20), 0x88, 0xac]);
const P2TR = new Uint8Array([0x51, 0x20, ...new Uint8Array(32)]);
const P2WSH = new Uint8Array([0x00, 0x20, ...new Uint8Array(32)]);
const P2SH = new Uint8Array([0xa9, 0x14, ...new Uint8Array(20), 0x87]);

const coins = (...values: bigint[]): Coin[] =>
  values.map((value, i) => ({ id: `${'0'.repeat(63)}${i % 10}:${i}`, value }));

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (err) {
    if (isOtP2pError(err)) return err.code;
    throw err;
  }
  return undefined;
}

describe('sizes and dust', () => {
  it('matches Bitcoin Core dust thresholds', () => {
    expect(dustThreshold(P2PKH)).toBe(546n);
    expect(dustThreshold(P2SH)).toBe(540n);
    expect(dustThreshold(P2WPKH)).toBe(294n);
    expect(dustThreshold(P2WSH)).toBe(330n);
    expect(dustThreshold(P2TR)).toBe(330n);
  });

  it('estimates the classic 1-in 2-out P2WPKH transaction at 141 vB', () => {
    // 10.5 vB overhead + 68 vB input + 2 x 31 vB outputs, rounded up.
    expect(vsizeOf(txWeight(1, [22, 22]))).toBe(141);
    expect(P2WPKH_INPUT_WEIGHT).toBe(272);
    expect(feeFor(txWeight(1, [22]), 10n)).toBe(1100n);
  });

  it('converts sat/kvB estimates to at least 1 sat/vB, rounding up', () => {
    expect(satPerVbyte(0n)).toBe(1n);
    expect(satPerVbyte(1000n)).toBe(1n);
    expect(satPerVbyte(1001n)).toBe(2n);
    expect(satPerVbyte(25_000n)).toBe(25n);
  });
});

describe('selectCoins', () => {
  it('finds an exact match with branch-and-bound and creates no change', () => {
    const fee = feeFor(txWeight(1, [22]), 1n);
    const sel = selectCoins({
      coins: coins(5_000_000n, 100_000n + fee, 300_000n),
      outputs: [{ script: P2WPKH, value: 100_000n }],
      feeRate: 1n,
    });
    expect(sel.algorithm).toBe('bnb');
    expect(sel.change).toBe(0n);
    expect(sel.inputs.map((c) => c.value)).toEqual([100_000n + fee]);
    expect(sel.fee).toBe(fee);
  });

  it('falls back to largest-first with change', () => {
    const sel = selectCoins({
      coins: coins(1_000_000n, 2_000_000n),
      outputs: [{ script: P2WPKH, value: 1_500_000n }],
      feeRate: 2n,
    });
    expect(sel.algorithm).toBe('largest-first');
    expect(sel.inputs.map((c) => c.value)).toEqual([2_000_000n]);
    expect(sel.fee).toBe(feeFor(txWeight(1, [22, 22]), 2n));
    expect(sel.change).toBe(2_000_000n - 1_500_000n - sel.fee);
  });

  it('gives dust change to the fee', () => {
    const value = 100_000n;
    const feeNo = feeFor(txWeight(1, [22]), 1n);
    const coin = value + feeNo + 300n; // over the BnB window (cost of change 99); change 269 would be dust
    const sel = selectCoins({ coins: coins(coin), outputs: [{ script: P2WPKH, value }], feeRate: 1n });
    expect(sel.change).toBe(0n);
    expect(sel.fee).toBe(coin - value);
  });

  it('refuses dust, bad fee rates, no outputs and overspending with exact codes', () => {
    expect(
      codeOf(() => selectCoins({ coins: coins(1_000_000n), outputs: [{ script: P2PKH, value: 545n }], feeRate: 1n })),
    ).toBe('dust');
    expect(
      codeOf(() => selectCoins({ coins: coins(1_000_000n), outputs: [{ script: P2WPKH, value: 293n }], feeRate: 1n })),
    ).toBe('dust');
    expect(
      codeOf(() => selectCoins({ coins: coins(1_000_000n), outputs: [{ script: P2WPKH, value: 294n }], feeRate: 1n })),
    ).toBeUndefined();
    expect(
      codeOf(() => selectCoins({ coins: coins(1_000_000n), outputs: [{ script: P2WPKH, value: 1000n }], feeRate: 0n })),
    ).toBe('bad-amount');
    expect(codeOf(() => selectCoins({ coins: coins(1_000_000n), outputs: [], feeRate: 1n }))).toBe('bad-amount');
    expect(
      codeOf(() =>
        selectCoins({ coins: coins(1_000_000n), outputs: [{ script: P2WPKH, value: 1_000_000n }], feeRate: 1n }),
      ),
    ).toBe('insufficient-funds');
    expect(codeOf(() => selectCoins({ coins: [], outputs: [{ script: P2WPKH, value: 1000n }], feeRate: 1n }))).toBe(
      'insufficient-funds',
    );
  });

  it('skips coins that cost more to spend than they are worth', () => {
    expect(
      codeOf(() =>
        selectCoins({
          coins: coins(...Array<bigint>(50).fill(600n)),
          outputs: [{ script: P2WPKH, value: 1000n }],
          feeRate: 10n,
        }),
      ),
    ).toBe('insufficient-funds');
  });

  it('balances: inputs = outputs + fee + change, fee pays the estimated size, change is never dust', () => {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: 1n, max: 50_000_000n }), { minLength: 0, maxLength: 40 }),
        fc.bigInt({ min: 294n, max: 100_000_000n }),
        fc.bigInt({ min: 1n, max: 200n }),
        fc.constantFrom(P2WPKH, P2PKH, P2TR),
        (values, amount, feeRate, script) => {
          const cs = coins(...values);
          let sel;
          try {
            sel = selectCoins({ coins: cs, outputs: [{ script, value: amount }], feeRate });
          } catch (err) {
            if (
              isOtP2pError(err, 'insufficient-funds') ||
              (isOtP2pError(err, 'dust') && amount < dustThreshold(script))
            )
              return;
            throw err;
          }
          const inSum = sel.inputs.reduce((s, c) => s + c.value, 0n);
          expect(inSum).toBe(amount + sel.fee + sel.change);
          const lens = sel.change > 0n ? [script.length, 22] : [script.length];
          expect(sel.vsize).toBe(vsizeOf(txWeight(sel.inputs.length, lens)));
          expect(sel.fee).toBeGreaterThanOrEqual(BigInt(sel.vsize) * feeRate);
          expect(sel.change === 0n || sel.change >= 294n).toBe(true);
          expect(new Set(sel.inputs.map((c) => c.id)).size).toBe(sel.inputs.length);
          for (const c of sel.inputs) expect(cs.some((x) => x.id === c.id && x.value === c.value)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reports insufficient funds only when the spendable coins really cannot pay', () => {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: 1000n, max: 1_000_000n }), { maxLength: 20 }),
        fc.bigInt({ min: 294n, max: 10_000_000n }),
        (values, amount) => {
          const total = values.reduce((s, v) => s + v, 0n);
          const minFee = feeFor(txWeight(values.length, [22]), 1n);
          const code = codeOf(() =>
            selectCoins({ coins: coins(...values), outputs: [{ script: P2WPKH, value: amount }], feeRate: 1n }),
          );
          if (total >= amount + minFee) expect(code).toBeUndefined();
          if (total < amount) expect(code).toBe('insufficient-funds');
        },
      ),
      { numRuns: 300 },
    );
  });
});
