/**
 * Transaction size estimates, dust thresholds and coin selection for a P2WPKH wallet. Pure: no
 * I/O, bigint sats throughout, weights in weight units (WU, 4 per non-witness byte).
 *
 * Selection tries branch-and-bound first (an input set whose value lands within the cost of a
 * change output above the target, so no change output is needed), then falls back to
 * largest-first with change. Change below the dust threshold is left to the fee.
 */
import { ceilDiv } from '../core/amount.ts';
import { OtP2pError } from '../core/errors.ts';

/**
 * Weight of a P2WPKH input: 41 non-witness bytes (outpoint 36, empty scriptSig length 1,
 * sequence 4) and a witness of 2 items (count 1, signature 1+72 at most, pubkey 1+33).
 */
export const P2WPKH_INPUT_WEIGHT = 41 * 4 + 108;

/** Length of a P2WPKH output script (OP_0 PUSH20 <hash160>). */
export const P2WPKH_SCRIPT_LENGTH = 22;

/** Bitcoin Core's dust relay fee (sat/vB) used for dust thresholds. */
export const DUST_RELAY_FEE_RATE = 3n;

function varIntSize(n: number): number {
  return n < 0xfd ? 1 : n <= 0xffff ? 3 : n <= 0xffffffff ? 5 : 9;
}

/** Weight of an output with a script of `scriptLength` bytes. */
export function outputWeight(scriptLength: number): number {
  return (8 + varIntSize(scriptLength) + scriptLength) * 4;
}

/**
 * Upper-bound weight of a transaction spending `inputs` P2WPKH inputs to outputs with the given
 * script lengths (version, locktime, counts, and the SegWit marker and flag).
 */
export function txWeight(inputs: number, outputScriptLengths: readonly number[]): number {
  let w = (4 + 4 + varIntSize(inputs) + varIntSize(outputScriptLengths.length)) * 4 + 2;
  w += inputs * P2WPKH_INPUT_WEIGHT;
  for (const len of outputScriptLengths) w += outputWeight(len);
  return w;
}

/** Virtual size: weight / 4 rounded up. */
export function vsizeOf(weight: number): number {
  return Math.ceil(weight / 4);
}

/** Fee for `weight` at `feeRate` sat/vB. */
export function feeFor(weight: number, feeRate: bigint): bigint {
  return BigInt(vsizeOf(weight)) * feeRate;
}

/**
 * Bitcoin Core's dust threshold for an output script: the value below which spending it would
 * cost more than a third of it at 3 sat/vB (546 sats for P2PKH, 294 for P2WPKH, 330 for
 * P2WSH/P2TR).
 */
export function dustThreshold(script: Uint8Array): bigint {
  const outSize = 8 + varIntSize(script.length) + script.length;
  const isWitness =
    script.length >= 4 &&
    script.length <= 42 &&
    (script[0] === 0x00 || (script[0]! >= 0x51 && script[0]! <= 0x60)) &&
    script[1] === script.length - 2;
  // Spending input size: 67.75 vB for a witness program (rounded down as Core does via 107/4), 148 for others.
  const inSize = isWitness ? 32 + 4 + 1 + 107 / 4 + 4 : 32 + 4 + 1 + 107 + 4;
  return BigInt(Math.floor(outSize + inSize)) * DUST_RELAY_FEE_RATE;
}

/** A coin the selector may spend. */
export interface Coin {
  /** `txid:vout`. */
  id: string;
  value: bigint;
}

/** What to pay. */
export interface SelectionRequest {
  coins: readonly Coin[];
  /** The outputs to create (scripts decide their size and dust threshold). */
  outputs: readonly { script: Uint8Array; value: bigint }[];
  /** Fee rate in sat/vB (at least 1). */
  feeRate: bigint;
  /** Length of the change script (22 for P2WPKH). */
  changeScriptLength?: number;
  /** Dust threshold of the change output (294 for P2WPKH). */
  changeDust?: bigint;
  /** Branch-and-bound search budget. */
  maxTries?: number;
}

/** The chosen inputs, the fee and the change (0 when there is no change output). */
export interface Selection {
  inputs: Coin[];
  fee: bigint;
  change: bigint;
  /** Estimated virtual size (upper bound) of the signed transaction. */
  vsize: number;
  algorithm: 'bnb' | 'largest-first';
}

/**
 * Select inputs for `outputs` at `feeRate`.
 * @throws OtP2pError `dust` when an output is below its dust threshold, `bad-amount` for a
 *   fee rate under 1 sat/vB or no outputs, `insufficient-funds` (context: `needed`,
 *   `available`) when the coins cannot pay outputs plus fee.
 */
