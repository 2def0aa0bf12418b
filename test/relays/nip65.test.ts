import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MemoryNetwork, MemoryTransport } from '../../src/relays/memory.ts';
import {
  MAX_LISTED_RELAYS,
  dmRelaysTemplate,
  parseDmRelays,
  parseRelayList,
  publishToDmRelays,
  relayListTemplate,
  subscribeAuthor,
} from '../../src/relays/nip65.ts';
import { signEvent } from '../../src/events/sign.ts';
import { makeEvent, newKey } from './_helpers.ts';

const now = () => Math.floor(Date.now() / 1000);

describe('NIP-65 relay lists', () => {
  it('round-trips read/write markers and drops bad URLs', () => {
    const k = newKey();
    const list = { read: ['wss://r.example', 'wss://both.example'], write: ['wss://w.example', 'wss://both.example'] };
    const ev = signEvent(relayListTemplate(list, now()), k.sk, k.pk);
    expect(parseRelayList(ev)).toEqual({ read: ['wss://r.example', 'wss://both.example'], write: ['wss://both.example', 'wss://w.example'] });
    const hostile = makeEvent(k, {
      kind: 10002,
      tags: [['r', 'http://x.example'], ['r', 'javascript:alert(1)'], ['r', 'wss://user:pw@x.example'], ['r'], ...Array.from({ length: 50 }, (_, i) => ['r', `wss://r${i}.example`])],
    });
    const parsed = parseRelayList(hostile);
    expect(parsed.read).toHaveLength(MAX_LISTED_RELAYS);
    expect(parsed.read[0]).toBe('wss://r0.example');
  });

  it('never throws on arbitrary tags (fuzz)', () => {
    const k = newKey();
    const base = makeEvent(k, { kind: 10002 });
    fc.assert(
      fc.property(fc.array(fc.array(fc.string(), { maxLength: 4 }), { maxLength: 30 }), (tags) => {
        const l = parseRelayList({ ...base, tags });
        expect(l.read.length).toBeLessThanOrEqual(MAX_LISTED_RELAYS);
        for (const u of [...l.read, ...l.write]) expect(u).toMatch(/^wss?:\/\//);
        parseDmRelays({ ...base, kind: 10050, tags });
      }),
    );
  });

  it("reads an author's events from the author's write relays and sends DMs to the recipient's DM relays", async () => {
    const net = new MemoryNetwork();
    const index = ['memory://index'];
    const alice = newKey();
    const bob = newKey();
    const t = new MemoryTransport({ network: net, relays: index });
    await t.publish(signEvent(relayListTemplate({ read: [], write: ['ws://alice-w.example'] }, now()), alice.sk, alice.pk), index);
    const post = makeEvent(alice, { content: 'on my outbox relay' });
    await t.publish(post, ['ws://alice-w.example']);
    await t.publish(makeEvent(alice, { content: 'only on index' }), index);
    const got: string[] = [];
    let eose = false;
    await subscribeAuthor(t, alice.pk, [{ kinds: [1] }], { onevent: (e) => got.push(e.content), oneose: () => (eose = true) }, { indexRelays: index });
    await new Promise((r) => setTimeout(r, 10));
    expect(eose).toBe(true);
    expect(got).toEqual(['on my outbox relay']);

    const wrap = makeEvent(newKey(), { kind: 1059, tags: [['p', bob.pk]] });
    await expect(publishToDmRelays(t, wrap, bob.pk, index)).rejects.toMatchObject({ code: 'no-relays' });
    await t.publish(signEvent(dmRelaysTemplate(['ws://bob-dm.example'], now()), bob.sk, bob.pk), index);
    const res = await publishToDmRelays(t, wrap, bob.pk, index);
    expect(res.map((r) => [r.relay, r.ok])).toEqual([['ws://bob-dm.example', true]]);
    expect(net.relay('ws://bob-dm.example').has(wrap.id)).toBe(true);
  });
});
