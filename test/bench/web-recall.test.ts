import { describe, expect, it } from 'vitest';
import { advance, generateNetwork } from '../../bench/web/network.ts';
import type { Network } from '../../bench/web/network.ts';
import {
  costsFromJson,
  costsToJson,
  fullCosts,
  fullGraph,
  payeesOf,
  queriesFor,
  routeCosts,
} from '../../bench/web/recall.ts';

const NOW = 1_796_299_200;

describe('bench/web full-knowledge costs', () => {
  it('updates one graph across the simulated hour to the costs a graph built afresh gives', () => {
    const opts = { keys: 3000, seed: 5, now: NOW };
    // a busier hour than the scenarios' (half the offers, 300 follow lists), so routes change
    const hour = (n: Network): void => advance(n, 3600, 300, 0.5);
    const c = fullCosts(generateNetwork(opts), hour);
    const before = generateNetwork(opts);
    expect(c.base).toEqual(routeCosts(fullGraph(before), queriesFor(before, payeesOf(before))));
    const after = generateNetwork(opts);
    hour(after);
    const fresh = routeCosts(fullGraph(after), queriesFor(after, payeesOf(after)));
    expect(c.advanced).toEqual(fresh);
    expect(fresh.filter(Boolean).length).toBeGreaterThan(10);
    // the hour changes some routes (else the check above would not tell the update happened)
    expect(c.advanced).not.toEqual(c.base);
    expect(costsFromJson(costsToJson(c))).toEqual(c);
  });
});
