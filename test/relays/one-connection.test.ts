/**
 * One connection per relay per process: a relay spelled two ways (`--relay WS://h:p/`, a
 * recipient's list saying `ws://h:p`) is one relay, and a command's parts (messenger, outbox,
 * lookups) share the peer's one pool. Counted on the embedded relay's accepted connections.
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
import { runCli } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { makeEvent, newKey } from './_helpers.ts';

const PW = 'correct horse battery staple';

describe('one connection per relay', () => {
  let relay: EmbeddedRelay;
  let otherSpelling: string;
  beforeAll(async () => {
    relay = await startEmbeddedRelay();
    otherSpelling = `WS://127.0.0.1:${relay.port}/`;
  });
  afterAll(async () => {
    await relay.close();
  });

  it('a pool given one relay spelled two ways opens one connection and keys it canonically', async () => {
    const before = relay.stats().connectionsAccepted;
    const pool = new RelayPool({ relays: [otherSpelling], fetchLimits: false });
    try {
      const ev = makeEvent(newKey());
      expect(await pool.publish(ev, [relay.url, otherSpelling])).toEqual([
        { relay: relay.url, ok: true, code: 'ok', message: '' },
      ]);
      expect(await queryEvents(pool, [{ ids: [ev.id] }], 5_000)).toEqual({ events: [ev], incomplete: [] });
      expect(pool.isConnected(otherSpelling)).toBe(true);
      expect(Object.keys(pool.stats())).toEqual([relay.url]);
    } finally {
      await pool.close();
    }
    expect(relay.stats().connectionsAccepted - before).toBe(1);
  });

  it('dm send with --relay spelled otherwise than the recipient lists it: one connection for the whole command', async () => {
    const alice = join(tmpDir(), 'alice');
    createVault(join(alice, 'vault.json'), generateMnemonic(), PW, { logN: 4 });
    const bob = createVault(join(tmpDir(), 'bob', 'vault.json'), generateMnemonic(), PW, { logN: 4 });
    const setup = new RelayPool({ relays: [relay.url], fetchLimits: false });
    await setup.publish(
      signEvent(buildDmRelaysEvent([relay.url], Math.floor(Date.now() / 1000)), bob.secretKey, bob.pubkey),
    );
    await setup.close();
    const before = relay.stats().connectionsAccepted;
    const r = await runCli(
      ['dm', 'send', npubEncode(bob.pubkey), 'hello', '--relay', otherSpelling, '--home', alice, '--json'],
      { env: { OTP2P_PASSWORD: PW } },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.json[0]).toMatchObject({ ok: true, source: 'dm-relays' });
    expect(relay.stats().connectionsAccepted - before).toBe(1);
  });
});
