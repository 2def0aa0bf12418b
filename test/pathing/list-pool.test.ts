import { describe, expect, it } from 'vitest';
import { ListPool } from '../../src/pathing/list-pool.ts';

/** Write list `vals` for key k (and its wide doubles, 10x each value) and return where it went. */
function put(p: ListPool, k: number, keys: number, vals: number[], wide = 0): number {
  const at = p.alloc(k, keys, vals.length);
  vals.forEach((v, i) => {
    p.data[at + i] = v;
    for (let w = 0; w < wide; w++) p.wideData[(at + i) * wide + w] = v * 10 + w;
  });
  return at;
}

const read = (p: ListPool, k: number): number[] => Array.from(p.data.subarray(p.at(k), p.at(k) + p.len(k)));

describe('ListPool (the router keeps its per-slot lists in one buffer)', () => {
  it('keeps every live list, and its wide terms, through growth; a held buffer is never rewritten', () => {
    const p = new ListPool(2);
    expect(p.at(0)).toBe(-1);
    expect(p.len(0)).toBe(0);
    put(p, 0, 4, [1, 2, 3], 2);
    put(p, 1, 4, [], 2);
    expect(p.at(1)).toBeGreaterThanOrEqual(0);
    expect(read(p, 1)).toEqual([]);
    const held = p.data;
    const heldCopy = Array.from(held);
    // keys beyond the first count, and lists larger than the buffer, grow it
    put(
      p,
      9,
      10,
      Array.from({ length: 200 }, (_, i) => i),
      2,
    );
    expect(p.data).not.toBe(held);
    expect(Array.from(held)).toEqual(heldCopy);
    expect(read(p, 0)).toEqual([1, 2, 3]);
    expect(read(p, 9)[199]).toBe(199);
    const at0 = p.at(0);
    expect(Array.from(p.wideData.subarray(at0 * 2, at0 * 2 + 6))).toEqual([10, 11, 20, 21, 30, 31]);
  });

  it('a dropped list is gone; when dropped lists fill a third of the buffer it starts over and drops every list', () => {
    const p = new ListPool();
    put(
      p,
      0,
      3,
      Array.from({ length: 40 }, () => 7),
    );
    put(p, 1, 3, [5, 6]);
    p.drop(0);
    expect(p.at(0)).toBe(-1);
    expect(p.len(0)).toBe(0);
    expect(read(p, 1)).toEqual([5, 6]);
    // rebuilding key 1 drops its old list too; then a list that does not fit starts over
    put(p, 1, 3, [8, 9]);
    expect(read(p, 1)).toEqual([8, 9]);
    const held = p.data;
    const heldCopy = Array.from(held);
    put(
      p,
      2,
      3,
      Array.from({ length: 30 }, () => 4),
    );
    expect(p.data).not.toBe(held);
    expect(Array.from(held)).toEqual(heldCopy);
    expect(p.at(1)).toBe(-1);
    expect(read(p, 2)).toEqual(Array.from({ length: 30 }, () => 4));
    // its readers build their lists again
    put(p, 1, 3, [8, 9]);
    expect(read(p, 1)).toEqual([8, 9]);
    expect(read(p, 2)[29]).toBe(4);
  });
});
