/**
 * Gift wraps are signed by one-time keys. A relay that requires the author to authenticate before
 * a publish (nostream's `nip42.authRequired`) takes them only after an AUTH as that key, also when
 * the wrap goes through the persistent outbox (`dm send`); a relay that refuses gift wraps by
 * policy is named to the sender, and the recipient's other DM relays still get the wrap.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDmRelaysEvent } from '../../src/events/dm-relays.ts';
import { signEvent } from '../../src/events/sign.ts';
import type { NostrEvent } from '../../src/events/types.ts';
import { createVault } from '../../src/keys/vault.ts';
import { generateMnemonic } from '../../src/keys/mnemonic.ts';
import { npubEncode } from '../../src/keys/nip19.ts';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import type { EmbeddedRelay } from '../../src/relays/embedded.ts';
import { RelayPool } from '../../src/relays/pool.ts';
import { FaultProxy } from '../helpers/fault-proxy.ts';
import { runCli } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';

const PW = 'correct horse battery staple';
const env = { OTP2P_PASSWORD: PW };

function home(): { home: string; pubkey: string; secretKey: Uint8Array } {
  const h = join(tmpDir(), 'home');
  const id = createVault(join(h, 'vault.json'), generateMnemonic(), PW, { logN: 4 });
  return { home: h, pubkey: id.pubkey, secretKey: id.secretKey };
}

async function listDmRelays(url: string, who: { pubkey: string; secretKey: Uint8Array }, relays: string[]) {
  const pool = new RelayPool({ relays: [url], fetchLimits: false });
  const [r] = await pool.publish(
    signEvent(buildDmRelaysEvent(relays, Math.floor(Date.now() / 1000)), who.secretKey, who.pubkey),
  );
  await pool.close();
  expect(r).toMatchObject({ ok: true });
}

describe('gift wraps at relays with a policy', () => {
  let relay: EmbeddedRelay;
  let refusing: EmbeddedRelay;
  beforeAll(async () => {
    relay = await startEmbeddedRelay();
    refusing = await startEmbeddedRelay({ refusedKinds: [1059] });
  });
  afterAll(async () => {
    await relay.close();
    await refusing.close();
  });

  it('dm send through the outbox AUTHs as the one-time key where the author must authenticate, never as the sender', async () => {
    // The FaultProxy plays nostream's nip42.authRequired: an EVENT is taken only from a
    // connection authenticated as its author.
    const proxy = await FaultProxy.start(relay.url);
    const authed = new Set<string>();
    const challenge = 'author-must-auth';
    proxy.dropClientFrames = (m, client) => {
      if (m[0] === 'AUTH') {
        const ev = m[1] as NostrEvent;
        const ok = ev.kind === 22242 && ev.tags.some((t) => t[0] === 'challenge' && t[1] === challenge);
        if (ok) authed.add(ev.pubkey);
        client.send(['OK', ev.id, ok, ok ? '' : 'invalid: bad challenge']);
        return true;
      }
      if (m[0] !== 'EVENT' || authed.has((m[1] as NostrEvent).pubkey)) return false;
      client.send(['AUTH', challenge]);
      client.send(['OK', (m[1] as NostrEvent).id, false, 'auth-required: authenticate as the event author']);
      return true;
    };
    try {
      const alice = home();
      const bob = home();
      await listDmRelays(relay.url, bob, [proxy.url]);
      const r = await runCli(
        ['dm', 'send', npubEncode(bob.pubkey), 'hello', '--relay', proxy.url, '--home', alice.home, '--json'],
        { env },
      );
      expect(r.code, r.stderr).toBe(0);
      expect(r.json[0]).toMatchObject({ ok: true, refused: [], relays: [{ relay: proxy.url, ok: true, code: 'ok' }] });
      // The wrap to bob and the copy to alice's own inbox: two one-time keys, never alice's.
      expect(authed.size).toBe(2);
      expect(authed.has(alice.pubkey)).toBe(false);
      const read = await runCli(['dm', 'read', '--relay', relay.url, '--home', bob.home, '--json'], { env });
      expect(read.code, read.stderr).toBe(0);
      expect((read.json as { text: string }[]).map((m) => m.text)).toEqual(['hello']);
    } finally {
      await proxy.close();
    }
  });

  it("a relay refusing gift wraps is named to the sender; the recipient's other DM relay gets the wrap", async () => {
    const alice = home();
    const bob = home();
    await listDmRelays(relay.url, bob, [refusing.url, relay.url]);
    const r = await runCli(
      ['dm', 'send', npubEncode(bob.pubkey), 'hi', 'bob', '--relay', relay.url, '--home', alice.home, '--json'],
      { env },
    );
    expect(r.code, r.stderr).toBe(0);
    const out = r.json[0] as { ok: boolean; refused: string[]; relays: { relay: string; ok: boolean; code: string }[] };
    expect(out.refused).toEqual([refusing.url]);
    expect(out.relays.map((x) => [x.relay, x.ok, x.code]).sort()).toEqual(
      [
        [refusing.url, false, 'blocked'],
        [relay.url, true, 'ok'],
      ].sort(),
    );
    expect(r.stderr).toContain(`warning: relay ${refusing.url} refused the gift wrap by policy (blocked)`);
    const read = await runCli(['dm', 'read', '--relay', relay.url, '--home', bob.home, '--json'], { env });
    expect((read.json as { text: string }[]).map((m) => m.text)).toEqual(['hi bob']);

    const onlyRefusing = home();
    await listDmRelays(relay.url, onlyRefusing, [refusing.url]);
    const none = await runCli(
      ['dm', 'send', npubEncode(onlyRefusing.pubkey), 'hi', '--relay', relay.url, '--home', alice.home, '--json'],
      { env },
    );
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('every DM relay of the recipient refused the gift wrap by policy');
  });
});
