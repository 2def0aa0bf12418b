import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import type { EmbeddedRelay } from '../../src/relays/embedded.ts';
import { signEvent } from '../../src/events/sign.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { RawClient, makeEvent, newKey } from './_helpers.ts';

describe('embedded relay', () => {
  let relay: EmbeddedRelay;
  const dbPath = join(tmpDir(), 'relay.db');
  beforeAll(async () => {
    relay = await startEmbeddedRelay({ dbPath, maxEventBytes: 4096 });
  });
  afterAll(async () => {
    await relay.close();
  });

  it('serves a NIP-11 document on GET with Accept: application/nostr+json, and 426 otherwise', async () => {
    const httpUrl = relay.url.replace('ws://', 'http://');
    const res = await fetch(httpUrl, { headers: { accept: 'application/nostr+json' } });
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      supported_nips: number[];
      limitation: { max_event_bytes: number; max_subid_length: number };
    };
    expect(doc.supported_nips).toContain(42);
    expect(doc.limitation.max_event_bytes).toBe(4096);
    expect(doc.limitation.max_subid_length).toBe(64);
    const plain = await fetch(httpUrl);
    expect(plain.status).toBe(426);
    await plain.text();
  });

  it('acknowledges, deduplicates and serves events; refuses bad ones with OK false', async () => {
    const c = await RawClient.connect(relay.url);
    const k = newKey();
    const ev = makeEvent(k, { content: 'one' });
    expect(await c.publish(ev)).toEqual(['OK', ev.id, true, '']);
    const dup = await c.publish(ev);
    expect(dup[2]).toBe(true);
    expect(String(dup[3])).toMatch(/^duplicate:/);
    const big = makeEvent(k, { content: 'x'.repeat(5000) });
    const r = await c.publish(big);
    expect(r[2]).toBe(false);
    expect(String(r[3])).toMatch(/^invalid: .*over the limit/);
    const future = makeEvent(k, { created_at: Math.floor(Date.now() / 1000) + 3600 });
    const f = await c.publish(future);
    expect(f[2]).toBe(false);
    expect(String(f[3])).toMatch(/^invalid: .*future/);
    const forged = { ...makeEvent(k), content: 'tampered' };
    const g = await c.publish(forged);
    expect(g[2]).toBe(false);
    expect(String(g[3])).toMatch(/^invalid:/);
    const { events, end } = await c.query('q1', { authors: [k.pk] });
    expect(end[0]).toBe('EOSE');
    expect(events.map((e) => e.id)).toEqual([ev.id]);
    c.close();
  });

  it('keeps replaceable semantics and delivers live events after EOSE', async () => {
    const c = await RawClient.connect(relay.url);
    const k = newKey();
    const now = Math.floor(Date.now() / 1000);
    await c.publish(makeEvent(k, { kind: 10002, created_at: now - 10, content: 'old' }));
    const newer = makeEvent(k, { kind: 10002, created_at: now, content: 'new' });
    await c.publish(newer);
    const { events } = await c.query('r', { kinds: [10002], authors: [k.pk] });
    expect(events.map((e) => e.content)).toEqual(['new']);
    const live = c.next((m) => m[0] === 'EVENT' && m[1] === 'r');
    const other = await RawClient.connect(relay.url);
    const next = makeEvent(k, { kind: 10002, created_at: now + 1, content: 'newest' });
    await other.publish(next);
    expect(((await live)[2] as { id: string }).id).toBe(next.id);
    c.close();
    other.close();
  });

  it('serves kind 1059 only to the NIP-42-authenticated recipient', async () => {
    const sender = newKey();
    const alice = newKey();
    const bob = newKey();
    const pub = await RawClient.connect(relay.url);
    const wrap = makeEvent(sender, { kind: 1059, tags: [['p', alice.pk]], content: 'sealed' });
    expect((await pub.publish(wrap))[2]).toBe(true);

    const anon = await RawClient.connect(relay.url);
    const closed = await anon.query('w', { kinds: [1059], '#p': [alice.pk] });
    expect(closed.end[0]).toBe('CLOSED');
    expect(String(closed.end[2])).toMatch(/^auth-required:/);
    // A filter without kinds does not leak wraps either.
    const all = await anon.query('all', { ids: [wrap.id] });
    expect(all.events).toEqual([]);

    const authAs = async (c: RawClient, key: typeof alice): Promise<void> => {
      const challenge = (await c.next((m) => m[0] === 'AUTH'))[1] as string;
      const auth = signEvent(
        {
          kind: 22242,
          created_at: Math.floor(Date.now() / 1000),
          tags: [
            ['relay', relay.url],
            ['challenge', challenge],
          ],
          content: '',
        },
        key.sk,
        key.pk,
      );
      c.send(['AUTH', auth]);
      expect((await c.next((m) => m[0] === 'OK' && m[1] === auth.id))[2]).toBe(true);
    };
    const bobC = await RawClient.connect(relay.url);
    await authAs(bobC, bob);
    expect((await bobC.query('w', { kinds: [1059] })).events).toEqual([]);
    const aliceC = await RawClient.connect(relay.url);
    await authAs(aliceC, alice);
    expect((await aliceC.query('w', { kinds: [1059] })).events.map((e) => e.id)).toEqual([wrap.id]);

    // A wrong challenge is refused.
    const bad = signEvent(
      {
        kind: 22242,
        created_at: Math.floor(Date.now() / 1000),
        tags: [
          ['relay', relay.url],
          ['challenge', 'nope'],
        ],
        content: '',
      },
      bob.sk,
      bob.pk,
    );
    anon.send(['AUTH', bad]);
    expect((await anon.next((m) => m[0] === 'OK' && m[1] === bad.id))[2]).toBe(false);
    for (const c of [pub, anon, bobC, aliceC]) c.close();
  });

  it('keeps events in its file across a restart and closes without leaking connections', async () => {
    const c = await RawClient.connect(relay.url);
    const k = newKey();
    const ev = makeEvent(k);
    await c.publish(ev);
    const port = relay.port;
    await relay.close();
    expect(relay.connections()).toBe(0);
    await relay.close(); // idempotent
    relay = await startEmbeddedRelay({ dbPath, port, maxEventBytes: 4096 });
    const c2 = await RawClient.connect(relay.url);
    expect((await c2.query('x', { ids: [ev.id] })).events.map((e) => e.id)).toEqual([ev.id]);
    c2.close();
  });
});

describe('otp2p relay (CLI)', () => {
  it('runs until the signal fires and answers in between', async () => {
    const { runCli } = await import('../helpers/cli.ts');
    const home = tmpDir();
    const ac = new AbortController();
    const run = runCli(['relay', '--port', '0', '--json', '--home', home], { signal: ac.signal });
    // Wait until the database file exists and the relay answers.
    let url = '';
    for (let i = 0; i < 200 && !url; i++) {
      await new Promise((r) => setTimeout(r, 25));
      const { existsSync } = await import('node:fs');
      if (existsSync(join(home, 'relay.sqlite'))) url = 'ready';
    }
    ac.abort();
    const res = await run;
    expect(res.code).toBe(0);
    // stdout carries exactly one JSON line (no library notice leaks onto it)
    expect(res.stdout.trim().split('\n')).toHaveLength(1);
    const out = res.json[0] as { url: string; port: number };
    expect(out.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    expect(res.stderr).toContain('relay stopped');
  });

  it('refuses a bad port with a usage error', async () => {
    const { runCli } = await import('../helpers/cli.ts');
    const res = await runCli(['relay', '--port', 'abc', '--home', tmpDir()]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('usage');
  });
});
