/**
 * Follow safety over real parts: a follow list made by another client (nostr-tools, standing in
 * for Damus, Amethyst, Primal, Coracle: 500 follows with relay hints and petnames, `t` tags, an
 * unknown tag and a non-empty content) sits on ONE of two embedded relays. `otp2p follow add` and
 * `follow remove` change only their entry; everything else, read back by nostr-tools from both
 * relays, is byte-identical. With both relays down nothing is published unless `--force`.
 */
import { join } from 'node:path';
import { finalizeEvent, verifyEvent } from 'nostr-tools/pure';
import type { Event as NtEvent } from 'nostr-tools/pure';
import { SimplePool, useWebSocketImplementation } from 'nostr-tools/pool';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveIdentity } from '../../src/keys/identity.ts';
import { generateMnemonic } from '../../src/keys/mnemonic.ts';
import { createVault } from '../../src/keys/vault.ts';
import { npubEncode, nprofileEncode } from '../../src/keys/nip19.ts';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import type { EmbeddedRelay } from '../../src/relays/embedded.ts';
import { openStore } from '../../src/store/db.ts';
import { OutboxStore } from '../../src/store/outbox.ts';
import { runCli } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';

useWebSocketImplementation(WebSocket);

const PW = 'correct horse battery staple';
const env = { OTP2P_PASSWORD: PW };
const pk = (i: number): string => i.toString(16).padStart(64, '0');
// Real follow lists outgrow strfry's 64 KiB: the test relays take what real relays take.
const BIG = { maxEventBytes: 1_000_000, maxMessageBytes: 4_000_000 };

let dir: string;
let a: EmbeddedRelay;
let b: EmbeddedRelay;
let home: string;
let me: { secretKey: Uint8Array; pubkey: string };
let original: NtEvent;
const friend = deriveIdentity(generateMnemonic());

/** The list another client made: 500 follows (hints, petnames), `t` tags, an unknown tag, a content. */
function theirList(): NtEvent {
  const tags: string[][] = [];
  for (let i = 1; i <= 500; i++) {
    if (i % 3 === 0) tags.push(['p', pk(i), `wss://relay${i % 7}.example.com/`, `friend ${i} 🌻`]);
    else if (i % 3 === 1) tags.push(['p', pk(i), `wss://relay${i % 5}.example.com`]);
    else tags.push(['p', pk(i)]);
  }
  tags.splice(10, 0, ['t', 'bitcoin']);
  tags.splice(200, 0, ['t', 'nostr'], ['unknown-tag', 'x', 'y', 'z']);
  const content = JSON.stringify({ 'wss://relay.damus.io': { read: true, write: true } });
  return finalizeEvent({ kind: 3, created_at: Math.floor(Date.now() / 1000) - 3600, tags, content }, me.secretKey);
}

/** The newest kind 3 of `me` on one relay, as nostr-tools reads and verifies it. */
async function newestOn(url: string): Promise<NtEvent | undefined> {
  const pool = new SimplePool();
  try {
    const events = await pool.querySync([url], { kinds: [3], authors: [me.pubkey] }, { maxWait: 5000 });
    const fresh = events.map((e) => JSON.parse(JSON.stringify(e)) as NtEvent);
    for (const e of fresh) expect(verifyEvent(e)).toBe(true);
    return fresh.sort((x, y) => y.created_at - x.created_at)[0];
  } finally {
    pool.destroy();
  }
}

async function queuedKind3(): Promise<string[]> {
  const store = await openStore(join(home, 'otp2p.sqlite'));
  try {
    const items = new OutboxStore(store).list(['pending', 'failed']).filter((i) => i.kind === 3);
    return [...new Set(items.map((i) => i.eventId))];
  } finally {
    await store.close();
  }
}

beforeAll(async () => {
  dir = tmpDir();
  a = await startEmbeddedRelay({ dbPath: join(dir, 'a.sqlite'), ...BIG });
  b = await startEmbeddedRelay({ dbPath: join(dir, 'b.sqlite'), ...BIG });
  home = join(dir, 'home');
  const mnemonic = generateMnemonic();
  me = deriveIdentity(mnemonic);
  await runCli(['config', 'set', 'relays', JSON.stringify([a.url, b.url]), '--home', home]);
  // A cheap scrypt cost keeps the test fast; the format is the same as at log_n 16.
  createVault(join(home, 'vault.json'), mnemonic, PW, { logN: 10 });
  original = theirList();
  const pool = new SimplePool();
  try {
    await Promise.all(pool.publish([a.url], original));
  } finally {
    pool.destroy();
  }
  expect((await newestOn(a.url))?.id).toBe(original.id);
  expect(await newestOn(b.url)).toBeUndefined();
});

afterAll(async () => {
  await a?.close();
  await b?.close();
});

