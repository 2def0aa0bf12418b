/**
 * The CLI flow of a user whose key lives in a NIP-46 remote signer, through a payment: Alice's
 * identity is NDK's `NDKNip46Backend` (an implementation nobody here wrote) on the embedded relay;
 * she pairs with `otp2p init --bunker-stdin`, publishes her relay lists and follows Bob with the
 * CLI (signed by the bunker), then `otp2p pay` pays Dave EUR through Bob's USD -> EUR offer, every
 * payment message sealed and opened by the bunker. Bob and Dave open their data folders exactly as
 * every CLI command does (`openPeer`) and keep their peers started.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandContext } from '../../src/cli/command.ts';
import { Home } from '../../src/cli/home.ts';
import { openPeer } from '../../src/cli/peer.ts';
import { hexToBytes } from '../../src/core/bytes.ts';
import { getPublicKey } from '../../src/events/sign.ts';
import { npubEncode } from '../../src/keys/nip19.ts';
import { ledgerAccounts } from '../../src/otapi/notary-dir.ts';
import type { Peer } from '../../src/peer.ts';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import type { EmbeddedRelay } from '../../src/relays/embedded.ts';
import { startBunker } from '../helpers/bunker.ts';
import type { TestBunker } from '../helpers/bunker.ts';
import { runCli } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { usdEurOffer } from '../helpers/usd-eur-notary.ts';

const ALICE_SK = hexToBytes('5c'.repeat(32));
const ALICE = getPublicKey(ALICE_SK);
const SECRET = 'bunker-pay-secret';
const PW = 'bunker pay password, long enough';
const env = { OTP2P_PASSWORD: PW };

/** The kind of the event a `sign_event` request carries (NDK hands over the request's params). */
function kindOf(params: unknown): number {
  try {
    const raw: unknown = Array.isArray(params) ? params[0] : params;
    const ev = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { kind?: unknown } | undefined;
    return typeof ev?.kind === 'number' ? ev.kind : -1;
  } catch {
    return -1;
  }
}

async function cli(argv: string[], home: string, stdin?: string): Promise<Record<string, unknown>> {
  const r = await runCli([...argv, '--json', '--home', home], { env, ...(stdin !== undefined ? { stdin } : {}) });
  const out = (r.json[0] as Record<string, unknown> | undefined) ?? {};
  return { ...out, exitCode: r.code, stderr: r.stderr };
}

describe('otp2p pay through a hop with a NIP-46 remote signer as the identity', () => {
  const root = tmpDir('otp2p-bunker-pay-');
  const notaryDir = join(root, 'notary');
  const homes = { alice: join(root, 'alice'), bob: join(root, 'bob'), dave: join(root, 'dave') };
  let relay: EmbeddedRelay;
  let remote: TestBunker;
  const signed: number[] = [];
  const running: Array<{ peer: Peer; close: () => Promise<void> }> = [];
  const units: Record<string, string> = {};
  let notaryId = '';

  /** A data folder opened as every CLI command opens it. */
  const open = (home: string): Promise<{ peer: Peer; close: () => Promise<void> }> => {
    const ctx: CommandContext = {
      options: {},
      args: {},
      json: true,
      home: Home.resolve(home, {}),
      relays: undefined,
      io: { stdout: () => {}, stderr: () => {}, stdin: async function* () {}, isTTY: false, env },
      signal: new AbortController().signal,
    };
    return openPeer(ctx);
  };

  beforeAll(async () => {
    relay = await startEmbeddedRelay({ host: '127.0.0.1', port: 0, dbPath: join(root, 'relay.sqlite') });
    remote = await startBunker({
      relayUrl: relay.url,
      secretKey: ALICE_SK,
      secret: SECRET,
      permit: (p) => {
        if (p.method === 'sign_event') signed.push(kindOf(p.params));
        return true;
      },
    });

    const n = await cli(['notary', 'init', notaryDir, '--unit', 'USD', '--unit', 'EUR'], root);
    notaryId = n.id as string;
    for (const u of n.units as Array<{ id: string; tla: string }>) units[u.tla] = u.id;
    for (const [owner, unit, fund] of [
      ['alice', 'USD', '100000'],
      ['bob', 'USD', '0'],
      ['bob', 'EUR', '50000'],
      ['dave', 'EUR', '0'],
    ] as const) {
      expect(
        (await cli(['notary', 'account', notaryDir, '--owner', owner, '--unit', unit, '--fund', fund], root)).exitCode,
      ).toBe(0);
    }

    const uri = remote.uri();
    const init = await cli(['init', '--bunker-stdin', '--password-stdin'], homes.alice, `${uri}\n${PW}\n`);
    expect(init.exitCode, String(init.stderr)).toBe(0);
    for (const name of ['bob', 'dave'] as const) expect((await cli(['init'], homes[name])).exitCode).toBe(0);
    for (const name of ['alice', 'bob', 'dave'] as const) {
      for (const [k, v] of [
        ['relays', JSON.stringify([relay.url])],
        ['simulatedNotaries', JSON.stringify([notaryDir])],
        ['otUser', name],
      ] as const) {
        expect((await cli(['config', 'set', k, v], homes[name])).exitCode).toBe(0);
      }
    }
    const bob = await open(homes.bob);
    const dave = await open(homes.dave);
    running.push(bob, dave);
    for (const p of [bob.peer, dave.peer]) {
      await p.start();
      await p.announceRelays();
      await p.catalog.publish();
    }
    await bob.peer.follow([ALICE, dave.peer.pubkey]);
    await dave.peer.follow(bob.peer.pubkey);
    await bob.peer.offers.publish(usdEurOffer(units.USD as string, units.EUR as string, notaryId));
    for (const p of [bob.peer, dave.peer]) await p.flush();
    for (const p of [bob.peer, dave.peer]) await p.sync({ live: true });

    // Alice, through the bunker: her relay lists (so Bob and Dave can answer her), then her friend.
    const lists = await cli(['relays', 'publish'], homes.alice);
    expect(lists.exitCode, JSON.stringify(lists)).toBe(0);
    const follow = await cli(['follow', 'add', npubEncode(bob.peer.pubkey), '--name', 'bob'], homes.alice);
    expect(follow.exitCode, String(follow.stderr)).toBe(0);
  }, 180_000);

  afterAll(async () => {
    for (const r of running) await r.close();
    remote?.stop();
    await relay?.close();
  }, 30_000);

  it('pays Dave 10.00 EUR through Bob: the ledgers move, and every event Alice signed was signed by the bunker', async () => {
    const dave = running[1]?.peer as Peer;
    const balance = (owner: string, tla: string): bigint =>
      ledgerAccounts(notaryDir, owner).find((a) => a.unitId === units[tla])?.balance ?? 0n;
    const pay = await cli(
      ['pay', '--to', npubEncode(dave.pubkey), '--amount', '10.00', '--unit', 'EUR', '--max-fee', '1.00'],
      homes.alice,
    );
    expect(pay, String(pay.stderr)).toMatchObject({ exitCode: 0, state: 'succeeded' });
    expect(balance('dave', 'EUR')).toBe(1_000n);
    // ceil((1000 + 5) / (1 - 0.001)) = 1,007 USD for Bob's 1,000 EUR.
    expect(balance('bob', 'USD')).toBe(1_007n);
    expect(balance('alice', 'USD')).toBe(100_000n - 1_007n);
    // The bunker signed Alice's relay lists, her follow list and her seals (kind 13).
    expect(signed).toEqual(expect.arrayContaining([10002, 10050, 3, 13]));
  }, 120_000);
});
