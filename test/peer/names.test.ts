import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPeer } from '../../src/peer.ts';
import type { Peer } from '../../src/peer.ts';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { buildFollowsEvent } from '../../src/events/follows.ts';
import { buildMetadataEvent } from '../../src/events/metadata.ts';
import { shortNpub } from '../../src/events/names.ts';
import { signEvent } from '../../src/events/sign.ts';
import { deriveIdentity } from '../../src/keys/identity.ts';
import { generateMnemonic } from '../../src/keys/mnemonic.ts';
import { OfferWeb } from '../../src/peer/web.ts';
import { systemClock } from '../../src/core/clock.ts';
import { MemoryNetwork, MemoryTransport } from '../../src/relays/memory.ts';
import { openStore } from '../../src/store/db.ts';

const me = deriveIdentity(generateMnemonic());
const bob = deriveIdentity(generateMnemonic());
const carol = deriveIdentity(generateMnemonic());

async function offerWeb(): Promise<{ web: OfferWeb; close: () => Promise<void> }> {
  const store = await openStore(join(tmpDir(), 'peer.sqlite'));
  const transport = new MemoryTransport({ network: new MemoryNetwork() });
  const web = new OfferWeb({
    transport,
    store,
    self: me.pubkey,
    clock: systemClock,
    maxDegree: 6,
    trustDepth: 2,
    relays: [],
    onChange: () => {},
    log: () => {},
  });
  return { web, close: () => store.close() };
}

describe('OfferWeb.nameOf', () => {
  it('takes petnames from our own follow list only, newest list wins, kept in the store', async () => {
    const { web, close } = await offerWeb();
    // Someone else's petname for bob is theirs, not ours.
    web.ingest(signEvent(buildFollowsEvent([{ pubkey: bob.pubkey, petname: 'evil' }], 10), carol.secretKey));
    expect(web.nameOf(bob.pubkey)).toBe(shortNpub(bob.pubkey));
    web.ingest(signEvent(buildFollowsEvent([{ pubkey: bob.pubkey, petname: 'bobby' }], 20), me.secretKey));
    web.ingest(signEvent(buildFollowsEvent([{ pubkey: bob.pubkey, petname: 'older' }], 15), me.secretKey));
    expect(web.nameOf(bob.pubkey)).toBe('bobby');
    expect(web.store.petnameOf(me.pubkey, bob.pubkey)).toBe('bobby');
    await close();
  });

  it('keeps the newest profile per key, display_name before name, and ignores a malformed one', async () => {
    const { web, close } = await offerWeb();
    web.ingest(signEvent(buildMetadataEvent({ name: 'carol', display_name: 'Carol C.' }, 20), carol.secretKey));
    web.ingest(signEvent(buildMetadataEvent({ name: 'Old Carol' }, 10), carol.secretKey));
    expect(web.nameOf(carol.pubkey)).toBe(`Carol C. (${shortNpub(carol.pubkey)})`);
    web.ingest(signEvent({ kind: 0, created_at: 30, tags: [], content: 'not json' }, carol.secretKey));
    expect(web.nameOf(carol.pubkey)).toBe(`Carol C. (${shortNpub(carol.pubkey)})`);
    await close();
  });
});

describe('Peer.nameOf over a real relay', () => {
  it('names the web by petname, claimed profile name or short npub after a sync, and for DMs without one', async () => {
    const dir = tmpDir();
    const relay = await startEmbeddedRelay({ dbPath: join(dir, 'relay.sqlite') });
    const make = (name: string): Promise<Peer> =>
      createPeer({ home: join(dir, name), identity: deriveIdentity(generateMnemonic()), relays: [relay.url] });
    const [alice, bob, carol, dave] = await Promise.all([make('alice'), make('bob'), make('carol'), make('dave')]);
    try {
      const now = Math.floor(Date.now() / 1000);
      await alice.publish(
        buildFollowsEvent([{ pubkey: bob.pubkey, petname: 'landlord' }, { pubkey: carol.pubkey }], now),
      );
      await bob.publish(buildMetadataEvent({ name: 'Bob the claimer' }, now));
      await carol.publish(buildMetadataEvent({ name: 'carol', display_name: 'Carol C.' }, now));
      await dave.publish(buildMetadataEvent({ name: 'Dave' }, now));
      for (const p of [alice, bob, carol, dave]) await p.flush();

      await alice.sync();
      expect(alice.nameOf(bob.pubkey)).toBe('landlord');
      expect(alice.nameOf(carol.pubkey)).toBe(`Carol C. (${shortNpub(carol.pubkey)})`);
      // Outside the web (nobody follows dave): nothing fetched, a short npub.
      expect(alice.nameOf(dave.pubkey)).toBe(shortNpub(dave.pubkey));
      expect(alice.nameOf(alice.pubkey)).toBe('you');

      // A command that shows a stranger (dm read) fetches just their names.
      expect(await alice.loadNames([dave.pubkey])).toEqual([]);
      expect(alice.nameOf(dave.pubkey)).toBe(`Dave (${shortNpub(dave.pubkey)})`);
    } finally {
      for (const p of [alice, bob, carol, dave]) await p.stop();
      await relay.close();
    }
  });
});
