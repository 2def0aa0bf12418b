/**
 * `otp2p payments` prints amounts in their unit's scale (issue 20, item 8): the units come from
 * the stored records (a payer's legs, a hop's accepted prepare, the payee's invoice), the scales
 * from the OT wallet's contracts; `--json` keeps base units and names the units; a unit of
 * unknown scale, or a record naming none, prints base units and says so.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { buildCatalogEvent } from '../../src/events/catalog.ts';
import { getPublicKey, signEvent } from '../../src/events/sign.ts';
import { PaymentRepository } from '../../src/payments/store.ts';
import type { NewPayment } from '../../src/payments/store.ts';
import { openStore } from '../../src/store/db.ts';
import { WebStore } from '../../src/web/store.ts';
import { runCli } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';

const ALICE = 'a1'.repeat(32);
const BOB = 'b0'.repeat(32);
const DAVE = 'd0'.repeat(32);

const row = (id: string, p: Partial<NewPayment> & Pick<NewPayment, 'role' | 'data'>): NewPayment => ({
  id,
  payment_hash: null,
  preimage: null,
  payer: ALICE,
  prev_peer: null,
  next_peer: null,
  amount_in: null,
  amount_out: null,
  expires_at: null,
  deadline_at: null,
  ...p,
});

describe('otp2p payments', () => {
  it('prints each amount in its unit scale with its label; --json keeps base units and names the units', async () => {
    const home = tmpDir();
    const n1 = join(tmpDir(), 'n1');
    const init = await runCli(['notary', 'init', n1, '--unit', 'USD', '--unit', 'EUR', '--json']);
    expect(init.code, init.stderr).toBe(0);
    const notary = (init.json[0] as { id: string }).id;
    const units = (init.json[0] as { units: Array<{ id: string; tla: string }> }).units;
    const usd = units.find((u) => u.tla === 'USD')!.id;
    const eur = units.find((u) => u.tla === 'EUR')!.id;
    expect((await runCli(['config', 'set', 'simulatedNotaries', JSON.stringify([n1]), '--home', home])).code).toBe(0);
    expect((await runCli(['config', 'set', 'otUser', 'alice', '--home', home])).code).toBe(0);

    const leg = (from: string, to: string, unit: string, amount: string) => ({ from, to, notary, unit, amount });
    const store = await openStore(join(home, 'otp2p.sqlite'));
    let t = 1_000;
    const repo = new PaymentRepository(store, () => t++);
    repo.transaction(() => {
      repo.insert(
        row('11'.repeat(16), {
          role: 'payer',
          amount_in: '10920',
          amount_out: '10000',
          data: {
            legs: [leg(ALICE, BOB, usd, '10920'), leg(BOB, DAVE, eur, '10000')],
            parties: [ALICE, BOB, DAVE],
            amount: '10000',
            maxFee: '100',
            cursor: 0,
            quotes: {},
            acks: [],
            expiries: [],
            notices: {},
            sent: '10920',
            delivered: '10000',
            refunded: '25',
          },
        }),
      );
      repo.insert(
        row('22'.repeat(16), {
          role: 'hop',
          prev_peer: ALICE,
          next_peer: DAVE,
          amount_in: '10920',
          amount_out: '10000',
          // the prepare as a hop stores it: the whole wire message, its legs in the body
          data: {
            prepare: {
              v: 1,
              type: 'prepare',
              nonce: 'n',
              body: { in: { notary, unit: usd, amount: '10920' }, out: { notary, unit: eur, amount: '10000' } },
            },
          },
        }),
      );
      repo.insert(
        row('33'.repeat(16), {
          role: 'payee',
          amount_in: '10000',
          data: { amount: '10000', notary, unit: eur, nym: 'x' },
        }),
      );
      // a unit no contract or catalog here gives the scale of
      repo.insert(
        row('44'.repeat(16), {
          role: 'payee',
          amount_in: '500',
          data: { amount: '500', notary, unit: 'zzz', nym: 'x' },
        }),
      );
      // a record that names no unit at all
      repo.insert(row('55'.repeat(16), { role: 'hop', amount_in: '77', amount_out: '70', data: {} }));
    });
    await store.close();

    const text = await runCli(['payments', '--home', home]);
    expect(text.code, text.stderr).toBe(0);
    const line = (id: string) => text.stdout.split('\n').find((l) => l.startsWith(id.slice(0, 16)))!;
    expect(line('11'.repeat(16))).toMatch(/payer.* 109\.20 USD +100\.00 EUR +109\.20 USD +100\.00 EUR +0\.25 USD /);
    expect(line('22'.repeat(16))).toMatch(/hop.* 109\.20 USD +100\.00 EUR /);
    expect(line('33'.repeat(16))).toMatch(/payee.* 100\.00 EUR /);
    expect(line('44'.repeat(16))).toContain(`500 base units of zzz@${notary}`);
    expect(line('55'.repeat(16))).toMatch(/hop.* 77 base units +70 base units /);
    expect(text.stdout).not.toContain('(base units)');

    const base = await runCli(['payments', '--home', home, '--base-units', '--role', 'payer']);
    expect(base.code, base.stderr).toBe(0);
    expect(base.stdout).toContain('10920 base units of USD');
    expect(base.stdout).not.toContain('109.20');

    const json = await runCli(['payments', '--home', home, '--json']);
    const byId = new Map(
      (json.json[0] as { payments: Array<Record<string, unknown>> }).payments.map((p) => [p.id as string, p]),
    );
    expect(byId.get('11'.repeat(16))).toMatchObject({
      amountIn: '10920',
      amountOut: '10000',
      sent: '10920',
      delivered: '10000',
      refunded: '25',
      unitIn: `${usd}@${notary}`,
      unitOut: `${eur}@${notary}`,
    });
    expect(byId.get('22'.repeat(16))).toMatchObject({ unitIn: `${usd}@${notary}`, unitOut: `${eur}@${notary}` });
    expect(byId.get('33'.repeat(16))).toMatchObject({ amountIn: '10000', unitIn: `${eur}@${notary}` });
    expect(byId.get('33'.repeat(16))).not.toHaveProperty('unitOut');
    expect(byId.get('55'.repeat(16))).not.toHaveProperty('unitIn');
  });

  it('without a wallet a catalog held gives the scale; a unit no catalog describes stays base units', async () => {
    const home = tmpDir();
    expect((await runCli(['payments', '--home', home, '--json'])).code).toBe(0);
    const store = await openStore(join(home, 'otp2p.sqlite'));
    const repo = new PaymentRepository(store, () => 1);
    repo.transaction(() =>
      repo.insert(
        row('77'.repeat(16), {
          role: 'payee',
          amount_in: '10920',
          data: { amount: '10920', notary: 'n1', unit: 'eurid', nym: 'x' },
        }),
      ),
    );
    // Someone's catalog, held by the web: it says eurid on n1 has two decimals.
    const sk = new Uint8Array(randomBytes(32));
    const catalog = {
      notaries: [{ id: 'n1' }],
      units: [{ id: 'eurid', notary: 'n1', tla: 'EUR', factor: 100n }],
      preference: [],
    };
    expect(
      new WebStore(store).ingest([signEvent(buildCatalogEvent(catalog, 1_700_000_000), sk, getPublicKey(sk))]),
    ).toMatchObject({ applied: 1 });
    repo.transaction(() =>
      repo.insert(
        row('66'.repeat(16), {
          role: 'payee',
          amount_in: '10920',
          data: { amount: '10920', notary: 'n1', unit: 'usdid', nym: 'x' },
        }),
      ),
    );
    await store.close();
    const text = await runCli(['payments', '--home', home]);
    expect(text.code, text.stderr).toBe(0);
    const line = (id: string) => text.stdout.split('\n').find((l) => l.startsWith(id.slice(0, 16)))!;
    expect(line('66'.repeat(16))).toContain('10920 base units of usdid@n1');
    expect(line('77'.repeat(16))).toMatch(/payee.* 109\.20 EUR /);
  });
});
