/**
 * The dashboard in a real browser: Debian's Chromium (never a downloaded one) driven by
 * playwright-core, against the built page served by the real server over 127.0.0.1.
 * Screenshots go to a temporary folder, or to docs/screenshots when OTP2P_SCREENSHOTS=1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { build } from 'vite';
import { startDashboardServer } from '../../src/ui/server.ts';
import type { DashboardServer } from '../../src/ui/server.ts';
import { PROJECT_ROOT } from '../helpers/shared.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { aliceBackend } from './fixture.ts';

const CHROMIUM = '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
if (!HAS_CHROMIUM) console.warn(`${CHROMIUM} not found: the browser tests of the dashboard are skipped (apt-get install chromium)`);

/** Chromium flags: headless, no sandbox (containers), and no background traffic to any host. */
export const CHROMIUM_ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const SHOTS = process.env.OTP2P_SCREENSHOTS === '1' ? join(PROJECT_ROOT, 'docs', 'screenshots') : tmpDir('otp2p-shots-');

describe.skipIf(!HAS_CHROMIUM)('dashboard in Chromium (static backend: Alice\'s web)', () => {
  let server: DashboardServer;
  let context: BrowserContext;
  let page: Page;
  const requests: string[] = [];
  const problems: string[] = [];

  beforeAll(async () => {
    const outDir = join(tmpDir('otp2p-ui-build-'), 'ui');
    await build({ configFile: join(PROJECT_ROOT, 'ui', 'vite.config.ts'), logLevel: 'error', build: { outDir, emptyOutDir: true } });
    server = await startDashboardServer({ backend: aliceBackend(), staticDir: outDir, port: 0 });
    mkdirSync(SHOTS, { recursive: true });
    context = await chromium.launchPersistentContext(tmpDir('otp2p-chromium-'), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 860 },
      locale: 'en-GB',
      timezoneId: 'UTC',
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('request', (r) => requests.push(r.url()));
    page.on('console', (m) => {
      // The offline backend refuses to pay with a 400 on purpose; anything else is a problem.
      if ((m.type() === 'error' && !/status of 400/.test(m.text())) || /Content Security Policy/i.test(m.text())) problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(String(e)));
  });

  afterAll(async () => {
    await context?.close();
    await server?.close();
  });

  const shot = (name: string): Promise<Buffer> => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  it('opens with the token, swaps it for a cookie and shows the identity page', async () => {
    await page.goto(server.urlWithToken);
    expect(page.url()).toBe(server.url);
    await page.locator('#npub').waitFor();
    expect(await page.locator('#npub').textContent()).toMatch(/^npub1/);
    expect(await page.locator('h2#id-h').textContent()).toBe('Alice');
    await page.locator('#live.on').waitFor();
    await shot('identity');
  });

  it('draws the social graph of follows and offers', async () => {
    await page.click('nav a[data-page="graph"]');
    await page.locator('#social-graph canvas').first().waitFor();
    expect(await page.locator('#page-graph table tbody tr').count()).toBe(3);
    expect(await page.locator('#page-graph table').textContent()).toContain('Bob');
    await page.waitForTimeout(300);
    await shot('graph');
    await page.check('input[value="units"]');
    await page.waitForTimeout(300);
    await shot('graph-units');
  });

  it('the route finder draws the 3-hop path Alice -> Bob -> Carol -> Dave and asks before paying', async () => {
    await page.click('nav a[data-page="route"]');
    await page.fill('#route-to', 'Dave');
    await page.fill('#route-amount', '500');
    await page.press('#route-amount', 'Enter');
    await page.locator('#route-summary').waitFor();
    expect(await page.locator('#route-summary').textContent()).toContain('Dave receives 500 eur@n2');
    const rows = page.locator('#route-hops tbody tr');
    expect(await rows.count()).toBe(3);
    expect(await rows.nth(0).textContent()).toContain('562 usd@n1');
    expect(await rows.nth(0).textContent()).toContain('×9/10 · cut 0.25% · fee 3');
    expect(await rows.nth(1).textContent()).toContain('eur@n1 → eur@n2');
    expect(await page.locator('#route-graph').getAttribute('aria-label')).toBe('Route to Dave: Alice (you) → Bob → Carol → Dave');
    expect(await page.locator('#route-graph canvas').count()).toBeGreaterThan(0);
    await page.waitForTimeout(300);
    await shot('route');
    await page.click('#pay-button');
    await page.locator('#pay-dialog[open]').waitFor();
    expect(await page.locator('#pay-dialog').textContent()).toContain('Pay 500 eur@n2 to Dave');
    await shot('route-confirm');
    await page.click('#pay-confirm');
    await page.locator('#pay-outcome').waitFor();
    // The offline backend cannot pay: the page says so with the exact code.
    expect(await page.locator('#pay-outcome').textContent()).toContain('ui-read-only');
  });

  it('the mint page shows the equivocation alarm with Frank as the attester of the other mint', async () => {
    await page.click('nav a[data-page="mint"]');
    const alarm = page.locator('tr[data-verdict="equivocation"]');
    await alarm.waitFor();
    expect(await alarm.count()).toBe(1);
    expect(await alarm.textContent()).toContain('Frank');
    expect(await page.locator('tr[data-verdict="consistent"]').textContent()).toContain('Bob');
    expect(await page.locator('tr[data-verdict="unknown"]').count()).toBe(1);
    const color = await page.evaluate<string>("getComputedStyle(document.querySelector('tr[data-verdict=equivocation] .badge')).backgroundColor");
    expect(color).toBe('rgb(207, 34, 46)');
    await shot('mint');
  });

  it('payments and messages pages render (empty offline)', async () => {
    await page.click('nav a[data-page="payments"]');
    await page.locator('#page-payments .empty').waitFor();
    await shot('payments');
    await page.click('nav a[data-page="dms"]');
    await page.locator('#dm-to').waitFor();
    await shot('dms');
  });

  it('is keyboard usable: skip link and nav reachable with Tab', async () => {
    await page.goto(`${server.url}#/identity`);
    // A fresh load: focus starts at the top of the document.
    await page.reload();
    await page.locator('#npub').waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string>('document.activeElement?.textContent')).toBe('Skip to content');
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string>("document.activeElement?.getAttribute('data-page')")).toBe('identity');
  });

  it('made no request to any other host and hit no CSP violation or script error', () => {
    expect(requests.length).toBeGreaterThan(5);
    for (const u of requests) expect(u.startsWith(server.url) || u.startsWith(`ws://127.0.0.1:${server.port}/`), u).toBe(true);
    expect(problems).toEqual([]);
  });

  it('refuses a request without the token', async () => {
    await context.clearCookies();
    const res = await page.goto(server.url);
    expect(res?.status()).toBe(401);
    expect(await page.textContent('body')).toContain('ui-unauthorized');
  });
});
