/**
 * otp2p's NIP-46 client against NDK's `NDKNip46Backend`, a remote signer nobody here wrote,
 * both on a real embedded relay over 127.0.0.1 sockets.
 */
import NDK, { NDKEvent, NDKNip46Backend, NDKPrivateKeySigner } from '@nostr-dev-kit/ndk';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hexToBytes } from '../../src/core/bytes.ts';
import { OtP2pError } from '../../src/core/errors.ts';
import { Kind } from '../../src/events/kinds.ts';
import { getPublicKey } from '../../src/events/sign.ts';
import { verifySignature } from '../../src/events/verify.ts';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import type { EmbeddedRelay } from '../../src/relays/embedded.ts';
import { RelayPool } from '../../src/relays/pool.ts';
import { LocalSigner } from '../../src/signers/local.ts';
import { NIP46_PERMISSIONS, Nip46Signer, pairNostrConnect, parseBunkerUri } from '../../src/signers/nip46.ts';

// NDK 3 looks for a global WebSocket, which Node 20 does not have.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

const USER_SK = hexToBytes('7f'.repeat(32));
const USER_PK = getPublicKey(USER_SK);
const CLIENT_SK = hexToBytes('3c'.repeat(32));
const OTHER_SK = hexToBytes('5d'.repeat(32));

async function errorOf(p: Promise<unknown>): Promise<OtP2pError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof OtP2pError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

