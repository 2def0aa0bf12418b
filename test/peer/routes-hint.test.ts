/** The plain hint `route` gives when the web, not the amount, is why no route exists. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/db.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { systemClock } from '../../src/core/clock.ts';
import { buildFollowsEvent } from '../../src/events/follows.ts';
import { signEvent } from '../../src/events/sign.ts';
import { deriveIdentity } from '../../src/keys/identity.ts';
import { generateMnemonic } from '../../src/keys/mnemonic.ts';
import { emptyWebHint } from '../../src/peer/routes.ts';
import { OfferWeb } from '../../src/peer/web.ts';
import { MemoryNetwork, MemoryTransport } from '../../src/relays/memory.ts';

const me = deriveIdentity(generateMnemonic());
const friend = deriveIdentity(generateMnemonic());

async function web(): Promise<OfferWeb> {
  const transport = new MemoryTransport({ network: new MemoryNetwork() });
  const store = await openStore(join(tmpDir(), 'peer.sqlite'));
  return new OfferWeb({
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
}

describe('emptyWebHint', () => {
  it('tells a user who follows nobody to follow a friend', async () => {
    const w = await web();
    expect(emptyWebHint({ web: w, pubkey: me.pubkey })).toMatch(/^you follow nobody yet.*otp2p follow add <npub>/);
  });

  it('says that nobody in the radius offers a conversion once the user follows someone', async () => {
    const w = await web();
    w.ingest(signEvent(buildFollowsEvent([{ pubkey: friend.pubkey }], 10), me.secretKey));
    expect(emptyWebHint({ web: w, pubkey: me.pubkey })).toMatch(
      /^nobody within your social radius .* publishes an open offer yet$/,
    );
  });
});
