/** `otp2p payments`: reads the payments of the data folder's database. */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { buildWorld } from './world.ts';

describe('otp2p payments', () => {
  it('lists each payment with its state, as a table and as JSON, and never a payee preimage', async () => {
    const dir = tmpDir();
    const world = await buildWorld(dir, { carol: { policy: null } });
    // a direct payment to Bob (he holds USD, so he is the payee), then one Carol refuses
    const direct = await world.parties.alice.coordinator.pay({ route: [{ ...world.route()[0]!, amount: 50n }] });
    expect(direct.state).toBe('succeeded');
    const failed = await world.parties.alice.coordinator.pay({ route: world.route() });
    expect(failed.state).toBe('failed');
    await world.close();
    const homes = { alice: join(dir, 'home-alice'), bob: join(dir, 'home-bob') };
    for (const [name, home] of Object.entries(homes)) {
      mkdirSync(home, { recursive: true });
      copyFileSync(join(dir, `${name}.sqlite`), join(home, 'otp2p.sqlite'));
    }
    const json = await runCli(['payments', '--json', '--home', homes.alice]);
    expect(json.code).toBe(0);
    const payments = (json.json[0] as { payments: { state: string; role: string; error: { code: string } | null }[] })
      .payments;
    expect(payments).toHaveLength(2);
    expect(payments.every((p) => p.role === 'payer')).toBe(true);
    const byState = Object.fromEntries(payments.map((p) => [p.state, p]));
    expect(byState.failed?.error?.code).toBe('hop-refused');
    expect((byState.succeeded as unknown as { preimage: string }).preimage).toMatch(/^[0-9a-f]{64}$/);
    const table = await runCli(['payments', '--home', homes.alice]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('payer');
    const bob = await runCli(['payments', '--json', '--role', 'payee', '--home', homes.bob]);
    const bobRows = (bob.json[0] as { payments: { preimage: string | null }[] }).payments;
    expect(bobRows.length).toBeGreaterThan(0);
    expect(bobRows.every((p) => p.preimage === null)).toBe(true);
    expect(bob.stdout).not.toMatch(/"preimage":"[0-9a-f]{64}"/);
  });

  it('refuses bad options with usage errors', async () => {
    const home = tmpDir();
    const bad = await runCli(['payments', '--role', 'banker', '--home', home, '--json']);
    expect(bad.code).toBe(2);
    expect(bad.json[0]).toMatchObject({ error: { code: 'usage' } });
    const limit = await runCli(['payments', '--limit', '0', '--home', home]);
    expect(limit.code).toBe(2);
    const empty = await runCli(['payments', '--home', home]);
    expect(empty.code).toBe(0);
    expect(empty.stdout).toContain('no payments');
    const mis = await runCli(['payments', '--misbehaving', '--json', '--home', home]);
    expect(mis.json[0]).toEqual({ misbehaving: [] });
  });
});
