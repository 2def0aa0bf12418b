/**
 * The examples are part of the documentation, so they run here: the minimal wallet pays a shop
 * over an embedded relay and a simulated notary, and prints what a wallet would show.
 */
import { describe, expect, it } from 'vitest';
import { minimalWallet } from '../examples/minimal-wallet.ts';

describe('examples/minimal-wallet.ts', () => {
  it('goes online, receives a DM, finds a route, pays it with a receipt and shows the mint verdicts', async () => {
    const lines: string[] = [];
    const state = await minimalWallet((l) => lines.push(l));
    expect(state).toBe('succeeded');
    const text = lines.join('\n');
    expect(lines[0]).toMatch(/^wallet npub1\S+ online at ws:\/\/127\.0\.0\.1:\d+$/);
    expect(text).toContain('message from the shop: Invoice #1: 12.34 USD, please');
    expect(text).toMatch(/route: 1 hop\(s\), spend 1234 to deliver 1234 base units/);
    expect(text).toMatch(/^payment [0-9a-f]{8}: succeeded$/m);
    expect(text).toContain('paid: succeeded, receipt held');
    // One peer alone cannot confirm its mint: unknown, never an alarm.
    expect(text).toMatch(/^mint \S+…: unknown \(0 peers agree\)$/m);
    expect(text).not.toContain('ALARM');
    expect(text).toContain('balance: 3766 base units of USD');
    expect(text).not.toMatch(/nsec1|ncryptsec1/);
  });
});
