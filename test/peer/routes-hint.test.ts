/** The plain hint `route` gives when the web, not the amount, is why no route exists. */
import { describe, expect, it } from 'vitest';
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

function web(): OfferWeb {
  const transport = new MemoryTransport({ network: new MemoryNetwork() });
  return new OfferWeb({
    transport,
    self: me.pubkey,
    clock: systemClock,
    maxDegree: 6,
    onChange: () => {},
    log: () => {},
  });
}

describe('emptyWebHint', () => {
  it('tells a user who follows nobody to follow a friend', () => {
    const w = web();
    expect(emptyWebHint({ web: w, pubkey: me.pubkey })).toMatch(/^you follow nobody yet.*otp2p follow add <npub>/);
  });

  it('says that nobody in the radius offers a conversion once the user follows someone', () => {
    const w = web();
    w.ingest(signEvent(buildFollowsEvent([{ pubkey: friend.pubkey }], 10), me.secretKey));
    expect(emptyWebHint({ web: w, pubkey: me.pubkey })).toMatch(
      /^nobody within your social radius .* publishes an open offer yet$/,
    );
  });
});
