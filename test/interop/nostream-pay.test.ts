/**
 * Route and pay across one hop on nostream, a production relay nobody here wrote: Alice (USD)
 * pays Dave (EUR) through Bob's USD -> EUR offer. Everything the payment needs travels through
 * nostream: follow lists, catalogs, the offer, the sync that finds the route, and every payment
 * message as a gift wrap. Run on the default settings and on `nip42.authRequired`, where every
 * wrap must AUTH as its one-time key and every peer as itself.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveIdentity } from '../../src/keys/identity.ts';
import { generateMnemonic } from '../../src/keys/mnemonic.ts';
import type { SimulatedNotary } from '../../src/otapi/notary.ts';
import type { simulatedNotaryLookup } from '../../src/payments/adapters/otapi.ts';
import { createPeer } from '../../src/peer.ts';
import type { Peer } from '../../src/peer.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { openUsdEurNotary, usdEurOffer } from '../helpers/usd-eur-notary.ts';
import type { UsdEurNotary } from '../helpers/usd-eur-notary.ts';
import { NOSTREAM_AUTH_SKIP, NOSTREAM_AUTH_URL, NOSTREAM_SKIP, NOSTREAM_URL } from './_nostream.ts';

const SETTINGS = [
  { label: 'default settings', url: NOSTREAM_URL, skip: NOSTREAM_SKIP },
  { label: 'nip42.authRequired', url: NOSTREAM_AUTH_URL, skip: NOSTREAM_AUTH_SKIP },
];

for (const { label, url, skip } of SETTINGS) {
  describe.skipIf(skip !== undefined)(`nostream (${label}): route and pay across one hop`, () => {
    const dir = tmpDir();
    let notary: SimulatedNotary;
    let lookup: ReturnType<typeof simulatedNotaryLookup>;
    const peers: Peer[] = [];
    let alice: Peer;
    let bob: Peer;
    let dave: Peer;
    let usd = '';
    let eur = '';
    let fund: UsdEurNotary['fund'];

    beforeAll(async () => {
      ({ notary, usd, eur, lookup, fund } = openUsdEurNotary(dir));
      fund('alice', usd, 100_000n);
      fund('bob', usd, 0n);
      fund('bob', eur, 50_000n);
      fund('dave', eur, 0n);
      const make = (name: string): Promise<Peer> =>
        createPeer({
          home: join(dir, name),
          identity: deriveIdentity(generateMnemonic()),
          relays: [url as string],
          otApi: notary.clientFor(name),
          receiptLookup: lookup,
        });
      alice = await make('alice');
      bob = await make('bob');
      dave = await make('dave');
      peers.push(alice, bob, dave);
      for (const p of peers) {
        await p.start();
        await p.announceRelays();
        await p.catalog.publish();
      }
      // A line of friends: Alice follows Bob, Bob follows Dave (and back), so the route runs along follows.
      await alice.follow(bob.pubkey);
      await bob.follow([alice.pubkey, dave.pubkey]);
      await dave.follow(bob.pubkey);
      await bob.offers.publish(usdEurOffer(usd, eur, notary.id));
      for (const p of peers) await p.flush();
    }, 120_000);

    afterAll(async () => {
      for (const p of peers) await p.stop();
      lookup?.close();
      notary?.close();
    });

    it('finds the route through Bob from what nostream holds, then Dave is paid and Bob earns his cut', async () => {
      const route = await alice.routes.find({ to: dave.pubkey, amount: 1_000n, unit: 'EUR', maxParts: 1 });
      expect(route.parts).toHaveLength(1);
      expect(route.parts[0]?.hops.map((h) => [h.from, h.to])).toEqual([
        [alice.pubkey, bob.pubkey],
        [bob.pubkey, dave.pubkey],
      ]);
      // 1,000 EUR out of Bob's offer needs ceil((1000 + 5) / (1 - 0.001)) = 1,007 USD in.
      expect(route.spend).toBe(1_007n);

      const { results } = await alice.payments.pay({ to: dave.pubkey, amount: 1_000n, unit: 'EUR', maxParts: 1 });
      expect(results.map((r) => r.state)).toEqual(['succeeded']);
      const balance = async (owner: string, unit: string): Promise<bigint | undefined> =>
        (await notary.clientFor(owner).listAccounts()).find((a) => a.unitId === unit)?.balance;
      expect(await balance('dave', eur)).toBe(1_000n);
      expect(await balance('bob', usd)).toBe(1_007n);
      expect(await balance('bob', eur)).toBe(49_000n);
      expect(await balance('alice', usd)).toBe(100_000n - 1_007n);
    }, 120_000);
  });
}
