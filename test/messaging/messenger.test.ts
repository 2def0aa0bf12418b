import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hexToBytes } from '../../src/core/bytes.ts';
import { OtP2pError, isOtP2pError } from '../../src/core/errors.ts';
import type { Signer } from '../../src/events/signer.ts';
import { buildDmRelaysEvent } from '../../src/events/dm-relays.ts';
import { buildRelayListEvent } from '../../src/events/relay-list.ts';
import { getPublicKey, signEvent } from '../../src/events/sign.ts';
import type { NostrEvent } from '../../src/events/types.ts';
import type { Catalog } from '../../src/events/catalog.ts';
import { encrypt, getConversationKey } from '../../src/messaging/nip44.ts';
import { createSeal, createWrap, giftWrap } from '../../src/messaging/nip59.ts';
import { LocalSigner } from '../../src/signers/local.ts';
import { Messenger } from '../../src/messaging/messenger.ts';
import { makeMessage } from '../../src/messaging/protocol.ts';
import { MemoryNetwork, MemoryTransport } from '../../src/relays/memory.ts';
import { openStore } from '../../src/store/db.ts';
import type { Store } from '../../src/store/db.ts';
import { tmpDir } from '../helpers/tmp.ts';

const alice = hexToBytes('7f7ff03d123792d6ac594bfa67bf6d0c0ab55b6b1fdb6249303fe861f1ccba9a');
const bob = hexToBytes('c15d2a640a7bd00f291e074e5e5fc8a9bb9b2ae6daf2e4e9e6a9c6b3b5d1a1f2');
const carol = hexToBytes('00000000000000000000000000000000000000000000000000000000000000c0');
const A = getPublicKey(alice);
const B = getPublicKey(bob);
const C = getPublicKey(carol);
const now = (): number => Math.floor(Date.now() / 1000);

const bobCatalog: Catalog = {
  notaries: [{ id: 'n1' }],
  units: [{ id: 'usd', notary: 'n1', tla: 'USD', factor: 100n }],
  btc: { network: 'bitcoin' },
  preference: [],
};