describe('NIP-46 remote signer (NDK backend) on an embedded relay', () => {
  let relay: EmbeddedRelay;
  let ndk: NDK;
  let pool: RelayPool;
  const asked: { method: string; pubkey: string }[] = [];
  const tokens: string[] = [];
  let refuse = new Set<string>();
  let tamper = false;
  let backend: NDKNip46Backend;

  beforeAll(async () => {
    relay = await startEmbeddedRelay();
    ndk = new NDK({ explicitRelayUrls: [relay.url] });
    await ndk.connect(2000);
    // NDK hands the bunker URI's secret to `applyToken`, its documented extension point.
    class Backend extends NDKNip46Backend {
      override async applyToken(pubkey: string, token: string): Promise<void> {
        if (token !== 's3cret') throw new Error('bad secret');
        tokens.push(pubkey);
      }
    }
    backend = new Backend(ndk, new NDKPrivateKeySigner(USER_SK), async (p) => {
      asked.push({ method: p.method, pubkey: p.pubkey });
      return !refuse.has(p.method);
    });
    // A signer that alters what it signs, through NDK's own strategy hook.
    const honest = backend.handlers.sign_event;
    backend.setStrategy('sign_event', {
      async handle(b, id, remotePubkey, params) {
        if (!tamper || params[0] === undefined) return honest?.handle(b, id, remotePubkey, params);
        const e = new NDKEvent(ndk, { ...JSON.parse(params[0]), content: 'tampered' });
        await e.sign(b.signer);
        return JSON.stringify(e.rawEvent());
      },
    });
    await backend.start();
    pool = new RelayPool({ relays: [relay.url] });
  });

  afterAll(async () => {
    await pool?.close();
    for (const r of ndk?.pool.relays.values() ?? []) r.disconnect();
    await relay?.close();
  });

  const signer = (options: Partial<ConstructorParameters<typeof Nip46Signer>[0]> = {}): Nip46Signer =>
    new Nip46Signer({
      transport: pool,
      clientSecretKey: CLIENT_SK,
      bunker: parseBunkerUri(`bunker://${USER_PK}?relay=${encodeURIComponent(relay.url)}&secret=s3cret`),
      timeoutMs: 5000,
      ...options,
    });

  it('connects with the minimum permissions and learns the user pubkey', async () => {
    const s = signer();
    expect(await s.connect()).toBe(USER_PK);
    expect(tokens).toEqual([s.clientPubkey]);
    expect(asked.every((a) => a.pubkey === s.clientPubkey)).toBe(true);
    expect(NIP46_PERMISSIONS).toContain('sign_event:31562');
    expect(NIP46_PERMISSIONS.filter((p) => !p.startsWith('sign_event:'))).toEqual(['nip44_encrypt', 'nip44_decrypt']);
    s.close();
  });

  it('signs exactly the template, as the user, with a valid signature', async () => {
    const s = signer({ userPubkey: USER_PK });
    const template = { kind: Kind.Catalog, created_at: 1_760_000_000, tags: [['t', 'otp2p']], content: '{"v":1}' };
    const e = await s.signEvent(template);
    expect(e.pubkey).toBe(USER_PK);
    expect({ kind: e.kind, created_at: e.created_at, tags: e.tags, content: e.content }).toEqual(template);
    expect(verifySignature(e.id, e.pubkey, e.sig)).toBe(true);
    s.close();
  });

  it('encrypts and decrypts NIP-44 interoperably with a local key', async () => {
    const s = signer({ userPubkey: USER_PK });
    const other = new LocalSigner(OTHER_SK, 'nsec');
    const toOther = await s.nip44Encrypt(other.pubkey, 'hello through the bunker');
    expect(await other.nip44Decrypt(USER_PK, toOther)).toBe('hello through the bunker');
    const fromOther = await other.nip44Encrypt(USER_PK, 'and back');
    expect(await s.nip44Decrypt(other.pubkey, fromOther)).toBe('and back');
    s.close();
  });

  it('pairs through a nostrconnect:// URI answered by the signer app', async () => {
    const client = hexToBytes('4e'.repeat(32));
    const s = await pairNostrConnect({
      transport: pool,
      clientSecretKey: client,
      relays: [relay.url],
      timeoutMs: 5000,
      onUri: (uri) => {
        // What a signer app does when the user scans the code: answer `connect` with the secret.
        const u = new URL(uri);
        expect(u.protocol).toBe('nostrconnect:');
        expect(u.searchParams.get('perms')).toBe(NIP46_PERMISSIONS.join(','));
        void backend.rpc.sendResponse('pair-1', u.hostname, u.searchParams.get('secret') ?? '');
      },
    });
    expect(s.bunker.pubkey).toBe(USER_PK);
    expect(await s.getPublicKey()).toBe(USER_PK);
    s.close();
  });

  it('a refusal is signer-refused', async () => {
    refuse = new Set(['sign_event']);
    try {
      const s = signer({ userPubkey: USER_PK });
      const err = await errorOf(
        s.signEvent({ kind: Kind.Offer, created_at: 1_760_000_000, tags: [['d', 'x']], content: '' }),
      );
      expect(err.code).toBe('signer-refused');
      expect(err.message).toContain('sign_event');
      s.close();
    } finally {
      refuse = new Set();
    }
  });

  it('a signer that signs something else than the template is signer-mismatch', async () => {
    tamper = true;
    try {
      const s = signer({ userPubkey: USER_PK });
      const err = await errorOf(
        s.signEvent({ kind: Kind.Catalog, created_at: 1_760_000_000, tags: [], content: 'mine' }),
      );
      expect(err.code).toBe('signer-mismatch');
      s.close();
    } finally {
      tamper = false;
    }
  });

  it('a signer that speaks for another pubkey is signer-mismatch', async () => {
    const s = signer({ userPubkey: getPublicKey(OTHER_SK) });
    const err = await errorOf(s.getPublicKey());
    expect(err.code).toBe('signer-mismatch');
    s.close();
  });

  it('a signer that does not answer is signer-timeout, naming its relays', async () => {
    const nobody = getPublicKey(OTHER_SK);
    const s = signer({ bunker: { pubkey: nobody, relays: [relay.url], secret: null }, timeoutMs: 300 });
    const err = await errorOf(s.getPublicKey());
    expect(err.code).toBe('signer-timeout');
    expect(err.message).toContain(relay.url);
    s.close();
  });
});

describe('bunker URIs', () => {
  const pk = 'ab'.repeat(32);
  it('parses the signer pubkey, relays and secret', () => {
    expect(
      parseBunkerUri(`bunker://${pk}?relay=wss%3A%2F%2Frelay.example.com&relay=ws://127.0.0.1:7000&secret=abc`),
    ).toEqual({
      pubkey: pk,
      relays: ['wss://relay.example.com', 'ws://127.0.0.1:7000'],
      secret: 'abc',
    });
  });
  it.each([
    ['not a string', 42],
    ['wrong scheme', `nostrconnect://${pk}?relay=wss://r.example`],
    ['short pubkey', 'bunker://abcd?relay=wss://r.example'],
    ['no relay', `bunker://${pk}`],
    ['http relay', `bunker://${pk}?relay=https://r.example`],
    ['empty secret', `bunker://${pk}?relay=wss://r.example&secret=`],
  ])('rejects %s with bad-bunker-uri, never echoing a secret', (_name, uri) => {
    try {
      parseBunkerUri(uri);
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(OtP2pError);
      expect((e as OtP2pError).code).toBe('bad-bunker-uri');
    }
  });
});
