/**
 * What `otp2p dm send` waits for, on an embedded relay (127.0.0.1) beside a relay that is down (a
 * TCP port that takes the connection and never answers the WebSocket upgrade): a send is not held
 * up by a DM relay that is down once another one holds the wrap, nor by older outbox targets, and
 * the recipient's DM relays and relay list are looked up in one round trip.
 */
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awaitDelivery } from '../../src/cli/publish.ts';
import { buildDmRelaysEvent } from '../../src/events/dm-relays.ts';
import { Kind } from '../../src/events/kinds.ts';
import { signEvent } from '../../src/events/sign.ts';
import { deriveIdentity } from '../../src/keys/index.ts';
import { createPeer } from '../../src/peer.ts';
import { peerInternals } from '../../src/peer/internals.ts';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import type { EmbeddedRelay } from '../../src/relays/embedded.ts';
import { RelayPool } from '../../src/relays/pool.ts';
import { runCli } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';

const PW = 'correct horse battery staple';
const ALICE = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const BOB = 'legal winner thank year wave sausage worth useful legal winner thank yellow';
const CAROL = 'letter advice cage absurd amount doctor acoustic avoid letter advice cage above';
const env = { OTP2P_PASSWORD: PW };

/** A relay that is down: it accepts TCP and never answers, until the test ends. */
async function startBlackHole(): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `ws://127.0.0.1:${port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

describe('otp2p dm send: what it waits for', () => {
  let relay: EmbeddedRelay;
  let hole: Awaited<ReturnType<typeof startBlackHole>>;
  const frames: string[] = [];
  const dir = tmpDir();
  const home = join(dir, 'alice');
  const alice = deriveIdentity(ALICE);
  const bob = deriveIdentity(BOB);
  const carol = deriveIdentity(CAROL);

  beforeAll(async () => {
    relay = await startEmbeddedRelay({ onFrame: (f) => frames.push(f) });
    hole = await startBlackHole();
    const r = await runCli(['init', '--mnemonic-stdin', '--password-stdin', '--json', '--home', home], {
      stdin: `${ALICE}\n${PW}\n`,
    });
    expect(r.code, r.stderr).toBe(0);
    // Bob reads DMs on the embedded relay and on one that is down.
    const pool = new RelayPool({ relays: [relay.url] });
    try {
      const list = signEvent(buildDmRelaysEvent([relay.url, hole.url], Math.floor(Date.now() / 1000)), bob.secretKey);
      expect((await pool.publish(list))[0]?.ok).toBe(true);
    } finally {
      await pool.close();
    }
  }, 60_000);
  afterAll(async () => {
    await hole.close();
    await relay.close();
  });

  it('reports a DM relay that is down as pending once another DM relay holds the wrap', {
    timeout: 60_000,
  }, async () => {
    const r = await runCli(['dm', 'send', bob.npub, 'hello', '--json', '--home', home, '--relay', relay.url], {
      env,
    });
    expect(r.code, r.stderr).toBe(0);
    const out = r.json[0] as { ok: boolean; source: string; relays: { relay: string; ok: boolean; code: unknown }[] };
    expect(out).toMatchObject({ ok: true, source: 'dm-relays' });
    // The relay that is down never answered while the command ran (its connect timeout is 10 s):
    // it is reported without a code, not waited out, and stays queued.
    expect(out.relays).toEqual(
      expect.arrayContaining([
        { relay: relay.url, ok: true, code: 'ok' },
        { relay: hole.url, ok: false, code: null },
      ]),
    );
    expect(r.stderr).toContain(`relay ${hole.url} did not answer yet: the wrap stays queued`);
  });

  it('waits for its own wraps, not for older outbox targets', { timeout: 60_000 }, async () => {
    const peer = await createPeer({ home: join(dir, 'carol'), identity: carol, relays: [relay.url] });
    try {
      const { outboxStore } = peerInternals(peer);
      const old = signEvent(
        { kind: 1, created_at: Math.floor(Date.now() / 1000), tags: [], content: 'queued yesterday' },
        carol.secretKey,
      );
      outboxStore.enqueue(old, [hole.url]);
      const sent = await peer.dms.send(alice.pubkey, 'hi');
      expect(sent.selfWrapId).toBeDefined();
      const [report] = await awaitDelivery(peer, [
        { id: sent.wrapId, kind: Kind.GiftWrap },
        { id: sent.selfWrapId as string, kind: Kind.GiftWrap },
      ]);
      expect(report).toMatchObject({ delivered: true, relays: [{ relay: relay.url, status: 'acked' }] });
      // The old target's attempt was still in flight (the relay that is down never answers): the
      // command did not wait for it.
      const stale = outboxStore.list(['pending']).filter((w) => w.eventId === old.id);
      expect(stale).toEqual([expect.objectContaining({ relay: hole.url, attempts: 0, lastCode: null })]);
      // Both wraps (to alice, and the copy to carol's own relays) are held by the relay.
      expect(outboxStore.list(['acked']).filter((w) => w.eventId === sent.selfWrapId)).toHaveLength(1);
    } finally {
      await peer.stop();
    }
  });

  it("looks the recipient's DM relays and relay list up in one REQ", async () => {
    const peer = await createPeer({ home: join(dir, 'carol2'), identity: carol, relays: [relay.url] });
    try {
      frames.length = 0;
      // alice publishes neither list: the fallback to the default relays needs both answers
      const choice = await peerInternals(peer).messenger.relaysFor(alice.pubkey);
      expect(choice.source).toBe('default');
      const reqs = frames
        .map((f) => JSON.parse(f) as unknown[])
        .filter((m) => m[0] === 'REQ' && JSON.stringify(m).includes(alice.pubkey));
      expect(reqs).toHaveLength(1);
      expect(reqs[0]?.[2]).toMatchObject({ kinds: [Kind.DmRelays, Kind.RelayList], authors: [alice.pubkey] });
    } finally {
      await peer.stop();
    }
  });
});
