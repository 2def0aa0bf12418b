/**
 * The best-first pass's priority queue and its keys: a binary min-heap of states (slot x layer
 * index) with their key and the label value they were pushed with (a state pushed again with a
 * smaller label leaves a stale entry, which the pass skips on pop). Three parallel typed arrays,
 * reused across queries and doubled when full.
 */
import { FAST_LIMIT } from './amount.ts';

/** A min-heap of (key, state, label value) entries. */
export class StateHeap {
  private prio = new Float64Array(1024);
  private idx = new Int32Array(1024);
  private val = new Float64Array(1024);
  /** Entries in the heap. */
  size = 0;
  /** The state and label value of the entry the last {@link pop} returned. */
  popIdx = 0;
  popVal = 0;

  clear(): void {
    this.size = 0;
  }

  push(prio: number, j: number, val: number): void {
    if (this.size === this.prio.length) {
      const n = this.size * 2;
      const p2 = new Float64Array(n);
      p2.set(this.prio);
      this.prio = p2;
      const i2 = new Int32Array(n);
      i2.set(this.idx);
      this.idx = i2;
      const v2 = new Float64Array(n);
      v2.set(this.val);
      this.val = v2;
    }
    const hp = this.prio;
    const hi = this.idx;
    const hv = this.val;
    let i = this.size++;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if ((hp[up] as number) <= prio) break;
      hp[i] = hp[up] as number;
      hi[i] = hi[up] as number;
      hv[i] = hv[up] as number;
      i = up;
    }
    hp[i] = prio;
    hi[i] = j;
    hv[i] = val;
  }

  /** Move the entry at `start` down to its place (after a pop, or when the keys are recomputed). */
  private siftDown(start: number): void {
    const hp = this.prio;
    const hi = this.idx;
    const hv = this.val;
    const hn = this.size;
    const lp = hp[start] as number;
    const li = hi[start] as number;
    const lv = hv[start] as number;
    let i = start;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= hn) break;
      if (c + 1 < hn && (hp[c + 1] as number) < (hp[c] as number)) c++;
      if ((hp[c] as number) >= lp) break;
      hp[i] = hp[c] as number;
      hi[i] = hi[c] as number;
      hv[i] = hv[c] as number;
      i = c;
    }
    hp[i] = lp;
    hi[i] = li;
    hv[i] = lv;
  }

  /** Remove the least entry: returns its key, and leaves its state and value in {@link popIdx}, {@link popVal}. */
  pop(): number {
    const hp = this.prio;
    const hi = this.idx;
    const hv = this.val;
    const top = hp[0] as number;
    this.popIdx = hi[0] as number;
    this.popVal = hv[0] as number;
    const hn = --this.size;
    if (hn > 0) {
      hp[0] = hp[hn] as number;
      hi[0] = hi[hn] as number;
      hv[0] = hv[hn] as number;
      this.siftDown(0);
    }
    return top;
  }

  /** Give every entry the key `key(state, value)` and restore the heap order. */
  rekey(key: (j: number, val: number) => number): void {
    const hp = this.prio;
    const hi = this.idx;
    const hv = this.val;
    const hn = this.size;
    for (let i = 0; i < hn; i++) hp[i] = key(hi[i] as number, hv[i] as number);
    for (let i = (hn >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }
}

/** Below this, a priority carries its bound's ceiling and a tie-break in its fraction. */
const PRIO_INT = 2 ** 40;

/**
 * The best-first heap key of a state whose spend bound is `raw`. A spend is a whole number of
 * the payer's base units, so it is at least ceil(raw): that ceiling is the key's integer part,
 * and the stop rule compares it with the best candidate's spend as integers. For small amounts
 * (a payer whose unit is coarse pays a few units whatever the route) this ends the search as
 * soon as a path at the bound's ceiling is met, where the bound alone would leave every state
 * below that spend to expand. The fraction orders states sharing a ceiling: with `deep`, the
 * caller's `tie` in [0, 1), so that a path at that spend is met soonest (any of them may hold
 * the cheapest path): the hop distance from the payer over H + 2 in the first pass (nearest
 * first, measured: about a quarter fewer states than deepest first), (H - layer) / (H + 2) in
 * the simple pass (deepest first: nearest first lets its chain rule strand it far more often);
 * otherwise the bound's own fraction, the plain A* order. Beyond 2^40 the fraction would not
 * survive rounding, and the key is the bound itself.
 */
export function priority(raw: number, tie: number, deep: boolean): number {
  if (raw >= PRIO_INT) return raw;
  return Math.ceil(raw) + (deep ? tie : (raw - Math.floor(raw)) * 0.999);
}

/**
 * The least key (see {@link priority}) at which states stop mattering, given a path that spends
 * `v`: keys whose integer part is `v` may still bring a path that spends as much, which matters
 * only when the known one is not exact (`exact` false) or when `v` is a cap that paths up to and
 * including it must be labelled for. Beyond exact doubles a relative slack stands in for ones.
 */
export function stopAt(v: number, exact: boolean): number {
  if (v >= FAST_LIMIT) return v * (1 + 1e-12);
  return exact ? v : v + 1;
}
