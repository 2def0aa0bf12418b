/**
 * `peer.offers.withdraw` puts its events in the persisted web: a peer reopened on the same data
 * folder, before any relay echoes the deletion, neither routes through nor lists the withdrawn
 * offer (the store held the open version and a restart loaded it back). Real parts: an embedded
 * relay on 127.0.0.1, a SQLite data folder.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unixSeconds } from '../../src/core/clock.ts';
import { deriveIdentity } from '../../src/keys/identity.ts';
import { generateMnemonic } from '../../src/keys/mnemonic.ts';
import { createPeer } from '../../src/peer.ts';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import type { EmbeddedRelay } from '../../src/relays/embedded.ts';
import { tmpDir } from '../helpers/tmp.ts';

let relay: EmbeddedRelay;
beforeAll(async () => {
  relay = await startEmbeddedRelay();
});
afterAll(async () => {
  await relay.close();
});

describe('peer.offers.withdraw', () => {
  it('a reopened peer does not load the withdrawn offer back from its store', async () => {
    const home = join(tmpDir(), 'p');
    const identity = deriveIdentity(generateMnemonic());
    const open = () => createPeer({ home, identity, relays: [relay.url] });
    const peer = await open();
    await peer.sync();
    await peer.offers.publish({
      id: 'usd-eur',
      in: { unit: 'usd', notary: 'n1' },
      out: { unit: 'eur', notary: 'n1' },
      rateNum: 92n,
      rateDen: 100n,
      cutPpm: 0n,
      fee: 0n,
      min: 0n,
      max: 1000n,
      liquidity: 1000n,
      expiration: unixSeconds() + 3600,
      status: 'open',
    });
    expect(peer.knownOffers().map((o) => o.id)).toEqual(['usd-eur']);
    await peer.offers.withdraw('usd-eur');
    expect(peer.knownOffers()).toEqual([]);
    await peer.stop();

    const again = await open();
    try {
      expect(again.knownOffers()).toEqual([]);
      // And from the relays, the deletion applied.
      const listed = await again.offers.published();
      expect(listed.incomplete).toEqual([]);
      expect(listed.offers).toEqual([]);
    } finally {
      await again.stop();
    }
  });
});
