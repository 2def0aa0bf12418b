/**
 * The split-view simulation of the issue on the embedded relay (real sockets on 127.0.0.1, real
 * SQLite) through RelayPool: 32 wallets following each other, one SimulatedNotary, every scenario.
 */
import { describe, expect, it } from 'vitest';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import { RelayPool } from '../../src/relays/pool.ts';
import { MemoryTransport } from '../../src/relays/memory.ts';
import { runMintSimulation } from '../../src/mint/sim.ts';
import type { MintSimResult, ScenarioName } from '../../src/mint/sim.ts';

const results = new Map<string, MintSimResult>();

async function onRelay(scenario: ScenarioName, extra: { withSybils?: boolean } = {}): Promise<MintSimResult> {
  const key = `${scenario}${extra.withSybils ? '+sybils' : ''}`;
  const cached = results.get(key);
  if (cached) return cached;
  // A fresh relay database per scenario: scenarios share keys (same seed), so they must not share events.
  const r = await startEmbeddedRelay({ host: '127.0.0.1' });
  const pool = new RelayPool({ relays: [r.url], fetchLimits: false });
  try {
    const res = await runMintSimulation({ scenario, transport: pool, wallets: 32, ...extra });
    results.set(key, res);
    return res;
  } finally {
    await pool.close();
    await r.close();
  }
}

describe('split-view simulation on the embedded relay (32 wallets)', () => {
  it('honest notary: every wallet ends consistent, no alarm', async () => {
    const r = await onRelay('honest');
    expect(r.wallets).toBe(32);
    expect(r.tagged).toBe(0);
    expect(r.falseAlarms).toBe(0);
    expect(r.finalVerdicts.flat().every((v) => v === 'consistent')).toBe(true);
  });

  for (const scenario of ['targeted', 'buckets-2', 'buckets-5', 'unique-mint', 'unique-series'] as const) {
    it(`${scenario}: every tagged wallet gets equivocation or rare, no honest wallet a false alarm`, async () => {
      const r = await onRelay(scenario);
      expect(r.tagged).toBeGreaterThan(0);
      expect(r.detected).toBe(r.tagged);
      expect(r.falseAlarms).toBe(0);
    });
  }

  it('targeted: the tagged wallet sees equivocation and the others learn of the split through evidence', async () => {
    const r = await onRelay('targeted');
    expect(r.finalVerdicts[7]).toEqual(['equivocation']);
    expect(r.evidenceEvents).toBeGreaterThan(0);
  });

  it('unique series per user: no equivocation is possible, every wallet ends rare after the grace period', async () => {
    const r = await onRelay('unique-series');
    expect(r.finalVerdicts.flat().every((v) => v === 'rare')).toBe(true);
    expect(Math.min(...r.detectSeconds)).toBeGreaterThanOrEqual(48 * 3600);
  });

  it('honest series rotation raises no alarm: both series end consistent', async () => {
    const r = await onRelay('rotation');
    expect(r.falseAlarms).toBe(0);
    expect(r.finalVerdicts.every((v) => v.length === 2 && v.every((x) => x === 'consistent'))).toBe(true);
  });

  it('Sybils outside the web of trust change no verdict', async () => {
    const plain = await onRelay('targeted');
    const sybil = await onRelay('sybil');
    expect(sybil.finalVerdicts).toEqual(plain.finalVerdicts);
    expect(sybil.detected).toBe(plain.detected);
    expect(sybil.falseAlarms).toBe(0);
    const honestWithSybils = await onRelay('honest', { withSybils: true });
    expect(honestWithSybils.finalVerdicts).toEqual((await onRelay('honest')).finalVerdicts);
    expect(honestWithSybils.falseAlarms).toBe(0);
  });

  it('MemoryTransport gives the same verdicts as the embedded relay', async () => {
    const mem = new MemoryTransport();
    try {
      const r = await runMintSimulation({ scenario: 'buckets-2', transport: mem, wallets: 32 });
      expect(r.finalVerdicts).toEqual((await onRelay('buckets-2')).finalVerdicts);
    } finally {
      await mem.close();
    }
  });
});
