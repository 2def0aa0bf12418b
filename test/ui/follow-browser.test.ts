/**
 * Follow and unfollow from the graph page in a real browser (Debian's Chromium via playwright-core)
 * over a real Peer and an embedded relay on 127.0.0.1: type an npub and a name, press Follow, the
 * friend appears in "People you follow" with its offer; press Unfollow, it is gone.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveIdentity } from '../../src/keys/identity.ts';
import { generateMnemonic } from '../../src/keys/mnemonic.ts';
import { createPeer } from '../../src/peer.ts';
import type { Peer } from '../../src/peer.ts';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import type { EmbeddedRelay } from '../../src/relays/embedded.ts';
import { PeerDashboardBackend } from '../../src/ui/peer-backend.ts';
import { startDashboardServer } from '../../src/ui/server.ts';
import type { DashboardServer } from '../../src/ui/server.ts';
import { PROJECT_ROOT } from '../helpers/shared.ts';
import { tmpDir } from '../helpers/tmp.ts';

const CHROMIUM = '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
/** As in browser.test.ts: headless, no sandbox (containers), no background traffic to any host. */
const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe.skipIf(!HAS_CHROMIUM)('graph page: follow and unfollow in Chromium', () => {
  let relay: EmbeddedRelay;
  let alice: Peer;
  let bob: Peer;
  let server: DashboardServer;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    const dir = tmpDir('otp2p-ui-follow-browser-');
    const outDir = join(dir, 'ui');
    const built = build({
      configFile: join(PROJECT_ROOT, 'ui', 'vite.config.ts'),
      logLevel: 'error',
      build: { outDir, emptyOutDir: true },
    });
    relay = await startEmbeddedRelay({ dbPath: join(dir, 'relay.sqlite') });
    const make = (name: string): Promise<Peer> =>
      createPeer({ home: join(dir, name), identity: deriveIdentity(generateMnemonic()), relays: [relay.url] });
    alice = await make('alice');
    bob = await make('bob');
    await bob.offers.publish({
      id: 'usd-eur',
      in: { unit: 'usd', notary: 'n1' },
      out: { unit: 'eur', notary: 'n1' },
      rateNum: 9n,
      rateDen: 10n,
      cutPpm: 0n,
      fee: 0n,
      min: 1n,
      max: 100n,
      liquidity: 100n,
      expiration: Math.floor(Date.now() / 1000) + 3600,
      status: 'open',
    });
    await bob.flush();
    await alice.start();
    await built;
    server = await startDashboardServer({
      backend: new PeerDashboardBackend(alice, { names: { [bob.pubkey]: 'Bob' } }),
      staticDir: outDir,
      port: 0,
    });
    context = await chromium.launchPersistentContext(tmpDir('otp2p-chromium-'), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(String(e)));
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await server?.close();
    await alice?.stop();
    await bob?.stop();
    await relay?.close();
  }, 60_000);

  it('follows by npub with a name, shows the friend with its offer, then unfollows', async () => {
    await page.goto(`${server.url}?token=${server.token}#/graph`);
    await page.locator('#follow-form').waitFor();
    expect(await page.locator('#follows-h').textContent()).toBe('People you follow (0)');
    await page.fill('#follow-target', bob.npub);
    await page.fill('#follow-petname', 'Bob');
    await page.click('#follow-form button[type=submit]');
    // The page redraws on the graph event; the friend's offer came with the follow (no sync).
    await page.locator(`#follows-table button[data-pubkey="${bob.pubkey}"]`).waitFor();
    expect(await page.locator('#follows-h').textContent()).toBe('People you follow (1)');
    expect(await page.locator('#follows-table tbody tr td').nth(1).textContent()).toBe('1');
    expect(alice.web().get(bob.pubkey)).toBe(1);

    await page.click(`#follows-table button[data-pubkey="${bob.pubkey}"]`);
    await page.locator('#follows-table').waitFor({ state: 'detached' });
    expect(await page.locator('#follows-h').textContent()).toBe('People you follow (0)');
    expect(alice.web().has(bob.pubkey)).toBe(false);
    expect(problems).toEqual([]);
  });
});