describe('otp2p follow', () => {
  let afterAdd: NtEvent;

  it('add: appends one entry (nprofile hint, petname); every other tag and the content stay byte-identical on both relays', async () => {
    const target = nprofileEncode({ pubkey: friend.pubkey, relays: [a.url] });
    const r = await runCli(['follow', 'add', target, '--name', 'xavier', '--home', home, '--json'], { env });
    expect(r.stderr).not.toContain(PW);
    expect(r.code).toBe(0);
    const [out] = r.json as Array<{ event: string; base: string; relays: Array<{ relay: string; ok: boolean }> }>;
    expect(out?.base).toBe('relays');
    expect(out?.relays.map((x) => x.ok)).toEqual([true, true]);
    const onA = await newestOn(a.url);
    const onB = await newestOn(b.url);
    expect(onA?.id).toBe(out?.event);
    expect(onB?.id).toBe(out?.event);
    afterAdd = onA as NtEvent;
    expect(JSON.stringify(afterAdd.tags.slice(0, -1))).toBe(JSON.stringify(original.tags));
    expect(afterAdd.tags.at(-1)).toEqual(['p', friend.pubkey, a.url, 'xavier']);
    expect(afterAdd.content).toBe(original.content);
    expect(afterAdd.created_at).toBeGreaterThan(original.created_at);
  });

  it('add of a key already followed with nothing new publishes nothing', async () => {
    const r = await runCli(['follow', 'add', friend.pubkey.toUpperCase(), '--home', home], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^already following /);
    expect((await newestOn(a.url))?.id).toBe(afterAdd.id);
  });

  it('remove: drops exactly that entry; the rest stays byte-identical on both relays', async () => {
    const gone = pk(42);
    const r = await runCli(['follow', 'remove', npubEncode(gone), '--home', home, '--json'], { env });
    expect(r.code).toBe(0);
    const [out] = r.json as Array<{ event: string }>;
    for (const url of [a.url, b.url]) {
      const e = await newestOn(url);
      expect(e?.id).toBe(out?.event);
      expect(JSON.stringify(e?.tags)).toBe(
        JSON.stringify(afterAdd.tags.filter((t) => !(t[0] === 'p' && t[1] === gone))),
      );
      expect(e?.content).toBe(original.content);
    }
  });

  it('list: names (petname, else short npub), distance and what each publishes', async () => {
    const r = await runCli(['follow', 'list', '--home', home, '--json'], { env });
    expect(r.code).toBe(0);
    const [out] = r.json as Array<{
      follows: Array<{ pubkey: string; name: string; degree: number; publishes: { catalog: boolean } }>;
    }>;
    expect(out?.follows).toHaveLength(500);
    const x = out?.follows.find((f) => f.pubkey === friend.pubkey);
    expect(x).toMatchObject({ name: 'xavier', degree: 1, publishes: { catalog: false, offers: 0, attestations: 0 } });
    expect(out?.follows.find((f) => f.pubkey === pk(3))?.name).toBe('friend 3 🌻');
    expect(out?.follows.find((f) => f.pubkey === pk(4))?.name).toMatch(/^npub1[a-z0-9]{7}…[a-z0-9]{4}$/);
  });

  it('rejects a target that is not a key with its exact code', async () => {
    const r = await runCli(['follow', 'add', 'bob', '--home', home, '--json'], { env });
    expect(r.code).toBe(2);
    expect((r.json[0] as { error: { code: string } }).error.code).toBe('bad-hex');
    const nsec = await runCli(['follow', 'add', `nsec1${'q'.repeat(58)}`, '--home', home, '--json'], { env });
    expect((nsec.json[0] as { error: { code: string } }).error.code).toBe('bad-key');
    expect(nsec.stdout + nsec.stderr).not.toContain('q'.repeat(58));
  });

  it('with both relays down: refuses (relay-incomplete) and publishes nothing; --force edits the list this folder holds', async () => {
    const before = await newestOn(a.url);
    await a.close();
    await b.close();
    const other = pk(777);
    const r = await runCli(['follow', 'add', other, '--home', home, '--json'], { env });
    expect(r.code).toBe(1);
    expect((r.json[0] as { error: { code: string } }).error.code).toBe('relay-incomplete');
    expect(await queuedKind3()).toEqual([]);

    // --force: proceed without any answer. The base is the newest list this data folder holds (the
    // one it published last), so nothing of the user's list is lost; it stays queued until a relay is back.
    const forced = await runCli(['follow', 'add', other, '--force', '--home', home, '--json'], { env });
    expect(forced.code).toBe(1);
    const [out] = forced.json as Array<{ event: string; base: string; relays: Array<{ status: string }> }>;
    expect(out?.base).toBe('local');
    expect(out?.relays.map((x) => x.status)).toEqual(['pending', 'pending']);
    expect(await queuedKind3()).toEqual([out?.event]);
    const store = await openStore(join(home, 'otp2p.sqlite'));
    try {
      const row = store.raw.prepare('SELECT event_json FROM outbox WHERE event_id = ?').get(out?.event) as {
        event_json: string;
      };
      const queued = JSON.parse(row.event_json) as NtEvent;
      expect(verifyEvent(queued)).toBe(true);
      expect(JSON.stringify(queued.tags.slice(0, -1))).toBe(JSON.stringify(before?.tags));
      expect(queued.tags.at(-1)).toEqual(['p', other]);
      expect(queued.content).toBe(original.content);
    } finally {
      await store.close();
    }
  });
});
