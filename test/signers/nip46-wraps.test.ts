/**
 * Incoming gift wraps opened through a NIP-46 remote signer (NDK's `NDKNip46Backend` on the
 * embedded relay, 127.0.0.1): junk costs the signer nothing, a wrap already handled or refused
 * costs nothing again, and the decrypt requests are bounded per window, the excess waiting
 * (reported) rather than dropped. Requests are counted as the signer sees them: kind 24133
 * events from our session key arriving at the relay.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hexToBytes } from '../../src/core/bytes.ts';
import { unixSeconds } from '../../src/core/clock.ts';
import { Kind } from '../../src/events/kinds.ts';
import { signEvent } from '../../src/events/sign.ts';
import type { NostrEvent } from '../../src/events/types.ts';
import { Messenger } from '../../src/messaging/messenger.ts';
import type { ProcessResult } from '../../src/messaging/messenger.ts';
import { chatTemplate } from '../../src/messaging/nip17.ts';
import { createWrap, giftWrap } from '../../src/messaging/nip59.ts';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import type { EmbeddedRelay } from '../../src/relays/embedded.ts';
import { RelayPool } from '../../src/relays/pool.ts';
import { LocalSigner } from '../../src/signers/local.ts';
import { Nip46Signer, parseBunkerUri } from '../../src/signers/nip46.ts';
import { openStore } from '../../src/store/db.ts';
import type { Store } from '../../src/store/db.ts';
import { startBunker } from '../helpers/bunker.ts';
import type { TestBunker } from '../helpers/bunker.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { until } from '../helpers/until.ts';

const ALICE_SK = hexToBytes('7d'.repeat(32));
const BOB = new LocalSigner(hexToBytes('2e'.repeat(32)), 'nsec');
const CAROL = new LocalSigner(hexToBytes('4f'.repeat(32)), 'nsec');
const SESSION_SK = hexToBytes('5a'.repeat(32));

describe('gift wraps opened through a remote signer', () => {
  const dir = tmpDir();
  let relay: EmbeddedRelay;
  let remote: TestBunker;
  let pool: RelayPool;
  let signer: Nip46Signer;
  let store: Store;
  /** Ids of the requests our session key sent the bunker. */
  const requests = new Set<string>();

  const chatFromBob = async (text: string): Promise<NostrEvent> =>
    (await giftWrap(chatTemplate(text, [remote.pubkey]), BOB, remote.pubkey)).wrap;

  beforeAll(async () => {
    relay = await startEmbeddedRelay({
      onFrame: (f) => {
        const m = JSON.parse(f) as unknown[];
        const e = m[1] as NostrEvent | undefined;
        if (m[0] === 'EVENT' && e?.kind === Kind.NostrConnect && e.pubkey === signer?.clientPubkey) requests.add(e.id);
      },
    });
    remote = await startBunker({ relayUrl: relay.url, secretKey: ALICE_SK, secret: 'wraps-secret' });
    pool = new RelayPool({ relays: [relay.url] });
    signer = new Nip46Signer({
      transport: pool,
      clientSecretKey: SESSION_SK,
      bunker: parseBunkerUri(remote.uri()),
      timeoutMs: 10_000,
    });
    expect(await signer.connect()).toBe(remote.pubkey);
    store = await openStore(join(dir, 'alice.sqlite'));
  }, 60_000);
  afterAll(async () => {
    signer?.close();
    await pool?.close();
    remote?.stop();
    await store?.close();
    await relay?.close();
  });

  it('asks the signer nothing for a forged, misaddressed or oversized wrap, and nothing twice', {
    timeout: 60_000,
  }, async () => {
    const messenger = new Messenger({ transport: pool, signer, pubkey: remote.pubkey, store });
    const genuine = await chatFromBob('hello alice');
    const forged = { ...genuine, sig: `${genuine.sig.slice(0, -2)}${genuine.sig.endsWith('00') ? '11' : '00'}` };
    const toCarol = (await giftWrap(chatTemplate('not yours', [CAROL.pubkey]), BOB, CAROL.pubkey)).wrap;
    const huge = signEvent(
      { kind: Kind.GiftWrap, created_at: unixSeconds(), tags: [['p', remote.pubkey]], content: 'A'.repeat(70_000) },
      hexToBytes('6c'.repeat(32)),
    );
    // Opens one layer, then fails: the seal inside is a kind 1 note.
    const badSeal = createWrap(
      await BOB.signEvent({ kind: 1, created_at: unixSeconds(), tags: [], content: 'not a seal' }),
      remote.pubkey,
    );
    const before = requests.size;
    const codes = async (wraps: unknown[]): Promise<string[]> => {
      const out: string[] = [];
      for (const w of wraps) {
        const r: ProcessResult = await messenger.process(w);
        out.push(r.ok ? r.kind : r.code);
      }
      return out;
    };
    expect(await codes([forged, toCarol, huge])).toEqual(['bad-sig', 'bad-wrap', 'too-large']);
    expect(requests.size).toBe(before);

    expect(await codes([badSeal])).toEqual(['bad-kind']);
    expect(requests.size).toBe(before + 1);
    expect(await codes([genuine])).toEqual(['chat']);
    expect(requests.size).toBe(before + 3);
    // The same wraps again (another relay, the next fetch): no request at all.
    expect(await codes([badSeal, genuine, badSeal])).toEqual(['duplicate', 'duplicate', 'duplicate']);
    expect(requests.size).toBe(before + 3);
  });

  it('bounds decrypt requests per window: the excess waits, is reported, and is offered again', {
    timeout: 60_000,
  }, async () => {
    const warnings: string[] = [];
    const messenger = new Messenger({
      transport: pool,
      signer,
      pubkey: remote.pubkey,
      store,
      decryptLimits: { max: 2, windowMs: 600_000, maxQueued: 4 },
      onWarning: (w) => warnings.push(w),
    });
    const [first, second] = [await chatFromBob('one'), await chatFromBob('two')];
    const before = requests.size;
    expect(await messenger.process(first)).toMatchObject({ ok: true, kind: 'chat' });
    expect(requests.size).toBe(before + 2);
    // The budget is spent: the second wrap's first decrypt waits, and the user is told.
    const waiting = messenger.process(second);
    await until(() => warnings.length > 0, 'the decrypt budget warning');
    expect(warnings).toEqual(['incoming gift wraps wait for the remote signer: at most 2 decrypt requests per 600 s']);
    expect(requests.size).toBe(before + 2);
    // Stopping ends the wait: counted as closed, never silently lost.
    messenger.stop();
    expect(await waiting).toMatchObject({ ok: false, code: 'closed' });
    expect(messenger.stats()).toMatchObject({ deferred: 1, rejected: { closed: 1 } });
    // Not remembered as handled or as junk: the next reader (default budget) opens it.
    const next = new Messenger({ transport: pool, signer, pubkey: remote.pubkey, store });
    expect(await next.process(second)).toMatchObject({ ok: true, kind: 'chat', chat: { text: 'two' } });
    expect(requests.size).toBe(before + 4);
  });
});
