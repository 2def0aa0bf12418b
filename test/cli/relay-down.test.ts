/**
 * Relay down (issue 20, item 6): every command that could not reach a relay says so plainly,
 * and everything published is queued in the outbox (persisted, reported as queued). The relay is
 * real: an embedded relay is started, used, then stopped, so its port refuses connections.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import { runCli } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';

const PW = 'correct horse battery staple';
const env = { OTP2P_PASSWORD: PW };

function errorOf(r: { json: unknown[] }): { code: string; message: string } | undefined {
  return (
    r.json.find((j) => (j as { error?: unknown }).error !== undefined) as
      | { error: { code: string; message: string } }
      | undefined
  )?.error;
}

async function identity(relay: string): Promise<{ home: string; npub: string }> {
  const home = join(tmpDir(), 'h');
  expect((await runCli(['init', '--home', home, '--json'], { env })).code).toBe(0);
  expect((await runCli(['config', 'set', 'relays', JSON.stringify([relay]), '--home', home])).code).toBe(0);
  const who = await runCli(['whoami', '--json', '--home', home], { env });
  return { home, npub: (who.json[0] as { npub: string }).npub };
}

describe('relay down', () => {
  it('says so plainly and queues what is published', async () => {
    const relay = await startEmbeddedRelay({ host: '127.0.0.1' });
    const alice = await identity(relay.url);
    const bob = await identity(relay.url);
    const cli = (who: { home: string }, argv: string[]) => runCli([...argv, '--json', '--home', who.home], { env });

    expect((await cli(alice, ['dm', 'send', bob.npub, 'hello bob'])).code).toBe(0);
    const first = await cli(bob, ['dm', 'read']);
    expect(first.code).toBe(0);
    expect(first.json).toEqual([expect.objectContaining({ text: 'hello bob' })]);
    await relay.close();

    // dm read: the stored messages, a warning that they may be stale, exit 1
    const stale = await cli(bob, ['dm', 'read']);
    expect(stale.code).toBe(1);
    // ...and a last JSON line naming the relay that did not answer, so a script cannot take the
    // lines above for the whole inbox.
    expect(stale.json).toEqual([
      expect.objectContaining({ text: 'hello bob' }),
      { incomplete: [expect.objectContaining({ relay: relay.url })] },
    ]);
    expect(stale.stderr).toContain('may be stale');
    expect(stale.stderr).toContain(relay.url);

    // dm send: the recipient's DM relays cannot be looked up, so nothing is guessed at (other relays
    // would learn that a DM exists) and nothing is sent: relay-incomplete naming the relay, exit 1
    const send = await cli(alice, ['dm', 'send', bob.npub, 'are you there?']);
    expect(send.code).toBe(1);
    expect(send.json).toEqual([
      { error: expect.objectContaining({ code: 'relay-incomplete', message: expect.stringContaining(relay.url) }) },
    ]);

    // catalog publish: queued in the outbox, reported as queued
    const pub = await cli(alice, ['catalog', 'publish', '--notary', 'otxAAA', '--unit', 'USD@otxAAA:USD', '--force']);
    expect(pub.code).toBe(1);
    expect(pub.json).toEqual([expect.objectContaining({ ok: false, queued: true })]);
    const catalogId = (pub.json[0] as { id: string }).id;
    const outbox = await cli(alice, ['outbox']);
    const items = (outbox.json[0] as { items: Array<{ eventId: string; kind: number; status: string }> }).items;
    expect(items).toEqual(
      expect.arrayContaining([expect.objectContaining({ eventId: catalogId, kind: 11560, status: 'pending' })]),
    );
    // ...and no gift wrap: the refused DM was never queued.
    expect(items.filter((i) => i.kind === 1059)).toEqual([]);

    // outbox drop: the user gives up on the queued catalog (a listed prefix is enough)
    const drop = await cli(alice, ['outbox', 'drop', catalogId.slice(0, 16)]);
    expect([drop.code, drop.json[0]]).toEqual([0, { eventId: catalogId, dropped: 1 }]);
    const after = (await cli(alice, ['outbox'])).json[0] as { items: Array<{ eventId: string }> };
    expect(after.items.map((i) => i.eventId)).not.toContain(catalogId);
    expect(errorOf(await cli(alice, ['outbox', 'drop', catalogId]))).toMatchObject({ code: 'not-found' });
    expect(errorOf(await cli(alice, ['outbox', 'drop', 'zz']))).toMatchObject({ code: 'bad-input' });
    expect(errorOf(await cli(alice, ['outbox', 'drop']))).toMatchObject({ code: 'usage' });

    // reads: a relay that did not answer is named, never "not found"
    for (const argv of [
      ['catalog', 'show', bob.npub],
      ['route', '--to', bob.npub, '--amount', '10'],
      ['negotiate', bob.npub, '--unit', 'USD@otxAAA:USD'],
    ]) {
      const r = await cli(alice, argv);
      expect([argv[0], r.code]).toEqual([argv[0], 1]);
      expect(errorOf(r)).toMatchObject({ code: 'relay-incomplete' });
      expect(errorOf(r)?.message).toContain(relay.url);
    }
  }, 120_000);
});
