import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hexToBytes } from '../../src/core/bytes.ts';
import { buildDmRelaysEvent } from '../../src/events/dm-relays.ts';
import { getPublicKey, signEvent } from '../../src/events/sign.ts';
import { LocalSigner } from '../../src/signers/local.ts';
import { Messenger } from '../../src/messaging/messenger.ts';
import type { IncomingMessage } from '../../src/messaging/messenger.ts';
import { giftWrap } from '../../src/messaging/nip59.ts';
import { makeMessage } from '../../src/messaging/protocol.ts';
import { MemoryNetwork, MemoryTransport } from '../../src/relays/memory.ts';
import { OutboxPublisher } from '../../src/relays/outbox.ts';
import { openStore } from '../../src/store/db.ts';
import type { Store } from '../../src/store/db.ts';
import { OutboxStore } from '../../src/store/outbox.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { until } from '../helpers/until.ts';

const alice = hexToBytes('0a'.repeat(32));
const dave = hexToBytes('0d'.repeat(32));
const D = getPublicKey(dave);
const now = (): number => Math.floor(Date.now() / 1000);

describe('Messenger with the persistent outbox', async () => {
  const dir = tmpDir();
  const stores: Store[] = [];
  afterAll(async () => {
    for (const s of stores) await s.close();
  });
  const open = async (n: string): Promise<Store> => {
    const s = await openStore(join(dir, `${n}.sqlite`));
    stores.push(s);
    return s;
  };
  const network = new MemoryNetwork();
  const DAVE_DM = 'ws://127.0.0.1:1/dave-dm';
  await new MemoryTransport({ network, relays: ['memory://directory'] }).publish(
    signEvent(buildDmRelaysEvent([DAVE_DM], now()), dave),
  );

  it('a message sent while the recipient relay is down is delivered once it is back', async () => {
    const aliceStore = await open('alice');
    const transport = new MemoryTransport({ network, relays: ['memory://directory'] });
    const outbox = new OutboxPublisher({
      store: new OutboxStore(aliceStore),
      transport,
      backoff: { baseMs: 10, maxMs: 20 },
    });
    const ma = new Messenger({
      transport,
      signer: new LocalSigner(alice, 'seed'),
      pubkey: getPublicKey(alice),
      store: aliceStore,
      outbox,
      discoveryRelays: ['memory://directory'],
    });
    const md = new Messenger({
      transport: new MemoryTransport({ network }),
      signer: new LocalSigner(dave, 'seed'),
      pubkey: D,
      store: await open('dave'),
      inboxRelays: [DAVE_DM],
    });
    network.relay(DAVE_DM).up = false;
    outbox.start();
    const report = await ma.send(D, makeMessage('catalog.request', {}));
    expect(report).toMatchObject({ ok: true, queued: true });
    await new Promise((r) => setTimeout(r, 50));
    expect(network.relay(DAVE_DM).has(report.wrapId)).toBe(false);
    network.relay(DAVE_DM).up = true;
    await until(() => network.relay(DAVE_DM).has(report.wrapId), 'the queued wrap at the DM relay', 5000);
    outbox.stop();
    const got: IncomingMessage[] = [];
    md.on('catalog.request', (inc) => void got.push(inc));
    await md.fetch();
    expect(got.map((g) => g.message.type)).toEqual(['catalog.request']);
  });

  it('an unknown message type gets a polite unknown-message-type error reply', async () => {
    const transport = new MemoryTransport({ network, relays: [DAVE_DM] });
    const md = new Messenger({
      transport,
      signer: new LocalSigner(dave, 'seed'),
      pubkey: D,
      store: await open('dave2'),
      inboxRelays: [DAVE_DM],
    });
    const ma = new Messenger({
      transport,
      signer: new LocalSigner(alice, 'seed'),
      pubkey: getPublicKey(alice),
      store: await open('alice2'),
      inboxRelays: [DAVE_DM],
    });
    const m = makeMessage('catalog.request', {});
    const { wrap } = await giftWrap(
      { kind: 21560, created_at: now(), tags: [], content: JSON.stringify({ ...m, type: 'quote.request' }) },
      new LocalSigner(alice, 'seed'),
      D,
    );
    const replies: string[] = [];
    ma.on('error', (inc) => void replies.push(`${inc.message.body.code}:${inc.message.reply_to}`));
    expect(await md.process(wrap)).toMatchObject({ ok: false, code: 'unknown-message-type', replied: true });
    await ma.fetch();
    expect(replies).toEqual([`unknown-message-type:${m.nonce}`]);
  });
});
