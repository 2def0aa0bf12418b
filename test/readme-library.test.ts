/**
 * The README's Library example is documentation, so it runs here as written: the code block under
 * "## Library" is taken from README.md, its package imports pointed at the sources, and the values
 * a wallet supplies (home, password, relays, OT wallet, friend, payee, a UI) given by a small world
 * on 127.0.0.1: an embedded relay, a simulated notary, a friend (Bob) who converts USD to EUR and
 * follows the payee (Dave). After `peer.follow(friendNpub)` the route goes through Bob and the
 * payment succeeds.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveIdentity } from '../src/keys/identity.ts';
import { generateMnemonic } from '../src/keys/mnemonic.ts';
import { createVault } from '../src/keys/vault.ts';
import { SimulatedNotary } from '../src/otapi/notary.ts';
import { simulatedNotaryLookup } from '../src/payments/adapters/otapi.ts';
import { createPeer } from '../src/peer.ts';
import type { FoundRoute, Peer } from '../src/peer.ts';
import { startEmbeddedRelay } from '../src/relays/embedded.ts';
import type { EmbeddedRelay } from '../src/relays/embedded.ts';
import { PROJECT_ROOT } from './helpers/shared.ts';
import { tmpDir } from './helpers/tmp.ts';

/** The first ```ts block after "## Library" in README.md. */
function libraryExample(): string {
  const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Library\n'));
  const m = /```ts\n([\s\S]*?)```/.exec(section);
  if (!m?.[1]) throw new Error('README.md has no ```ts block under "## Library"');
  return m[1];
}

const PW = 'correct horse battery staple';
let dir: string;
let relay: EmbeddedRelay;
let notary: SimulatedNotary;
let lookup: ReturnType<typeof simulatedNotaryLookup>;
let bob: Peer;
let dave: Peer;

beforeAll(async () => {
  dir = tmpDir();
  relay = await startEmbeddedRelay({ dbPath: join(dir, 'relay.sqlite') });
  notary = SimulatedNotary.open({
    ledgerPath: join(dir, 'ledger.sqlite'),
    units: [
      { name: 'US Dollars', tla: 'USD', factor: 100n, decimalPower: 2 },
      { name: 'Euros', tla: 'EUR', factor: 100n, decimalPower: 2 },
    ],
  });
  lookup = simulatedNotaryLookup({ [notary.id]: join(dir, 'ledger.sqlite') });
  const [usd, eur] = notary.units.map((u) => u.id) as [string, string];
  notary.openAccount('alice', usd, 50_000n);
  notary.openAccount('bob', usd, 0n);
  notary.openAccount('bob', eur, 50_000n);
  notary.openAccount('dave', eur, 0n);
  const make = (name: string): Promise<Peer> =>
    createPeer({
      home: join(dir, name),
      identity: deriveIdentity(generateMnemonic()),
      relays: [relay.url],
      otApi: notary.clientFor(name),
      receiptLookup: lookup,
    });
  bob = await make('bob');
  dave = await make('dave');
  for (const p of [bob, dave]) {
    await p.start();
    await p.announceRelays();
    await p.catalog.publish();
  }
  await bob.offers.publish({
    id: 'bob-usd-eur',
    in: { unit: usd, notary: notary.id },
    out: { unit: eur, notary: notary.id },
    rateNum: 9n,
    rateDen: 10n,
    cutPpm: 0n,
    fee: 0n,
    min: 1n,
    max: 40_000n,
    liquidity: 40_000n,
    expiration: Math.floor(Date.now() / 1000) + 3600,
    status: 'open',
  });
  await bob.follow(dave.npub);
  for (const p of [bob, dave]) await p.flush();
});

afterAll(async () => {
  for (const p of [bob, dave]) await p?.stop();
  lookup?.close();
  notary?.close();
  await relay?.close();
});

describe('README Library example', () => {
  it('runs as written: after peer.follow(friendNpub) it finds a route through the friend and pays it', async () => {
    const home = join(dir, 'alice');
    createVault(join(home, 'vault.json'), generateMnemonic(), PW, { logN: 10 });
    const shown: string[] = [];
    const [usd, eur] = notary.units.map((u) => ({ unit: u.id, notary: notary.id }));
    const world = {
      home,
      password: PW,
      relays: [relay.url],
      otApi: notary.clientFor('alice'),
      receiptLookup: lookup,
      friendNpub: bob.npub,
      usd,
      eur,
      dave: dave.pubkey,
      expiration: Math.floor(Date.now() / 1000) + 3600,
      ui: {
        warn: (s: string) => shown.push(`warn ${s}`),
        showMessage: () => shown.push('dm'),
        updatePayment: (p: { state: string }) => shown.push(`payment ${p.state}`),
      },
    };
    (globalThis as Record<string, unknown>).__readmeWorld = world;
    const src = join(PROJECT_ROOT, 'src');
    const code = libraryExample()
      .replace("from 'otp2p';", `from ${JSON.stringify(pathToFileURL(join(src, 'index.ts')).href)};`)
      .replace("from 'otp2p/keys';", `from ${JSON.stringify(pathToFileURL(join(src, 'keys', 'index.ts')).href)};`);
    expect(code).not.toMatch(/from 'otp2p/);
    const file = join(dir, 'readme-library.ts');
    writeFileSync(
      file,
      `const { ${Object.keys(world).join(', ')} } = (globalThis as any).__readmeWorld;\n${code}\nexport { peer, route, results, verdicts };\n`,
    );
    const ran = (await import(pathToFileURL(file).href)) as {
      peer: Peer;
      route: FoundRoute;
      results: Array<{ state: string }>;
      verdicts: unknown[];
    };
    expect(ran.peer.web().get(bob.pubkey)).toBe(1);
    expect(ran.route.parts.some((p) => p.hops.some((h) => h.to === bob.pubkey))).toBe(true);
    expect(ran.route.receive).toBe(10_000n);
    expect(ran.results.map((r) => r.state)).toEqual(['succeeded']);
    expect(shown).toContain('payment succeeded');
    expect(Array.isArray(ran.verdicts)).toBe(true);
  });
});
