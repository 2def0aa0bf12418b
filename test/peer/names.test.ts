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
import { NameBook } from '../../src/peer/names.ts';

const me = deriveIdentity(generateMnemonic());
const bob = deriveIdentity(generateMnemonic());
const carol = deriveIdentity(generateMnemonic());

describe('NameBook', () => {
  it('takes petnames from our own follow list only, newest list wins', () => {
    const book = new NameBook(me.pubkey);
    // Someone else's petname for bob is theirs, not ours.
    expect(
      book.absorb(signEvent(buildFollowsEvent([{ pubkey: bob.pubkey, petname: 'evil' }], 10), carol.secretKey)),
    ).toBe(true);
    expect(book.nameOf(bob.pubkey)).toBe(shortNpub(bob.pubkey));
    book.absorb(signEvent(buildFollowsEvent([{ pubkey: bob.pubkey, petname: 'bobby' }], 20), me.secretKey));
    book.absorb(signEvent(buildFollowsEvent([{ pubkey: bob.pubkey, petname: 'older' }], 15), me.secretKey));
    expect(book.nameOf(bob.pubkey)).toBe('bobby');
    expect(book.petnameOf(bob.pubkey)).toBe('bobby');
  });

  it('keeps the newest profile per key and reports a malformed one', () => {
    const book = new NameBook(me.pubkey);
    book.absorb(signEvent(buildMetadataEvent({ name: 'Carol' }, 20), carol.secretKey));
    book.absorb(signEvent(buildMetadataEvent({ name: 'Old Carol' }, 10), carol.secretKey));
    expect(book.nameOf(carol.pubkey)).toBe(`Carol (${shortNpub(carol.pubkey)})`);
    const bad = signEvent({ kind: 0, created_at: 30, tags: [], content: 'not json' }, carol.secretKey);
    expect(book.absorb(bad)).toBe(false);
    expect(book.nameOf(carol.pubkey)).toBe(`Carol (${shortNpub(carol.pubkey)})`);
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
