/**
 * The daemon's status over real sockets: a relay that never confirms the inbox subscription (its
 * REQ dropped, as nostream does early on a connection; FaultProxy in front of the embedded relay)
 * is shown degraded although connected, and events it sent that fail verification are counted by
 * code. The forged event is the FaultProxy's: a real relay will not send a bad signature.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PeerDaemon } from '../../src/daemon/daemon.ts';
import type { DaemonSnapshot } from '../../src/daemon/snapshot.ts';
import { Kind } from '../../src/events/kinds.ts';
import { deriveIdentity } from '../../src/keys/identity.ts';
import { generateMnemonic } from '../../src/keys/mnemonic.ts';
import { createPeer } from '../../src/peer.ts';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import type { EmbeddedRelay } from '../../src/relays/embedded.ts';
import { RelayPool } from '../../src/relays/pool.ts';
import { FaultProxy } from '../helpers/fault-proxy.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { makeEvent, newKey } from '../relays/_helpers.ts';

/** Whether a client frame is a REQ asking for gift wraps (the messenger's inbox). */
function inboxReq(m: unknown[]): boolean {
  return (
    m[0] === 'REQ' &&
    m
      .slice(2)
      .some(
        (f) =>
          typeof f === 'object' &&
          f !== null &&
          Array.isArray((f as { kinds?: unknown }).kinds) &&
          (f as { kinds: number[] }).kinds.includes(Kind.GiftWrap),
      )
  );
}

describe('daemon status: unconfirmed subscriptions and dropped events', () => {
  let relay: EmbeddedRelay;
  let proxy: FaultProxy;
  beforeAll(async () => {
    relay = await startEmbeddedRelay();
    proxy = await FaultProxy.start(relay.url);
  });
  afterAll(async () => {
    await proxy.close();
    await relay.close();
  });

  it('shows a connected relay that never confirmed the inbox as degraded, and counts a forged event as bad-sig', async () => {
    proxy.dropClientFrames = inboxReq;
    let forged = false;
    proxy.fromRelay = (m, c) => {
      if (m[0] === 'EOSE' && !forged) {
        forged = true;
        const e = makeEvent(newKey());
        c.send(['EVENT', m[1], { ...e, sig: e.sig.replace(/^./, e.sig[0] === '0' ? '1' : '0') }]);
      }
      return 'pass';
    };
    const transport = new RelayPool({
      relays: [proxy.url],
      connection: { backoff: { baseMs: 20, maxMs: 200 } },
      fetchLimits: false,
      reqRetryMs: 100,
      reqRetries: 1,
    });
    const peer = await createPeer({
      home: tmpDir(),
      identity: deriveIdentity(generateMnemonic()),
      transport,
      relays: [proxy.url],
    });
    const snapshots: DaemonSnapshot[] = [];
    const daemon = new PeerDaemon({ peer, statusIntervalSeconds: 1, onSnapshot: (s) => snapshots.push(s) });
    try {
      await daemon.start();
      await expect
        .poll(() => snapshots.at(-1)?.relays[0], { timeout: 15_000 })
        .toMatchObject({ connected: true, degraded: true, failures: { invalidByCode: { 'bad-sig': 1 } } });
      const r = (await daemon.snapshot()).relays[0];
      expect(r?.unconfirmed).toHaveLength(1);
      expect(proxy.droppedClientFrames).toBeGreaterThan(0);

      // Once the relay answers the inbox REQ again (after a reconnect), it is no longer degraded.
      proxy.dropClientFrames = () => false;
      transport.disconnect(proxy.url);
      await expect
        .poll(async () => (await daemon.snapshot()).relays[0], { timeout: 15_000 })
        .toMatchObject({ connected: true, degraded: false, unconfirmed: [] });
    } finally {
      await daemon.stop();
    }
  });
});
