/**
 * The Peer facade over real parts: an embedded relay on 127.0.0.1, a simulated notary's SQLite
 * ledger, two peers with their own data folders. Checks what a wallet is told through events.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPeer } from '../src/peer.ts';
import type { Peer } from '../src/peer.ts';
import { deriveIdentity } from '../src/keys/identity.ts';
import { generateMnemonic } from '../src/keys/mnemonic.ts';
import { SimulatedNotary } from '../src/otapi/notary.ts';
import { simulatedNotaryLookup } from '../src/payments/adapters/otapi.ts';
import { startEmbeddedRelay } from '../src/relays/embedded.ts';
import type { EmbeddedRelay } from '../src/relays/embedded.ts';
import type { PaymentRecord } from '../src/payments/store.ts';
import { tmpDir } from './helpers/tmp.ts';

let relay: EmbeddedRelay;
let notary: SimulatedNotary;
let lookup: ReturnType<typeof simulatedNotaryLookup>;
let payer: Peer;
let payee: Peer;

beforeAll(async () => {
  const dir = tmpDir();
  relay = await startEmbeddedRelay({ dbPath: join(dir, 'relay.sqlite') });
  notary = SimulatedNotary.open({ ledgerPath: join(dir, 'ledger.sqlite') });
  lookup = simulatedNotaryLookup({ [notary.id]: join(dir, 'ledger.sqlite') });
  const usd = notary.units[0]?.id as string;
  const issuer = notary.openAccount('issuer', usd, 0n, true);
  const acct = notary.openAccount('payer', usd);
  notary.openAccount('payee', usd);
  notary.transfer({ idempotencyKey: 'fund-payer', notaryId: notary.id, fromAccountId: issuer, toAccountId: acct, amount: 10_000n });
  const make = (name: string): Promise<Peer> =>
    createPeer({ home: join(dir, name), identity: deriveIdentity(generateMnemonic()), relays: [relay.url], otApi: notary.clientFor(name), receiptLookup: lookup });
  payer = await make('payer');
  payee = await make('payee');
  for (const p of [payer, payee]) {
    await p.start();
    await p.announceRelays();
    await p.catalog.publish();
  }
  await payer.follow([payee.pubkey]);
  for (const p of [payer, payee]) await p.flush();
});

afterAll(async () => {
  await payer?.stop();
  await payee?.stop();
  lookup?.close();
  notary?.close();
  await relay?.close();
});

describe('Peer', () => {
  it('tells both the payer and the payee about payment state changes', async () => {
    const seen = { payer: [] as PaymentRecord[], payee: [] as PaymentRecord[] };
    payer.on('payment', (p) => seen.payer.push(p));
    payee.on('payment', (p) => seen.payee.push(p));
    const { results } = await payer.payments.pay({ to: payee.pubkey, amount: 1_234n, unit: 'USD', maxParts: 1 });
    expect(results.map((r) => r.state)).toEqual(['succeeded']);
    expect(seen.payer.at(-1)).toMatchObject({ role: 'payer', state: 'succeeded' });
    // The payee learns from inbound messages; its poll runs every second.
    await expect.poll(() => seen.payee.at(-1)?.state, { timeout: 10_000 }).toBe('fulfilled');
    expect(seen.payee.every((p) => p.role === 'payee')).toBe(true);
  });

  it('reports its status: relays, outbox and payments', async () => {
    const s = await payer.status();
    expect(s.npub).toBe(payer.npub);
    expect(s.relays).toEqual([expect.objectContaining({ url: relay.url, connected: true })]);
    expect(s.outbox.pending).toBe(0);
    expect(s.payments.total).toBeGreaterThanOrEqual(1);
  });
});