describe('Messenger over MemoryTransport', async () => {
  const dir = tmpDir();
  const stores: Store[] = [];
  const open = async (name: string): Promise<Store> => {
    const s = await openStore(join(dir, `${name}.sqlite`));
    stores.push(s);
    return s;
  };
  afterAll(async () => {
    for (const s of stores) await s.close();
  });
  const network = new MemoryNetwork();
  const directory = new MemoryTransport({ network, relays: ['memory://directory'] });
  await directory.publish(signEvent(buildDmRelaysEvent(['ws://127.0.0.1:1/bob-dm'], now()), bob));
  await directory.publish(signEvent(buildDmRelaysEvent(['ws://127.0.0.1:1/alice-dm'], now()), alice));
  await directory.publish(
    signEvent(buildRelayListEvent([{ url: 'ws://127.0.0.1:1/carol-read', read: true, write: false }], now()), carol),
  );

  const warnings: string[] = [];
  const mk = async (sk: Uint8Array, inbox: string, name: string): Promise<Messenger> =>
    new Messenger({
      transport: new MemoryTransport({ network, relays: ['memory://directory'] }),
      signer: new LocalSigner(sk, 'seed'),
      pubkey: getPublicKey(sk),
      store: await open(name),
      discoveryRelays: ['memory://directory'],
      inboxRelays: [inbox],
      onWarning: (w) => warnings.push(w),
    });
  const ma = await mk(alice, 'ws://127.0.0.1:1/alice-dm', 'alice');
  const mb = await mk(bob, 'ws://127.0.0.1:1/bob-dm', 'bob');
  const mc = await mk(carol, 'ws://127.0.0.1:1/carol-read', 'carol');

  it('sends chat to the recipient DM relays (10050) and reads it once', async () => {
    const report = await ma.sendChat(B, 'hi bob');
    expect(report.ok).toBe(true);
    expect(report.choice).toEqual({ relays: ['ws://127.0.0.1:1/bob-dm'], source: 'dm-relays' });
    expect(network.relay('ws://127.0.0.1:1/bob-dm').has(report.wrapId)).toBe(true);
    const got: string[] = [];
    mb.onChat((c) => got.push(`${c.sender}:${c.text}`));
    await mb.fetch();
    expect(got).toEqual([`${A}:hi bob`]);
    await mb.fetch();
    expect(got).toHaveLength(1);
    expect(mb.stats().rejected.duplicate).toBe(1);
    // Alice's own copy went to her DM relay.
    await ma.fetch();
    expect((await ma.received.list(14)).map((r) => r.rumor_id)).toEqual([report.rumorId]);
  });

  it('falls back to NIP-65 read relays with a warning', async () => {
    const report = await ma.sendChat(C, 'hi carol');
    expect(report.choice.source).toBe('nip65-read');
    expect(warnings.some((w) => w.includes(C) && w.includes('learn that a DM exists'))).toBe(true);
    await mc.fetch();
    expect((await mc.received.list(14)).length).toBe(1);
  });

  it('answers catalog.request through a handler; request() resolves with the reply', async () => {
    mb.on('catalog.request', () => makeMessage('catalog.response', { catalog: bobCatalog }));
    await mb.start();
    await ma.start();
    const reply = await ma.request(B, makeMessage('catalog.request', {}), { timeoutMs: 5000 });
    expect(reply.from).toBe(B);
    expect(reply.message.type).toBe('catalog.response');
    if (reply.message.type === 'catalog.response') expect(reply.message.body.catalog.units[0]?.factor).toBe(100n);
  });

  it('answers an unknown protocol version with a polite error the sender sees as unsupported-version', async () => {
    const m = makeMessage('catalog.request', {});
    // Send a v2 message through the real wrap path by sending raw content.
    const { wrap, rumor } = await giftWrap(
      { kind: 21560, created_at: now(), tags: [['p', B]], content: JSON.stringify({ ...m, v: 2 }) },
      new LocalSigner(alice, 'seed'),
      B,
    );
    const waiting = new Promise<string>((resolve) => {
      ma.on('error', (inc) => {
        resolve(`${inc.message.body.code}:${inc.message.reply_to}`);
      });
    });
    const r = await mb.process(wrap);
    expect(r).toMatchObject({ ok: false, code: 'unsupported-version', replied: true });
    expect(await waiting).toBe(`unsupported-version:${m.nonce}`);
    // The same wrap again is a duplicate; the same rumor in a new wrap is a replay; neither gets a reply.
    expect(await mb.process(wrap)).toMatchObject({ ok: false, code: 'duplicate', replied: false });
    expect(await mb.process(createWrap(await createSeal(rumor, new LocalSigner(alice, 'seed'), B), B))).toMatchObject({
      ok: false,
      code: 'replay',
      replied: false,
    });
  });

  it('an error reply rejects the pending request with the peer code', async () => {
    mb.on('catalog.request', () => {
      throw new Error('boom');
    });
    let caught: unknown;
    try {
      await ma.request(B, makeMessage('catalog.request', {}), { timeoutMs: 5000 });
    } catch (e) {
      caught = e;
    }
    expect(isOtP2pError(caught, 'internal')).toBe(true);
    mb.stop();
    ma.stop();
  });

  it('with no relay list at all, sends to the transport defaults with a warning', async () => {
    const nobody = getPublicKey(hexToBytes('00000000000000000000000000000000000000000000000000000000000000d0'));
    const report = await ma.sendChat(nobody, 'anyone there?');
    expect(report.choice).toMatchObject({ relays: [], source: 'default' });
    expect(report.results.map((r) => r.relay)).toEqual(['memory://directory']);
    expect(warnings.some((w) => w.includes(nobody))).toBe(true);
  });

  it('refuses a pubkey that is not 32-byte hex (bad-key)', async () => {
    const store = await open('badkey');
    let caught: unknown;
    try {
      new Messenger({
        transport: new MemoryTransport({ network }),
        signer: new LocalSigner(bob, 'seed'),
        pubkey: 'npub1x',
        store,
      });
    } catch (e) {
      caught = e;
    }
    expect(isOtP2pError(caught, 'bad-key')).toBe(true);
  });

  it('a signer that fails to decrypt loses nothing: the same wrap is read once the signer answers', async () => {
    // A fake for a fault of a remote signer (it did not answer once); the key behind it is real.
    const real = new LocalSigner(bob, 'seed');
    let failures = 1;
    const flaky: Signer = {
      identityKind: 'bunker',
      getPublicKey: async () => B,
      signEvent: (t) => real.signEvent(t),
      nip44Encrypt: (pk, text) => real.nip44Encrypt(pk, text),
      nip44Decrypt: async (pk, payload) => {
        if (failures-- > 0) throw new OtP2pError('signer-timeout', 'the remote signer did not answer');
        return real.nip44Decrypt(pk, payload);
      },
    };
    const m = new Messenger({
      transport: new MemoryTransport({ network }),
      signer: flaky,
      pubkey: B,
      store: await open('flaky'),
    });
    const { wrap } = await giftWrap(
      { kind: 14, created_at: now(), tags: [['p', B]], content: 'still here' },
      new LocalSigner(alice, 'seed'),
      B,
    );
    expect(await m.process(wrap)).toMatchObject({ ok: false, code: 'signer-timeout' });
    expect(await m.process(wrap)).toMatchObject({ ok: true, kind: 'chat', chat: { text: 'still here', sender: A } });
  });

  it('10,000 junk wraps addressed to the user: no crash, all rejected, bounded memory', async () => {
    const store = await open('junk');
    const m = new Messenger({
      transport: new MemoryTransport({ network }),
      signer: new LocalSigner(bob, 'seed'),
      pubkey: B,
      store,
    });
    const eph = hexToBytes('00000000000000000000000000000000000000000000000000000000000000e1');
    const ck = getConversationKey(eph, B);
    const signedJunk: NostrEvent[] = [];
    for (let i = 0; i < 600; i++) {
      const variant = i % 6;
      const content =
        variant === 0
          ? 'A'.repeat(200 + i) // base64 that is not a payload
          : variant === 1
            ? encrypt(`not a seal ${i}`, ck) // decrypts to non-JSON
            : variant === 2
              ? encrypt(JSON.stringify({ kind: 13, junk: i }), ck) // seal-shaped junk
              : variant === 3
                ? `#${'x'.repeat(200)}` // unknown version
                : variant === 4
                  ? 'A'.repeat(80_000) // oversize
                  : `!!!${i}`;
      signedJunk.push(
        signEvent({ kind: variant === 5 ? 1 : 1059, tags: [['p', B]], content, created_at: now() - i }, eph),
      );
    }
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 10_000; i++) {
      const base = signedJunk[i % signedJunk.length]!;
      let junk: unknown;
      switch (i % 5) {
        case 0:
          junk = base;
          break;
        case 1:
          junk = { ...base, sig: base.sig.replace(/^./, base.sig[0] === 'a' ? 'b' : 'a') };
          break;
        case 2:
          junk = { ...base, content: base.content.slice(1) };
          break;
        case 3:
          junk = i % 2 === 0 ? null : 'wrap';
          break;
        default:
          junk = { kind: 1059, tags: [['p', B]], content: 'x', id: 'zz' };
      }
      const r = await m.process(junk);
      expect(r.ok).toBe(false);
    }
    const grown = process.memoryUsage().heapUsed - before;
    const s = m.stats();
    expect(s.processed).toBe(10_000);
    expect(s.accepted).toBe(0);
    expect(Object.values(s.rejected).reduce((a, b) => a + (b ?? 0), 0)).toBe(10_000);
    expect(Object.keys(s.rejected).length).toBeLessThan(20);
    expect((await m.received.list(14)).length + (await m.received.list(21560)).length).toBe(0);
    expect(grown).toBeLessThan(64 * 1024 * 1024);
  });
});
