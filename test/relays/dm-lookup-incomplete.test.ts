/**
 * `dm send` falls back from the recipient's DM relays (kind 10050) only after a complete lookup
 * said there are none. A relay that did not answer may hold the list (nostream drops early REQs):
 * guessing would hand the wrap to relays the recipient does not read, and tell them a DM exists.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDmRelaysEvent } from '../../src/events/dm-relays.ts';
import { signEvent } from '../../src/events/sign.ts';
import { createVault } from '../../src/keys/vault.ts';
import { generateMnemonic } from '../../src/keys/mnemonic.ts';
import { npubEncode } from '../../src/keys/nip19.ts';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import type { EmbeddedRelay } from '../../src/relays/embedded.ts';
import { RelayPool } from '../../src/relays/pool.ts';
import { queryEvents } from '../../src/relays/query.ts';
import { FaultProxy } from '../helpers/fault-proxy.ts';
import { runCli } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';

const PW = 'correct horse battery staple';
const env = { OTP2P_PASSWORD: PW };

describe('dm send when the DM relay lookup got no full answer', () => {
  let silent: EmbeddedRelay;
  let other: EmbeddedRelay;
  let proxy: FaultProxy;
  beforeAll(async () => {
    silent = await startEmbeddedRelay();
    other = await startEmbeddedRelay();
    proxy = await FaultProxy.start(silent.url);
  });
  afterAll(async () => {
    await proxy.close();
    await silent.close();
    await other.close();
  });

  it('exits 1 with relay-incomplete naming the silent relay, and hands the wrap to no relay', async () => {
    const aliceHome = join(tmpDir(), 'alice');
    createVault(join(aliceHome, 'vault.json'), generateMnemonic(), PW, { logN: 4 });
    const bobHome = join(tmpDir(), 'bob');
    const bob = createVault(join(bobHome, 'vault.json'), generateMnemonic(), PW, { logN: 4 });
    // Bob's DM relay list is on the relay behind the proxy, which then drops every REQ unanswered.
    const setup = new RelayPool({ relays: [silent.url], fetchLimits: false });
    const [stored] = await setup.publish(
      signEvent(buildDmRelaysEvent([silent.url], Math.floor(Date.now() / 1000)), bob.secretKey, bob.pubkey),
    );
    await setup.close();
    expect(stored).toMatchObject({ ok: true });
    proxy.dropClientFrames = (m) => m[0] === 'REQ';
    const r = await runCli(
      [
        'dm',
        'send',
        npubEncode(bob.pubkey),
        'hello',
        '--relay',
        proxy.url,
        '--relay',
        other.url,
        '--home',
        aliceHome,
        '--json',
      ],
      { env },
    );
    expect(r.code, r.stderr).toBe(1);
    const err = (r.json[0] as { error: { code: string; context: { incomplete: { relay: string; reason: string }[] } } })
      .error;
    expect(err.code).toBe('relay-incomplete');
    expect(err.context.incomplete).toEqual([{ relay: proxy.url, reason: 'no-answer', message: expect.any(String) }]);
    expect(r.stderr).toContain(`relay-incomplete`);
    expect(r.stderr).toContain(proxy.url);
    // Nothing went anywhere: neither the relay that answered nor the silent one holds a wrap.
    proxy.dropClientFrames = () => false;
    const reader = new RelayPool({
      relays: [other.url, silent.url],
      fetchLimits: false,
      signer: (t) => signEvent(t, bob.secretKey, bob.pubkey),
    });
    const wraps = await queryEvents(reader, [{ kinds: [1059], '#p': [bob.pubkey] }], 10_000);
    await reader.close();
    expect(wraps).toEqual({ events: [], incomplete: [] });
  });
});
