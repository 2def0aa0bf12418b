/**
 * `trustedAuthRelays` (config.json): relays the user trusts with the identity get their NIP-42
 * challenge answered at once; every other relay only when it asks for it (`auth-required:`).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, parseConfig } from '../../src/config.ts';
import { OtP2pError } from '../../src/core/errors.ts';
import { deriveIdentity } from '../../src/keys/identity.ts';
import { generateMnemonic } from '../../src/keys/mnemonic.ts';
import { createPeer } from '../../src/peer.ts';
import { peerInternals } from '../../src/peer/internals.ts';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import type { EmbeddedRelay } from '../../src/relays/embedded.ts';
import { tmpDir } from '../helpers/tmp.ts';

async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof OtP2pError) return err.code;
    throw err;
  }
  throw new Error('did not throw');
}

describe('config trustedAuthRelays', () => {
  it('is a list of relay URLs in canonical form, empty by default; anything else is refused with its code', () => {
    expect(DEFAULT_CONFIG.trustedAuthRelays).toEqual([]);
    expect(parseConfig('{"trustedAuthRelays": ["WSS://Relay.Example/"]}').trustedAuthRelays).toEqual([
      'wss://relay.example',
    ]);
    expect(codeOf(() => parseConfig('{"trustedAuthRelays": ["https://relay.example"]}'))).toBe('bad-relay-url');
    expect(codeOf(() => parseConfig('{"trustedAuthRelays": "wss://relay.example"}'))).toBe('bad-config');
  });

  describe("a peer's pool", () => {
    let relay: EmbeddedRelay;
    beforeAll(async () => {
      relay = await startEmbeddedRelay();
    });
    afterAll(async () => {
      await relay.close();
    });

    async function authAnswers(trusted: string[]): Promise<number> {
      const peer = await createPeer({
        home: join(tmpDir(), 'home'),
        identity: deriveIdentity(generateMnemonic()),
        relays: [relay.url],
        config: { ...DEFAULT_CONFIG, trustedAuthRelays: trusted },
      });
      const { transport } = peerInternals(peer);
      try {
        // A read of public events: nothing asks for AUTH but the challenge itself.
        let eosed = false;
        transport.subscribe([{ kinds: [1], limit: 1 }], { oneose: () => void (eosed = true) });
        await until(() => (transport.stats?.()[relay.url]?.authChallenges ?? 0) >= 1, 'the challenge');
        await until(() => eosed, 'EOSE');
        if (trusted.length > 0)
          await until(() => (transport.stats?.()[relay.url]?.authAnswers ?? 0) >= 1, 'the eager AUTH');
        return transport.stats?.()[relay.url]?.authAnswers ?? -1;
      } finally {
        await peer.stop();
      }
    }

    it('answers the challenge of a trusted relay at once, and of no other', async () => {
      expect(await authAnswers([])).toBe(0);
      expect(await authAnswers([relay.url])).toBe(1);
    });
  });
});
