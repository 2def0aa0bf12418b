/**
 * A NIP-46 remote signer for tests: NDK's `NDKNip46Backend` (an implementation nobody here wrote)
 * holding a user's key and listening on a relay (the embedded relay on 127.0.0.1). One starter
 * for every test that needs a bunker, so they all pair the same way.
 */
import NDK, { NDKNip46Backend, NDKPrivateKeySigner } from '@nostr-dev-kit/ndk';
import { WebSocket } from 'ws';
import { bytesToHex } from '../../src/core/bytes.ts';
import { getPublicKey } from '../../src/events/sign.ts';

// NDK 3 looks for a global WebSocket, which Node 20 does not have.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

/** One request the bunker was asked to perform (what NDK hands its permit callback). */
export interface BunkerRequest {
  id: string;
  /** The client's session key. */
  pubkey: string;
  method: string;
  params?: unknown;
}

/** Options for {@link startBunker}. */
export interface BunkerOptions {
  relayUrl: string;
  /** The user's secret key, held by the bunker only. */
  secretKey: Uint8Array;
  /** The one-time secret of the `bunker://` URI; a `connect` with another is refused. */
  secret: string;
  /** Allow or refuse each request (default: allow); a promise that never settles stalls the bunker. */
  permit?: (request: BunkerRequest) => boolean | Promise<boolean>;
  /** Called with each session key that connected with the right secret. */
  onConnect?: (clientPubkey: string) => void;
}

/** A running bunker. */
export interface TestBunker {
  /** The user's pubkey (also the bunker's: NDK answers as the key it holds). */
  pubkey: string;
  backend: NDKNip46Backend;
  /** `bunker://<pubkey>?relay=…[&secret=…]` */
  uri(withSecret?: boolean): string;
  /** Disconnect from the relay. */
  stop(): void;
}

/**
 * Start NDK's NIP-46 backend for `secretKey` on `relayUrl`.
 * @throws what NDK throws when it cannot connect.
 */
export async function startBunker(options: BunkerOptions): Promise<TestBunker> {
  const ndk = new NDK({ explicitRelayUrls: [options.relayUrl] });
  await ndk.connect(2000);
  // NDK hands the bunker URI's secret to `applyToken`, its documented extension point.
  class Backend extends NDKNip46Backend {
    override async applyToken(pubkey: string, token: string): Promise<void> {
      if (token !== options.secret) throw new Error('bad secret');
      options.onConnect?.(pubkey);
    }
  }
  const permit = options.permit ?? (() => true);
  const backend = new Backend(ndk, new NDKPrivateKeySigner(bytesToHex(options.secretKey)), async (p) =>
    permit({ id: p.id, pubkey: p.pubkey, method: p.method, params: p.params }),
  );
  await backend.start();
  const pubkey = getPublicKey(options.secretKey);
  return {
    pubkey,
    backend,
    uri: (withSecret = true) =>
      `bunker://${pubkey}?relay=${encodeURIComponent(options.relayUrl)}${withSecret ? `&secret=${options.secret}` : ''}`,
    stop: () => {
      for (const r of ndk.pool.relays.values()) r.disconnect();
    },
  };
}