export function selectCoins(req: SelectionRequest): Selection {
  const { feeRate } = req;
  if (feeRate < 1n)
    throw new OtP2pError('bad-amount', `fee rate must be at least 1 sat/vB, got ${feeRate}`, {
      context: { field: 'feeRate' },
    });
  if (req.outputs.length === 0)
    throw new OtP2pError('bad-amount', 'a transaction needs at least one output', { context: { field: 'outputs' } });
  let target = 0n;
  for (const [i, o] of req.outputs.entries()) {
    const dust = dustThreshold(o.script);
    if (o.value < dust) {
      throw new OtP2pError('dust', `output ${i} pays ${o.value} sats, below the dust threshold of ${dust}`, {
        context: { output: i, value: o.value.toString(), dust: dust.toString() },
      });
    }
    target += o.value;
  }
  const changeLen = req.changeScriptLength ?? P2WPKH_SCRIPT_LENGTH;
  const changeDust = req.changeDust ?? 294n;
  const lens = req.outputs.map((o) => o.script.length);
  const inputFee = feeFor(P2WPKH_INPUT_WEIGHT, feeRate);
  // Coins that cost more to spend than they bring are never worth selecting.
  const usable = req.coins
    .filter((c) => c.value > inputFee)
    .sort((a, b) => (a.value === b.value ? (a.id < b.id ? -1 : 1) : a.value > b.value ? -1 : 1));
  const available = req.coins.reduce((s, c) => s + c.value, 0n);

  const bnb = branchAndBound(usable, req, target, lens, changeLen, inputFee);
  if (bnb) return bnb;

  const picked: Coin[] = [];
  let sum = 0n;
  for (const c of usable) {
    picked.push(c);
    sum += c.value;
    const wChange = txWeight(picked.length, [...lens, changeLen]);
    const feeChange = feeFor(wChange, feeRate);
    if (sum >= target + feeChange + changeDust) {
      return {
        inputs: picked,
        fee: feeChange,
        change: sum - target - feeChange,
        vsize: vsizeOf(wChange),
        algorithm: 'largest-first',
      };
    }
    const wNo = txWeight(picked.length, lens);
    const feeNo = feeFor(wNo, feeRate);
    if (sum >= target + feeNo) {
      // Change would be dust: it goes to the fee.
      return { inputs: picked, fee: sum - target, change: 0n, vsize: vsizeOf(wNo), algorithm: 'largest-first' };
    }
  }
  const needed = target + feeFor(txWeight(Math.max(1, picked.length), lens), feeRate);
  throw new OtP2pError(
    'insufficient-funds',
    `wallet holds ${available} sats, needs at least ${needed} (outputs ${target} plus fee)`,
    {
      context: { needed: needed.toString(), available: available.toString() },
    },
  );
}

/**
 * Depth-first search for an input set whose effective value (value minus the input's fee)
 * covers target + base fee without exceeding it by more than the cost of change.
 */
function branchAndBound(
  coins: Coin[],
  req: SelectionRequest,
  target: bigint,
  lens: number[],
  changeLen: number,
  inputFee: bigint,
): Selection | undefined {
  const { feeRate } = req;
  const eff = coins.map((c) => c.value - inputFee);
  // Fixed part of the fee, with a one-byte input count (we stay under 253 inputs here).
  const fixedFee = feeFor(txWeight(0, lens), feeRate);
  const low = target + fixedFee;
  const costOfChange = feeFor(outputWeight(changeLen), feeRate) + inputFee;
  const high = low + costOfChange;
  const suffix: bigint[] = new Array<bigint>(eff.length + 1).fill(0n);
  for (let i = eff.length - 1; i >= 0; i--) suffix[i] = suffix[i + 1]! + eff[i]!;
  if (suffix[0]! < low) return undefined;
  let tries = req.maxTries ?? 100_000;
  const chosen: number[] = [];
  let best: number[] | undefined;
  let bestWaste: bigint | undefined;
  const walk = (i: number, sum: bigint): void => {
    if (tries-- <= 0 || chosen.length > 250) return;
    if (sum > high) return;
    if (sum >= low) {
      const waste = sum - low;
      if (bestWaste === undefined || waste < bestWaste) {
        bestWaste = waste;
        best = [...chosen];
      }
      return;
    }
    if (i >= eff.length || sum + suffix[i]! < low) return;
    chosen.push(i);
    walk(i + 1, sum + eff[i]!);
    chosen.pop();
    if (bestWaste === 0n) return;
    // Skipping a coin equal to one just skipped explores the same sums again.
    let j = i + 1;
    while (j < eff.length && eff[j] === eff[i]) j++;
    walk(j, sum);
  };
  walk(0, 0n);
  if (!best) return undefined;
  const inputs = best.map((k) => coins[k]!);
  const sum = inputs.reduce((s, c) => s + c.value, 0n);
  const w = txWeight(inputs.length, lens);
  return { inputs, fee: sum - target, change: 0n, vsize: vsizeOf(w), algorithm: 'bnb' };
}

/** Convert sat/kvB (what nodes estimate) into whole sat/vB, at least 1. */
export function satPerVbyte(satPerKvB: bigint): bigint {
  const r = ceilDiv(satPerKvB, 1000n);
  return r < 1n ? 1n : r;
}
