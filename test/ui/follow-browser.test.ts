/**
 * Follow and unfollow from the graph page in a real browser (Debian's Chromium via playwright-core)
 * over a real Peer and an embedded relay on 127.0.0.1: type an npub and a name, press Follow, the
 * friend appears in "People you follow" with its offer; press Unfollow, it is gone.
 */
import { existsSync, mkdirSync } from 'node:fs';
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

/** As in browser.test.ts: docs/screenshots when OTP2P_SCREENSHOTS=1, else a temporary folder. */
const SHOTS =
  process.env.OTP2P_SCREENSHOTS === '1' ? join(PROJECT_ROOT, 'docs', 'screenshots') : tmpDir('otp2p-shots-');

describe.skipIf(!HAS_CHROMIUM)('graph page: follow and unfollow in Chromium', () => {
  let relay: EmbeddedRelay;
  let alice: Peer;
  let bob: Peer;
  let server: DashboardServer;
  let relayClosed = false;
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
      viewport: { width: 1280, height: 860 },
      locale: 'en-GB',
      timezoneId: 'UTC',
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
    if (!relayClosed) await relay?.close();
  }, 60_000);

  it('follows by npub with a name, shows the friend with its offer, then unfollows', async () => {
    // A newcomer without an OT wallet: told so, where the balances would be and where one pays.
    await page.goto(`${server.url}?token=${server.token}#/identity`);
    await page.locator('#units-none', { hasText: 'Nothing yet' }).waitFor();
    await page.click('nav a[data-page="route"]');
    await page.locator('#route-unit-hint', { hasText: 'You hold nothing to pay with yet' }).waitFor();
    await page.click('nav a[data-page="graph"]');
    await page.locator('#follow-form').waitFor();
    expect(await page.locator('#follows-h').textContent()).toBe('People you follow (0)');
    // You alone are drawn at a readable size, not fitted up to three times the label size.
    expect(Number(await page.locator('#social-graph').getAttribute('data-zoom'))).toBeLessThanOrEqual(1.25);
    // The inputs sit next to their labels: the long checkbox label does not push them aside.
    const form = await page.locator('#follow-form').boundingBox();
    const input = await page.locator('#follow-target').boundingBox();
    expect(input!.x - form!.x).toBeLessThan(400);
    // Your own node carries no name of the "petname or short npub" rule (it said "you (you)").
    const g = (await page.evaluate("fetch('/api/graph').then((r) => r.json())")) as {
      self: string;
      nodes: { pubkey: string; name?: string }[];
    };
    expect(g.nodes.find((n) => n.pubkey === g.self)?.name).toBeUndefined();
    await page.fill('#follow-target', bob.npub);
    await page.fill('#follow-petname', 'Bob');
    const posts: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/api/follow')) posts.push(r.url());
    });
    // A double click follows once.
    await page.dblclick('#follow-form button[type=submit]');
    // The page redraws on the graph event; the friend's offer came with the follow (no sync).
    await page.locator(`#follows-table button[data-pubkey="${bob.pubkey}"]`).waitFor();
    expect(await page.locator('#follows-h').textContent()).toBe('People you follow (1)');
    // What the follow did stays on the page after the redraw.
    await page
      .locator('#follow-status', { hasText: 'Followed Bob: your follow list is held by 1 of 1 relays.' })
      .waitFor();
    expect(posts).toHaveLength(1);
    expect(await page.locator('#follows-table tbody tr td').nth(1).textContent()).toBe('1');
    expect(alice.web().get(bob.pubkey)).toBe(1);

    await page.click(`#follows-table button[data-pubkey="${bob.pubkey}"]`);
    await page.locator('#follows-table').waitFor({ state: 'detached' });
    expect(await page.locator('#follows-h').textContent()).toBe('People you follow (0)');
    expect(alice.web().has(bob.pubkey)).toBe(false);
    expect(problems).toEqual([]);
  });

  it('says on every page when no relay is reachable, and a message then waits in the outbox', async () => {
    await page.fill('#follow-target', bob.npub);
    await page.fill('#follow-petname', 'Bob');
    await page.click('#follow-form button[type=submit]');
    await page.locator(`#follows-table button[data-pubkey="${bob.pubkey}"]`).waitFor();
    expect(await page.locator('#relay-banner').isHidden()).toBe(true);
    // A message while the relay answers: sent (and where Bob reads messages is now known).
    await page.click('nav a[data-page="dms"]');
    await page.locator('#page-dms[aria-busy="false"]').waitFor();
    await page.selectOption('#dm-to', bob.pubkey);
    await page.fill('#dm-text', 'Hello Bob');
    await page.click('#dm-send');
    await page.locator('#dm-status', { hasText: 'Sent to Bob.' }).waitFor();

    await relay.close();
    relayClosed = true;
    // The peer reports relay health every few seconds: wait for the banner, not for a time.
    const banner = page.locator('#relay-banner', { hasText: 'No relay reachable.' });
    await banner.waitFor({ timeout: 30_000 });
    await page.click('nav a[data-page="graph"]');
    await page.locator('#page-graph[aria-busy="false"]').waitFor();
    expect(await banner.isVisible()).toBe(true);
    await page.click('nav a[data-page="dms"]');
    await page.locator('#page-dms[aria-busy="false"]').waitFor();
    await page.selectOption('#dm-to', bob.pubkey);
    await page.fill('#dm-text', 'Are you there?');
    await page.click('#dm-send');
    // Not "Sent": no relay has it; the outbox sends it when one answers.
    await page.locator('#dm-status', { hasText: 'Queued for Bob: no relay is reachable now' }).waitFor();
    // And the conversation shows it (its copy would only come back through a relay).
    await page.locator('#dm-list li.mine', { hasText: 'Are you there?' }).waitFor();
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'relays-down.png'), fullPage: true });
    expect(problems).toEqual([]);
  }, 120_000);
});
