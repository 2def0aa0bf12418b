import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MemoryNetwork, MemoryTransport } from '../../src/relays/memory.ts';
import {
  MAX_LISTED_RELAYS,
  dmRelayChoice,
  listedRelays,
  publishToDmRelays,
  relayListOf,
  subscribeAuthor,
} from '../../src/relays/nip65.ts';
import { buildDmRelaysEvent, parseDmRelaysEvent } from '../../src/events/dm-relays.ts';
import { buildRelayListEvent, parseRelayListEvent } from '../../src/events/relay-list.ts';
import { signEvent } from '../../src/events/sign.ts';
import { makeEvent, newKey } from './_helpers.ts';

const now = () => Math.floor(Date.now() / 1000);

const relayList = (read: string[], write: string[]) =>
  buildRelayListEvent(
    [...new Set([...read, ...write])].map((url) => ({ url, read: read.includes(url), write: write.includes(url) })),
    now(),
  );

describe('NIP-65 relay lists', () => {
  it('reads markers in canonical form, drops bad URLs, and dials at most MAX_LISTED_RELAYS of a list', () => {
    const k = newKey();
    const ev = signEvent(
      relayList(['wss://r.example', 'wss://both.example'], ['wss://w.example', 'wss://both.example']),
      k.sk,
      k.pk,
    );
    const list = parseRelayListEvent(ev);
    expect(listedRelays(list, 'read')).toEqual(['wss://r.example', 'wss://both.example']);
    expect(listedRelays(list, 'write')).toEqual(['wss://both.example', 'wss://w.example']);
    const hostile = makeEvent(k, {
      kind: 10002,
      tags: [
        ['r', 'http://x.example'],
        ['r', 'javascript:alert(1)'],
        ['r', 'wss://user:pw@x.example'],
        ['r', 'wss://R0.example/'],
        ['r'],
        ...Array.from({ length: 50 }, (_, i) => ['r', `wss://r${i}.example`]),
      ],
    });
    const parsed = parseRelayListEvent(hostile);
    expect(parsed.skipped).toBe(4);
    expect(listedRelays(parsed, 'read')).toHaveLength(MAX_LISTED_RELAYS);
    expect(listedRelays(parsed, 'read')[0]).toBe('wss://r0.example');
    expect(listedRelays(undefined, 'write')).toEqual([]);
  });

  it('never throws on arbitrary tags and yields only canonical ws(s) URLs (fuzz)', () => {
    const k = newKey();
    const base = makeEvent(k, { kind: 10002 });
    fc.assert(
      fc.property(fc.array(fc.array(fc.string(), { maxLength: 4 }), { maxLength: 30 }), (tags) => {
        const l = parseRelayListEvent({ ...base, tags });
        expect(listedRelays(l, 'read').length).toBeLessThanOrEqual(MAX_LISTED_RELAYS);
        for (const r of l.relays) expect(r.url).toMatch(/^wss?:\/\/[^/\s]/);
        parseDmRelaysEvent({ ...base, kind: 10050, tags });
      }),
    );
  });

  it("reads an author's events from the author's write relays and sends DMs to the recipient's DM relays", async () => {
    const net = new MemoryNetwork();
    const index = ['memory://index'];
    const alice = newKey();
    const bob = newKey();
    const t = new MemoryTransport({ network: net, relays: index });
    await t.publish(signEvent(relayList([], ['ws://alice-w.example']), alice.sk, alice.pk), index);
    expect(await relayListOf(t, alice.pk, { relays: index })).toEqual({
      relays: [{ url: 'ws://alice-w.example', read: false, write: true }],
      skipped: 0,
    });
    expect(await relayListOf(t, bob.pk, { relays: index })).toBeUndefined();
    const post = makeEvent(alice, { content: 'on my outbox relay' });
    await t.publish(post, ['ws://alice-w.example']);
    await t.publish(makeEvent(alice, { content: 'only on index' }), index);
    const got: string[] = [];
    let eose = false;
    await subscribeAuthor(
      t,
      alice.pk,
      [{ kinds: [1] }],
      { onevent: (e) => got.push(e.content), oneose: () => (eose = true) },
      { indexRelays: index },
    );
    await new Promise((r) => setTimeout(r, 10));
    expect(eose).toBe(true);
    expect(got).toEqual(['on my outbox relay']);

    const wrap = makeEvent(newKey(), { kind: 1059, tags: [['p', bob.pk]] });
    await expect(publishToDmRelays(t, wrap, bob.pk, index)).rejects.toMatchObject({ code: 'no-relays' });
    expect(await dmRelayChoice(t, bob.pk, { relays: index })).toMatchObject({ relays: [], source: 'default' });
    await t.publish(signEvent(relayList(['ws://bob-read.example'], []), bob.sk, bob.pk), index);
    expect(await dmRelayChoice(t, bob.pk, { relays: index })).toMatchObject({
      relays: ['ws://bob-read.example'],
      source: 'nip65-read',
    });
    await t.publish(signEvent(buildDmRelaysEvent(['ws://bob-dm.example'], now()), bob.sk, bob.pk), index);
    expect(await dmRelayChoice(t, bob.pk, { relays: index })).toEqual({
      relays: ['ws://bob-dm.example'],
      source: 'dm-relays',
    });
    const res = await publishToDmRelays(t, wrap, bob.pk, index);
    expect(res.map((r) => [r.relay, r.ok])).toEqual([['ws://bob-dm.example', true]]);
    expect(net.relay('ws://bob-dm.example').has(wrap.id)).toBe(true);
  });
});
