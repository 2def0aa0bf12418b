/**
 * The daemon on nostream: a DM arrives live, and again after a real relay restart (nostream
 * stopped and started; the REQ re-sent on the new connection may be dropped early and must be
 * sent again). The restart is of a nostream of this file's own (port 8010), so the shared ones
 * other files use are never disturbed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PeerDaemon } from '../../src/daemon/daemon.ts';
import type { DaemonSnapshot } from '../../src/daemon/snapshot.ts';
import { signEvent } from '../../src/events/sign.ts';
import { deriveIdentity } from '../../src/keys/identity.ts';
import { generateMnemonic } from '../../src/keys/mnemonic.ts';
import type { ChatMessage } from '../../src/messaging/nip17.ts';
import { createPeer } from '../../src/peer.ts';
import type { Peer } from '../../src/peer.ts';
import { RelayPool } from '../../src/relays/pool.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { NOSTREAM_SKIP, startOwnNostream, stopNostream } from './_nostream.ts';

const PORT = 8010;

async function until(cond: () => boolean, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(NOSTREAM_SKIP !== undefined)('nostream: the daemon receives DMs live, across a relay restart', () => {
  let url: string;
  beforeAll(() => {
    url = startOwnNostream(PORT);
  }, 200_000);
  afterAll(async () => {
    await stopNostream(PORT);
  });

  async function send(from: Peer, to: string, text: string): Promise<void> {
    await from.dms.send(to, text);
    await from.flush();
  }

  it('a DM arrives live; nostream restarts; the next DM arrives live too', async () => {
    const bobId = deriveIdentity(generateMnemonic());
    const transport = new RelayPool({
      relays: [url],
      signer: (t) => signEvent(t, bobId.secretKey, bobId.pubkey),
      // Reconnect soon after the restart (the default backoff grows to 30 s).
      connection: { backoff: { baseMs: 200, maxMs: 2_000 } },
      reqRetryMs: 1_000,
    });
    const bob = await createPeer({ home: tmpDir(), identity: bobId, transport, relays: [url] });
    const alice = await createPeer({ home: tmpDir(), identity: deriveIdentity(generateMnemonic()), relays: [url] });
    const got: ChatMessage[] = [];
    bob.on('dm', (m) => void got.push(m));
    const snapshots: DaemonSnapshot[] = [];
    const daemon = new PeerDaemon({
      peer: bob,
      statusIntervalSeconds: 1,
      onSnapshot: (s) => void snapshots.push(s),
      close: async () => {
        await bob.stop();
        await transport.close();
      },
    });
    try {
      await daemon.start();
      await until(() => transport.isConnected(url) && transport.unconfirmed().length === 0, 'the inbox confirmed');
      await send(alice, bob.pubkey, 'before the restart');
      await until(() => got.some((m) => m.text === 'before the restart'), 'the first DM, live');

      await stopNostream(PORT);
      await until(() => !transport.isConnected(url), 'the connection dropped', 15_000);
      startOwnNostream(PORT);
      await until(
        () => transport.isConnected(url) && transport.unconfirmed().length === 0,
        'the inbox confirmed again',
      );
      await until(
        () => snapshots.at(-1)?.relays.find((r) => r.url === url)?.degraded === false,
        'status: the relay healthy again',
        15_000,
      );
      await send(alice, bob.pubkey, 'after the restart');
      await until(() => got.some((m) => m.text === 'after the restart'), 'the second DM, live');
      expect(got.map((m) => [m.sender, m.text])).toEqual([
        [alice.pubkey, 'before the restart'],
        [alice.pubkey, 'after the restart'],
      ]);
    } finally {
      await daemon.stop();
      await alice.stop();
    }
  }, 180_000);
});
