/**
 * PeerDaemon as a library, over the in-process transport: a wallet embeds it with its own log
 * and snapshot sinks; it syncs, reports, and stops once, closing the peer through the given hook.
 */
import { describe, expect, it } from 'vitest';
import { PeerDaemon } from '../../src/daemon/daemon.ts';
import type { DaemonSnapshot } from '../../src/daemon/snapshot.ts';
import { deriveIdentity } from '../../src/keys/identity.ts';
import { generateMnemonic } from '../../src/keys/mnemonic.ts';
import { createPeer } from '../../src/peer.ts';
import { MemoryNetwork, MemoryTransport } from '../../src/relays/memory.ts';
import { tmpDir } from '../helpers/tmp.ts';

const RELAYS = ['wss://a.memory.invalid', 'wss://b.memory.invalid'];

async function newPeer(network: MemoryNetwork) {
  return createPeer({
    home: tmpDir(),
    identity: deriveIdentity(generateMnemonic()),
    transport: new MemoryTransport({ network, relays: RELAYS }),
    relays: RELAYS,
  });
}

describe('PeerDaemon', () => {
  it('syncs, reports snapshots and log lines to the embedder, and stops once', async () => {
    const network = new MemoryNetwork();
    const peer = await newPeer(network);
    network.relay('wss://b.memory.invalid').up = false;
    const snapshots: DaemonSnapshot[] = [];
    const events: string[] = [];
    let closes = 0;
    const daemon = new PeerDaemon({
      peer,
      statusIntervalSeconds: 1,
      pid: 4242,
      log: (_level, event) => events.push(event),
      onSnapshot: (s) => snapshots.push(s),
      close: async () => {
        closes++;
        await peer.stop();
      },
    });
    await daemon.start();
    await expect.poll(() => snapshots.at(-1)?.sync.state, { timeout: 10_000 }).toBe('live');
    const live = snapshots.at(-1) as DaemonSnapshot;
    expect(live).toMatchObject({ version: 1, pid: 4242, npub: peer.npub });
    expect(live.relays.map((r) => [r.url, r.connected])).toEqual([
      ['wss://a.memory.invalid', true],
      ['wss://b.memory.invalid', false],
    ]);
    expect(events).toEqual(expect.arrayContaining(['starting', 'started', 'relay-down', 'synced']));
    expect(await Promise.all([daemon.stop(), daemon.stop()])).toEqual([true, true]);
    expect(closes).toBe(1);
    expect(daemon.state).toBe('stopped');
    expect(snapshots.at(-1)?.state).toBe('stopped');
    expect(events.at(-1)).toBe('stopped');
  });

  it('refuses an interval out of bounds with bad-input', async () => {
    const peer = await newPeer(new MemoryNetwork());
    try {
      expect(() => new PeerDaemon({ peer, mintIntervalSeconds: 1 })).toThrow(
        expect.objectContaining({ code: 'bad-input' }),
      );
      expect(() => new PeerDaemon({ peer, statusIntervalSeconds: 1.5 })).toThrow(
        expect.objectContaining({ code: 'bad-input' }),
      );
    } finally {
      await peer.stop();
    }
  });
});
