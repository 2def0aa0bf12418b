/**
 * The demo is the README's main command: it runs here end to end (embedded relay over real
 * sockets, two simulated notaries, six peers) and its JSON story is checked step by step.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';

interface Step {
  step: string;
  [k: string]: unknown;
}

describe('otp2p demo --json', () => {
  it('finds a 3-hop path, pays it with a verified receipt, and alarms only the tagged peer', async () => {
    const r = await runCli(['demo', '--json']);
    expect(r.stderr).not.toMatch(/nsec1|ncryptsec1/);
    expect(r.code).toBe(0);
    const steps = r.json as Step[];
    for (const s of steps) expect(typeof s.step).toBe('string');
    const byStep = (name: string): Step[] => steps.filter((s) => s.step === name);

    const [negotiate] = byStep('negotiate');
    expect(negotiate?.common).toBe(false);

    const [route] = byStep('route');
    const hops = route?.hops as Array<{ from: string; to: string; unit: string; amount: string }>;
    expect(hops.map((h) => [h.from, h.to, h.unit])).toEqual([
      ['alice', 'bob', 'USD@notary1'],
      ['bob', 'carol', 'EUR@notary1'],
      ['carol', 'dave', 'EUR@notary2'],
    ]);
    expect(route?.receive).toBe('10000');
    // Bob converts at 0.92 less 0.2% and a fee of 10: Alice must spend more than 10000/0.92.
    expect(BigInt(route?.spend as string)).toBeGreaterThan(10_870n);

    const [payment] = byStep('payment');
    expect(payment?.state).toBe('succeeded');
    expect(payment?.receipt).toMatchObject({ verified: true });
    expect(BigInt(payment?.daveAfter as string) - BigInt(payment?.daveBefore as string)).toBe(10_000n);

    const verdicts = byStep('mint-verdict');
    expect(verdicts).toHaveLength(6);
    for (const v of verdicts) {
      expect(v.peer).toMatch(/^npub1/);
      expect(v.verdict).toBe(v.name === 'frank' ? 'equivocation' : 'consistent');
    }
    expect(byStep('done')[0]?.ok).toBe(true);
  });
});
