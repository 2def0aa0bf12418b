/**
 * `otp2p relays set|publish`: the relays are stored in the configuration and published as NIP-65
 * (kind 10002) and NIP-17 DM relay (kind 10050) lists, read back and verified by nostr-tools from
 * real embedded relays, including the relay configured before (whoever looks there learns the move).
 */
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { verifyEvent } from 'nostr-tools/pure';
import type { Event as NtEvent } from 'nostr-tools/pure';
import { SimplePool, useWebSocketImplementation } from 'nostr-tools/pool';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVault } from '../../src/keys/vault.ts';
import { generateMnemonic } from '../../src/keys/mnemonic.ts';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import type { EmbeddedRelay } from '../../src/relays/embedded.ts';
import { runCli } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';

useWebSocketImplementation(WebSocket);

const PW = 'correct horse battery staple';
const env = { OTP2P_PASSWORD: PW };
let old: EmbeddedRelay;
let a: EmbeddedRelay;
let b: EmbeddedRelay;
let home: string;
let pubkey: string;

async function newest(url: string, kind: number): Promise<NtEvent | undefined> {
  const pool = new SimplePool();
  try {
    const events = await pool.querySync([url], { kinds: [kind], authors: [pubkey] }, { maxWait: 5000 });
    const fresh = events.map((e) => JSON.parse(JSON.stringify(e)) as NtEvent);
    for (const e of fresh) expect(verifyEvent(e)).toBe(true);
    return fresh.sort((x, y) => y.created_at - x.created_at)[0];
  } finally {
    pool.destroy();
  }
}

beforeAll(async () => {
  const dir = tmpDir();
  [old, a, b] = await Promise.all([startEmbeddedRelay({}), startEmbeddedRelay({}), startEmbeddedRelay({})]);
  home = join(dir, 'home');
  await runCli(['config', 'set', 'relays', JSON.stringify([old.url]), '--home', home]);
  pubkey = createVault(join(home, 'vault.json'), generateMnemonic(), PW, { logN: 10 }).pubkey;
});
afterAll(async () => {
  for (const r of [old, a, b]) await r?.close();
});

describe('otp2p relays', () => {
  it('set: stores the relays and publishes kind 10002 and 10050 to them and to the old ones', async () => {
    // A trailing slash and a repeat: stored once, in canonical form.
    const r = await runCli(['relays', 'set', `${a.url}/`, b.url, a.url, '--home', home, '--json'], { env });
    expect(r.stderr).not.toContain(PW);
    expect(r.code).toBe(0);
    const config = JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')) as { relays: string[] };
    expect(config.relays).toEqual([a.url, b.url]);
    for (const url of [a.url, b.url, old.url]) {
      expect((await newest(url, 10002))?.tags).toEqual([
        ['r', a.url],
        ['r', b.url],
      ]);
      expect((await newest(url, 10050))?.tags).toEqual([
        ['relay', a.url],
        ['relay', b.url],
      ]);
    }
  });

  it('publish: republishes both lists from the configuration', async () => {
    const before = await newest(a.url, 10002);
    const r = await runCli(['relays', 'publish', '--home', home, '--json'], { env });
    expect(r.code).toBe(0);
    const [out] = r.json as Array<{ events: Array<{ id: string; kind: number; delivered: boolean }> }>;
    expect(out?.events.map((e) => [e.kind, e.delivered])).toEqual([
      [10002, true],
      [10050, true],
    ]);
    // Even within the same second the new list replaces the old one: created_at rises past it.
    const after = await newest(a.url, 10002);
    expect(after?.id).toBe(out?.events[0]?.id);
    expect(after?.created_at).toBeGreaterThan(before?.created_at ?? 0);
  });

  it('set refuses a URL that is not a relay URL, naming it, and changes nothing', async () => {
    const r = await runCli(['relays', 'set', a.url, 'https://relay.example.com', '--home', home, '--json'], { env });
    expect(r.code).toBe(2);
    expect((r.json[0] as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'bad-relay-url',
      message: expect.stringContaining('<url>[1]'),
    });
    const config = JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')) as { relays: string[] };
    expect(config.relays).toEqual([a.url, b.url]);
  });
});
