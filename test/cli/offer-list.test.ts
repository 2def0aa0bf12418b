/**
 * `otp2p offer list` without `--events`: one's own offers as the relays hold them (the configured
 * relays and the user's NIP-65 write relays), withdrawals applied, and a relay that did not answer
 * reported (INCOMPLETE, exit 1), never shown as a plausible empty list. Run through the real
 * binary (a child process) on embedded relays over real sockets.
 */
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unixSeconds } from '../../src/core/clock.ts';
import { buildOfferEvent } from '../../src/events/offer.ts';
import { buildRelayListEvent } from '../../src/events/relay-list.ts';
import { signEvent } from '../../src/events/sign.ts';
import { generateMnemonic, mnemonicToSeed } from '../../src/keys/mnemonic.ts';
import { nostrKeyFromSeed } from '../../src/keys/nip06.ts';
import { createVault } from '../../src/keys/vault.ts';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import type { EmbeddedRelay } from '../../src/relays/embedded.ts';
import { RelayPool } from '../../src/relays/pool.ts';
import { runCli, spawnCli } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';

const PW = 'correct horse battery staple';
const env = { OTP2P_PASSWORD: PW };
let relay: EmbeddedRelay;
let writeRelay: EmbeddedRelay;
let dir: string;
let mnemonic: string;
let secretKey: Uint8Array;

/** Run the real binary; collect its output and exit code. */
async function otp2p(argv: string[]): Promise<{ code: number; stdout: string; stderr: string; json: unknown }> {
  const child = spawnCli(argv, env);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  child.stdin?.end();
  const [code] = (await once(child, 'close')) as [number];
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    json = undefined;
  }
  return { code, stdout, stderr, json };
}

/** A data folder of the same identity, on `relays`. */
async function home(name: string, relays: string[]): Promise<string> {
  const h = join(dir, name);
  await runCli(['config', 'set', 'relays', JSON.stringify(relays), '--home', h]);
  createVault(join(h, 'vault.json'), mnemonic, PW, { logN: 10 });
  return h;
}

const offerArgs = (id: string): string[] => [
  'offer',
  'add',
  '--publish',
  '--id',
  id,
  '--in',
  'usd@n1',
  '--out',
  'eur@n1',
  '--rate',
  '92/100',
  '--max',
  '100000',
  '--liquidity',
  '50000',
  '--base-units',
];

beforeAll(async () => {
  dir = tmpDir();
  relay = await startEmbeddedRelay({ dbPath: join(dir, 'relay.sqlite') });
  writeRelay = await startEmbeddedRelay({ dbPath: join(dir, 'write.sqlite') });
  mnemonic = generateMnemonic();
  secretKey = nostrKeyFromSeed(mnemonicToSeed(mnemonic)).secretKey;
});
afterAll(async () => {
  await relay.close();
  await writeRelay.close();
});

type Listed = { offers: Array<{ id: string; status: string }>; incomplete: Array<{ relay: string }> };

describe('otp2p offer list (from the relays)', () => {
  it('shows an offer published from another data folder, then not once it is withdrawn', async () => {
    const laptop = await home('laptop', [relay.url]);
    const add = await runCli([...offerArgs('usd-eur'), '--home', laptop, '--json'], { env });
    expect(add.code).toBe(0);

    // A fresh data folder of the same identity knows only what the relays hold.
    const phone = await home('phone', [relay.url]);
    const listed = await otp2p(['offer', 'list', '--home', phone, '--json']);
    expect(listed.stderr).toBe('');
    expect(listed.code).toBe(0);
    expect((listed.json as Listed).offers.map((o) => [o.id, o.status])).toEqual([['usd-eur', 'open']]);
    expect((listed.json as Listed).incomplete).toEqual([]);
    const human = await runCli(['offer', 'list', '--home', phone], { env });
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('usd-eur');
    expect(human.stderr).toContain('1 offer(s)');

    const w = await runCli(['offer', 'withdraw', '--publish', '--id', 'usd-eur', '--home', laptop, '--json'], { env });
    expect(w.code).toBe(0);
    // The phone held the offer from its last list: the relays' deletion removes it there too.
    const after = await otp2p(['offer', 'list', '--home', phone, '--json']);
    expect(after.code).toBe(0);
    expect((after.json as Listed).offers).toEqual([]);
    // And on the laptop, which withdrew it.
    const here = await runCli(['offer', 'list', '--home', laptop, '--json'], { env });
    expect((here.json[0] as Listed).offers).toEqual([]);
    const said = await runCli(['offer', 'list', '--home', laptop], { env });
    expect(said.stdout).toBe('no offers published\n');
    expect(said.stderr).not.toContain('offer(s)'); // not "0 offer(s)" after the sentence
  });

  it('reads the NIP-65 write relays too (an offer only there is listed)', async () => {
    const now = unixSeconds();
    const pool = new RelayPool({ relays: [relay.url, writeRelay.url] });
    try {
      const list = signEvent(
        buildRelayListEvent(
          [
            { url: relay.url, read: true, write: true },
            { url: writeRelay.url, read: false, write: true },
          ],
          now,
        ),
        secretKey,
      );
      const offer = signEvent(
        buildOfferEvent(
          {
            id: 'only-there',
            in: { unit: 'usd', notary: 'n1' },
            out: { unit: 'eur', notary: 'n1' },
            rateNum: 92n,
            rateDen: 100n,
            cutPpm: 0n,
            fee: 0n,
            min: 0n,
            max: 1000n,
            liquidity: 1000n,
            expiration: now + 3600,
            status: 'open',
          },
          now,
        ),
        secretKey,
      );
      expect((await pool.publish(list, [relay.url]))[0]).toMatchObject({ ok: true });
      expect((await pool.publish(offer, [writeRelay.url]))[0]).toMatchObject({ ok: true });
    } finally {
      await pool.close();
    }
    const tablet = await home('tablet', [relay.url]);
    const r = await otp2p(['offer', 'list', '--home', tablet, '--json']);
    expect(r.code).toBe(0);
    expect((r.json as Listed).offers.map((o) => o.id)).toEqual(['only-there']);
  });

  it('a relay that does not answer is INCOMPLETE with exit 1, not an empty list', async () => {
    // A port nothing listens on: the connection is refused at once.
    const srv = createServer();
    srv.listen(0, '127.0.0.1');
    await once(srv, 'listening');
    const port = (srv.address() as { port: number }).port;
    srv.close();
    await once(srv, 'close');
    const down = `ws://127.0.0.1:${port}`;
    const h = await home('down', [down]);
    const r = await otp2p(['offer', 'list', '--home', h, '--json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('INCOMPLETE');
    expect(r.stderr).toContain(`127.0.0.1:${port}`);
    expect((r.json as Listed).incomplete.map((g) => g.relay)).toEqual([down]);
    const human = await runCli(['offer', 'list', '--home', h], { env });
    expect(human.code).toBe(1);
    expect(human.stderr).toContain('INCOMPLETE');
    expect(human.stdout).toBe('no offers found (some relays did not answer)\n');
  });
});
