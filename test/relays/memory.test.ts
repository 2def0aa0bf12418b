import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MemoryNetwork, MemoryTransport } from '../../src/relays/memory.ts';
import { classifyOk, isPermanent, prefixCode } from '../../src/relays/nip01-prefixes.ts';
import type { SubscriptionItem } from '../../src/relays/transport.ts';
import { makeEvent, newKey } from './_helpers.ts';

describe('NIP-01 OK/CLOSED prefixes', () => {
  it('maps every standard prefix to its typed code', () => {
    expect(classifyOk(true, '')).toEqual({ ok: true, code: 'ok', message: '' });
    expect(classifyOk(false, 'duplicate: have it')).toMatchObject({ ok: true, code: 'duplicate' });
    expect(classifyOk(true, 'duplicate: have it')).toMatchObject({ ok: true, code: 'duplicate' });
    for (const p of ['invalid', 'rate-limited', 'auth-required', 'restricted', 'blocked', 'error', 'pow'] as const) {
      expect(classifyOk(false, `${p}: why`)).toEqual({ ok: false, code: p, message: `${p}: why` });
    }
    expect(classifyOk(false, 'something odd')).toMatchObject({ ok: false, code: 'error' });
    expect(isPermanent('invalid')).toBe(true);
    expect(isPermanent('blocked')).toBe(true);
    expect(isPermanent('rate-limited')).toBe(false);
    expect(isPermanent('relay-unreachable')).toBe(false);
  });
  it('never throws and never calls an unknown prefix known (fuzz)', () => {
    fc.assert(
      fc.property(fc.string(), fc.boolean(), (msg, ok) => {
        const r = classifyOk(ok, msg);
        if (r.ok) expect(ok || r.code === 'duplicate').toBe(true);
        const code = prefixCode(msg);
        if (code !== undefined) expect(msg.startsWith(`${code}:`)).toBe(true);
      }),
    );
  });
});

describe('MemoryTransport', () => {
  it('publishes per relay, with results for down and refusing relays', async () => {
    const net = new MemoryNetwork();
    const t = new MemoryTransport({ network: net, relays: ['memory://a', 'memory://b', 'memory://c'] });
    net.relay('memory://b').up = false;
    net.relay('memory://c').refuseWith = 'blocked: go away';
    const ev = makeEvent(newKey());
    const res = await t.publish(ev);
    expect(res.map((r) => [r.relay, r.ok, r.code])).toEqual([
      ['memory://a', true, 'ok'],
      ['memory://b', false, 'relay-unreachable'],
      ['memory://c', false, 'blocked'],
    ]);
    expect((await t.publish(ev, ['memory://a']))[0]).toMatchObject({ ok: true, code: 'duplicate' });
    const forged = { ...makeEvent(newKey()), content: 'changed' };
    expect((await t.publish(forged, ['memory://a']))[0]).toMatchObject({ ok: false, code: 'invalid' });
  });

  it('keeps replaceable and addressable semantics', async () => {
    const t = new MemoryTransport();
    const k = newKey();
    const now = 1_700_000_000;
    const a1 = makeEvent(k, { kind: 31562, created_at: now, tags: [['d', 'x']], content: '1' });
    const a2 = makeEvent(k, { kind: 31562, created_at: now + 1, tags: [['d', 'x']], content: '2' });
    const other = makeEvent(k, { kind: 31562, created_at: now, tags: [['d', 'y']], content: 'y' });
    await t.publish(a2);
    expect((await t.publish(a1))[0]?.code).toBe('duplicate');
    await t.publish(other);
    const got: string[] = [];
    for await (const item of t.subscribe([{ kinds: [31562] }], undefined, { closeOnEose: true })) {
      if (item.type === 'event') got.push(item.event.content);
    }
    expect(got.sort()).toEqual(['2', 'y']);
  });

  it('dedupes across relays, sends EOSE after stored events, then live events, and closes', async () => {
    const net = new MemoryNetwork();
    const alice = new MemoryTransport({ network: net, relays: ['memory://a', 'memory://b'] });
    const bob = new MemoryTransport({ network: net, relays: ['memory://a', 'memory://b'] });
    const k = newKey();
    const stored = makeEvent(k);
    await alice.publish(stored);
    const items: SubscriptionItem[] = [];
    const relaysOf: string[] = [];
    const sub = bob.subscribe([{ authors: [k.pk] }], {
      onevent: (e, relay) => {
        items.push({ type: 'event', event: e, relay });
        relaysOf.push(relay);
      },
      oneose: () => items.push({ type: 'eose' }),
    });
    await new Promise((r) => setTimeout(r, 0));
    const live = makeEvent(k, { content: 'live' });
    await alice.publish(live);
    await alice.publish(makeEvent(newKey(), { content: 'not matching' }));
    expect(items.map((i) => (i.type === 'event' ? i.event.id : 'eose'))).toEqual([stored.id, 'eose', live.id]);
    expect(relaysOf).toEqual(['memory://a', 'memory://a']);
    sub.close();
    await alice.publish(makeEvent(k, { content: 'after close' }));
    expect(items).toHaveLength(3);
    await bob.close();
    expect(() => bob.subscribe([{}])).toThrowError(expect.objectContaining({ code: 'closed' }));
  });
});
