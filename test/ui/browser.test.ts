/**
 * The dashboard in a real browser: Debian's Chromium (never a downloaded one) driven by
 * playwright-core, against the demo's live peers (embedded relay over real sockets, two
 * simulated notaries): Alice's dashboard finds and pays the 3-hop route to Dave, Frank's shows
 * the equivocation alarm. Screenshots go to a temporary folder, or to docs/screenshots when
 * OTP2P_SCREENSHOTS=1. The offline (static) backend is covered over HTTP in server.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { build } from 'vite';
import { runDemo } from '../../src/demo.ts';
import type { DemoSummary, DemoWorld } from '../../src/demo.ts';
import { PeerDashboardBackend } from '../../src/ui/peer-backend.ts';
import { startDashboardServer } from '../../src/ui/server.ts';
import type { DashboardServer } from '../../src/ui/server.ts';
import { PROJECT_ROOT } from '../helpers/shared.ts';
import { tmpDir } from '../helpers/tmp.ts';

const CHROMIUM = '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
if (!HAS_CHROMIUM)
  console.warn(`${CHROMIUM} not found: the browser tests of the dashboard are skipped (apt-get install chromium)`);

/** Chromium flags: headless, no sandbox (containers), and no background traffic to any host. */
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const SHOTS =
  process.env.OTP2P_SCREENSHOTS === '1' ? join(PROJECT_ROOT, 'docs', 'screenshots') : tmpDir('otp2p-shots-');
/** What Dave receives in the test's payment: 20.00 EUR on notary 2 (the demo paid 100.00 already). */
const AMOUNT = 2_000n;
/** The same amount as a person types it, in EUR's own scale. */
const AMOUNT_TEXT = '20.00';
/** A DM Dave sent Alice before her dashboard started. */
const HISTORY = 'Hi Alice, Dave here: send the 20 EUR when you can.';

describe.skipIf(!HAS_CHROMIUM)('dashboard in Chromium over the live demo (Alice and Frank)', () => {
  let world: DemoWorld;
  let release: () => void = () => undefined;
  let demo: Promise<DemoSummary> | undefined;
  const servers: DashboardServer[] = [];
  let alice: DashboardServer;
  let frank: DashboardServer;
  let bob: DashboardServer;
  let context: BrowserContext;
  let page: Page;
  let frankPage: Page;
  const requests: string[] = [];
  const problems: string[] = [];

  beforeAll(async () => {
    const outDir = join(tmpDir('otp2p-ui-build-'), 'ui');
    const built = build({
      configFile: join(PROJECT_ROOT, 'ui', 'vite.config.ts'),
      logLevel: 'error',
      build: { outDir, emptyOutDir: true },
    });
    const held = new Promise<DemoWorld>((resolve, reject) => {
      demo = runDemo({
        onStep: () => undefined,
        hold: (w) => {
          resolve(w);
          return new Promise<void>((r) => (release = r));
        },
      });
      demo.catch(reject);
    });
    [world] = await Promise.all([held, built]);
    // A message Alice received before her dashboard started: the Messages page must show it.
    const got = new Promise<void>((r) => world.peers.alice.on('dm', (m) => m.text === HISTORY && r()));
    await world.peers.dave.dms.send(world.peers.alice.pubkey, HISTORY);
    await got;
    const names = Object.fromEntries(
      Object.entries(world.peers).map(([n, p]) => [p.pubkey, n.charAt(0).toUpperCase() + n.slice(1)]),
    );
    for (const who of ['alice', 'frank', 'bob'] as const) {
      servers.push(
        await startDashboardServer({
          backend: new PeerDashboardBackend(world.peers[who], { names }),
          staticDir: outDir,
          port: 0,
        }),
      );
    }
    [alice, frank, bob] = servers as [DashboardServer, DashboardServer, DashboardServer];
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
    frankPage = await context.newPage();
    for (const p of [page, frankPage]) {
      p.on('request', (r) => requests.push(r.url()));
      p.on('console', (m) => {
        // A 409 is the API's answer "no route" (the route test asks for one on purpose); Chromium
        // logs every non-2xx fetch as a console error.
        if (/status of 409 \(Conflict\)/.test(m.text())) return;
        if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) problems.push(m.text());
      });
      p.on('pageerror', (e) => problems.push(String(e)));
    }
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    for (const s of servers) await s.close();
    release();
    await demo?.catch(() => undefined);
  }, 60_000);

  const shot = (name: string, p: Page = page): Promise<Buffer> =>
    p.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  const daveBalance = (): bigint => {
    const n2 = world.notaries[1];
    const acct = n2?.accounts('dave').find((a) => a.type !== 'issuer');
    if (!n2 || !acct) throw new Error('the demo has no Dave account on notary 2');
    return n2.balance(acct.id);
  };

  it('opens with the token, swaps it for a cookie and shows identity and relays', async () => {
    await page.goto(alice.urlWithToken);
    expect(page.url()).toBe(alice.url);
    await page.locator('#npub').waitFor();
    expect(await page.locator('#npub').textContent()).toBe(world.peers.alice.npub);
    expect(await page.locator('h2#id-h').textContent()).toBe('Alice');
    expect(await page.locator('#page-identity').textContent()).toContain(world.relayUrl);
    // Units by code and notary name, the raw IDs beside them.
    const units = (await page.locator('#units li').allTextContents()).join('|');
    expect(units).toContain('USD@Notary One');
    expect(units).toMatch(/USD@Notary One \S+@\S+/);
    // What she holds, in the unit's scale (the demo left her some USD on notary 1).
    expect(units).toMatch(/^[\d\u202f]+\.\d{2} USD@Notary One /);
    // No column that is a dash for every relay (the peer measures no latency and keeps no last error).
    const relayHead = (await page.locator('#relays-table thead').textContent()) ?? '';
    expect(relayHead).toContain('connects / drops');
    expect(relayHead).not.toContain('latency');
    expect(relayHead).not.toContain('last error');
    await page.locator('#live.on').waitFor();
    await shot('identity');
  });

  it('draws the social graph of follows and the offers of Bob and Carol', async () => {
    await page.click('nav a[data-page="graph"]');
    await page.locator('#social-graph canvas').first().waitFor();
    // The graph page also lists the people you follow: pick the offers table by its name.
    const offersTable = page.getByRole('table', { name: 'Conversion offers in your web' });
    const offers = await offersTable.textContent();
    expect(offers).toContain('Bob');
    expect(offers).toContain('Carol');
    // min and max bound the input; the output range follows from the rate, cut and fee.
    const head = await offersTable.locator('thead').textContent();
    expect(head).toContain('input range');
    expect(head).toContain('output range');
    // Bob takes 1.00 to 10 000.00 USD; at ×92/100, cut 0.2% and fee 0.10 EUR that pays 0.81 to 9 181.50 EUR.
    expect(offers).toContain(
      '1.00 USD@Notary One – 10\u202f000.00 USD@Notary One0.81 EUR@Notary One – 9\u202f181.50 EUR@Notary One',
    );
    // The rings fill the wide box: labels drawn near their size, not shrunk to fit a round ring's height.
    expect(Number(await page.locator('#social-graph').getAttribute('data-zoom'))).toBeGreaterThanOrEqual(0.8);
    await page.waitForTimeout(300);
    await shot('graph');
    await page.check('input[value="units"]');
    await page.waitForTimeout(300);
    await shot('graph-units');
  });

  it('the route finder draws Alice -> Bob -> Carol -> Dave with the amounts, and paying it pays Dave on notary 2', async () => {
    await page.click('nav a[data-page="route"]');
    await page.fill('#route-to', world.peers.dave.npub);
    // Mistakes are named in words, before any search: an unknown payee, a unit it does not accept,
    // zero, an amount no path can carry.
    const says = async (to: string, amount: string, unit: string): Promise<string> => {
      await page.fill('#route-to', to);
      await page.fill('#route-amount', amount);
      await page.fill('#route-payee-unit', unit);
      await page.click('#route-find');
      await page.locator('#route-status .error').waitFor();
      return (await page.locator('#route-status .error').textContent()) ?? '';
    };
    expect(await says('npub1xyz', '20.00', 'EUR')).toBe(
      'Payee: "npub1xyz" is not a name from your web, an npub or a hex public key.',
    );
    expect(await says('Dave', '20.00', 'GBP')).toBe('Dave accepts EUR@Notary Two, not GBP.');
    expect(await says('Dave', '0', 'EUR')).toBe('Amount: must be more than 0.');
    expect(await says('Dave', '100000.00', 'EUR')).toMatch(
      /^No route to Dave for 100000\.00 EUR: no path through your web can deliver it/,
    );
    await page.fill('#route-to', world.peers.dave.npub);
    // A person types the amount in the unit's scale; a third decimal is refused before any request.
    await page.fill('#route-amount', '20.001');
    await page.fill('#route-payee-unit', 'EUR');
    await page.click('#route-find');
    await page.locator('#route-status .error').waitFor();
    expect(await page.locator('#route-status').textContent()).toContain('has 3 decimals but the unit has 2');
    await page.fill('#route-amount', AMOUNT_TEXT);
    await page.fill('#route-payee-unit', 'EUR');
    await page.click('#route-find');
    await page.locator('#route-summary').waitFor();
    expect(await page.locator('#route-graph').getAttribute('aria-label')).toBe(
      'Route to Dave: Alice (you) → Bob → Carol → Dave',
    );
    expect(await page.locator('#route-graph canvas').count()).toBeGreaterThan(0);
    // Three hops fit the box at about their size: hop labels are not shrunk to a third.
    expect(Number(await page.locator('#route-graph').getAttribute('data-zoom'))).toBeGreaterThanOrEqual(0.8);
    expect(await page.locator('#route-summary').textContent()).toMatch(
      /You spend \d+\.\d{2} USD@Notary One; Dave receives 20\.00 EUR@Notary Two\./,
    );
    const rows = page.locator('#route-hops tbody tr');
    expect(await rows.count()).toBe(3);
    expect(await rows.nth(0).textContent()).toMatch(
      /^11Alice \(you\)Bob\d{2}\.\d{2} USD@Notary OneUSD@Notary One → EUR@Notary One, ×92\/100 · cut 0.2% · fee 0\.10$/,
    );
    expect(await rows.nth(1).textContent()).toContain('EUR@Notary One → EUR@Notary Two');
    expect(await rows.nth(2).textContent()).toContain('20.00 EUR@Notary Two');
    await page.waitForTimeout(300);
    await shot('route');

    const before = daveBalance();
    await page.click('#pay-button');
    await page.locator('#pay-dialog[open]').waitFor();
    expect(await page.locator('#pay-dialog').textContent()).toContain('Pay 20.00 EUR@Notary Two to Dave');
    // The npub is shortened (full in the title, with a copy button) and nothing overflows the dialog.
    expect(await page.locator('#pay-npub').textContent()).toMatch(/^npub1\w{5}…\w{4}$/);
    expect(await page.locator('#pay-npub').getAttribute('title')).toBe(world.peers.dave.npub);
    expect(
      await page.evaluate<boolean>(
        "(() => { const d = document.querySelector('#pay-dialog'); return d.scrollWidth <= d.clientWidth; })()",
      ),
    ).toBe(true);
    // The dimmed backdrop covers the whole viewport wherever the page is scrolled: a point at each
    // corner hits it (hit-testing the ::backdrop answers its dialog), not the form under it.
    const corners = `(() => {
      const d = document.querySelector('#pay-dialog');
      const w = document.documentElement.clientWidth, h = document.documentElement.clientHeight;
      return [[0, 0], [w - 1, 0], [0, h - 1], [w - 1, h - 1]].map(([x, y]) => document.elementFromPoint(x, y) === d);
    })()`;
    const scrolled = await page.evaluate<number>('window.scrollY');
    expect(await page.evaluate<boolean[]>(corners)).toEqual([true, true, true, true]);
    await page.evaluate('window.scrollTo(0, 0)');
    expect(await page.evaluate<boolean[]>(corners)).toEqual([true, true, true, true]);
    expect(
      await page.evaluate<string>("getComputedStyle(document.querySelector('#pay-dialog'), '::backdrop').position"),
    ).toBe('fixed');
    await page.evaluate(`window.scrollTo(0, ${scrolled})`);
    // What the user sees: the viewport. A full-page capture would stitch the page beyond the
    // viewport around the fixed backdrop, leaving the part above it bright.
    await page.screenshot({ path: join(SHOTS, 'route-confirm.png') });
    await page.click('#pay-confirm');
    const outcome = page.locator('#pay-outcome');
    await outcome.waitFor({ timeout: 30_000 });
    expect(await outcome.textContent()).toContain('Payment succeeded');
    expect(await outcome.textContent()).toContain('delivered 20.00 EUR@Notary Two');
    const preimage = (await page.locator('#route-status code').textContent()) ?? '';
    expect(preimage).toMatch(/^[0-9a-f]{64}$/);
    expect(daveBalance() - before).toBe(AMOUNT);
    // Paid once: no Pay button to click again, only an explicit new payment.
    expect(await page.locator('#pay-button').count()).toBe(0);
    await page.locator('#pay-new').waitFor();
    expect(daveBalance() - before).toBe(AMOUNT);
    await shot('route-paid');

    // The receipt is the preimage of the payment's hash, as the payments page records it.
    const paymentHash = createHash('sha256').update(Buffer.from(preimage, 'hex')).digest('hex');
    const mine = (await world.peers.alice.payments.list()).find((p) => p.paymentHash === paymentHash);
    expect(mine?.state).toBe('succeeded');
  }, 60_000);

  it("Bob's payments page shows his hop in the units' scale", async () => {
    const bobPage = await context.newPage();
    bobPage.on('request', (r) => requests.push(r.url()));
    bobPage.on('pageerror', (e) => problems.push(String(e)));
    await bobPage.goto(bob.urlWithToken);
    await bobPage.locator('#npub').waitFor();
    await bobPage.click('nav a[data-page="payments"]');
    const hop = bobPage.locator('#payments-table tbody tr[data-state="forwarded"]').first();
    await hop.waitFor();
    const row = (await hop.textContent()) ?? '';
    // Bob took USD on notary 1 and paid out EUR on notary 1: both in their scale, never base units.
    expect(row).toMatch(/\d+\.\d{2} USD@Notary One/);
    expect(row).toMatch(/\d+\.\d{2} EUR@Notary One/);
    // Both of his neighbours on the route, not only the one who paid him.
    expect(row).toContain('Alice → Carol');
    await bobPage.screenshot({ path: join(SHOTS, 'payments-hop.png'), fullPage: true });
    expect(row).not.toMatch(/\b\d{1,3}\u202f\d{3}\b(?!\.)/);
    await bobPage.close();
  });

  it('the payments page lists the payment as succeeded with its receipt', async () => {
    await page.click('nav a[data-page="payments"]');
    const table = page.locator('#payments-table');
    await table.waitFor();
    expect(await table.textContent()).toContain('succeeded');
    const row = (await page.locator('#payments-table tbody tr[data-state="succeeded"]').first().textContent()) ?? '';
    expect(row).toContain('20.00 EUR@Notary Two');
    expect(row).toContain('to Dave');
    expect(row).not.toMatch(/\d\u202f\d{3}(?!\.)/);
    await shot('payments');
  });

  it("Frank's mint page shows the equivocation alarm; Alice's shows consistent", async () => {
    // The mint check takes a moment: the page says it is loading instead of staying blank.
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    await page.route('**/api/mint', async (route) => {
      await held;
      await route.continue();
    });
    await page.click('nav a[data-page="mint"]');
    await page.locator('#page-loading', { hasText: 'Loading mint transparency…' }).waitFor();
    release();
    await page.locator('tr[data-verdict="consistent"]').first().waitFor();
    await page.unroute('**/api/mint');
    expect(await page.locator('#page-loading').count()).toBe(0);
    // What each verdict means is written on the page, not only in a hover title.
    expect(await page.locator('#mint-legend').textContent()).toContain('too few peers so far');
    expect(await page.locator('tr[data-verdict="equivocation"]').count()).toBe(0);

    await frankPage.goto(`${frank.urlWithToken}`);
    await frankPage.locator('#npub').waitFor();
    expect(await frankPage.locator('h2#id-h').textContent()).toBe('Frank');
    await frankPage.click('nav a[data-page="mint"]');
    const alarm = frankPage.locator('tr[data-verdict="equivocation"]');
    await alarm.first().waitFor();
    // Notary One served Frank other USD and EUR mints; Notary Two stayed honest with him.
    expect(await alarm.count()).toBe(2);
    expect(await frankPage.locator('tr[data-verdict="consistent"]').count()).toBe(1);
    // One banner per alarm, however many checks ran since.
    expect(await frankPage.locator('#alarms .banner').count()).toBe(2);
    const color = await frankPage.evaluate<string>(
      "getComputedStyle(document.querySelector('tr[data-verdict=equivocation] .badge')).backgroundColor",
    );
    // Row order follows the (random) unit IDs: check the set, not the first row.
    const alarmUnits = (await alarm.allTextContents()).map((t) =>
      t.startsWith('USD') ? 'USD' : t.startsWith('EUR') ? 'EUR' : t.slice(0, 8),
    );
    expect(alarmUnits.sort()).toEqual(['EUR', 'USD']);
    expect(color).toBe('rgb(207, 34, 46)');
    await shot('mint', frankPage);
    await shot('mint-consistent');

    // Two dashboards on 127.0.0.1 in one browser: each keeps its own session cookie.
    await page.reload();
    await page.locator('tr[data-verdict="consistent"]').first().waitFor();
  });

  it('sends a private message from Alice to Dave', async () => {
    await page.click('nav a[data-page="dms"]');
    // The history: what Dave sent before the dashboard started.
    await page.locator('#page-dms li.theirs', { hasText: HISTORY }).waitFor();
    await page.selectOption('#dm-to', world.peers.dave.pubkey);
    await page.fill('#dm-text', 'Sent you 20 EUR through Bob and Carol. Receipt on my side.');
    const posts: string[] = [];
    const count = (r: import('playwright-core').Request): void => {
      if (r.method() === 'POST' && r.url().endsWith('/api/dms')) posts.push(r.url());
    };
    page.on('request', count);
    // A double click sends one message.
    await page.dblclick('#dm-send');
    await page.locator('#dm-status', { hasText: 'Sent to Dave.' }).waitFor();
    // The page re-renders on the live 'dm' update with the message in the conversation.
    await page.locator('#page-dms li.mine', { hasText: 'Sent you 20 EUR' }).waitFor();
    page.off('request', count);
    expect(posts).toHaveLength(1);
    expect(await page.locator('#page-dms li.mine', { hasText: 'Sent you 20 EUR' }).count()).toBe(1);
    expect(await page.locator('#page-dms li.mine .meta').first().textContent()).toContain('You → Dave');
    await shot('dms');
  });

  it('a payment through a hop that does not answer fails and says that nothing was sent', async () => {
    await world.peers.carol.stop();
    await page.click('nav a[data-page="route"]');
    await page.locator('#route-form').waitFor();
    await page.fill('#route-to', 'Dave');
    await page.fill('#route-amount', '5.00');
    await page.fill('#route-payee-unit', 'EUR');
    await page.click('#route-find');
    await page.locator('#route-summary').waitFor();
    await page.click('#pay-button');
    await page.click('#pay-confirm');
    const outcome = page.locator('#pay-outcome');
    await outcome.waitFor({ timeout: 60_000 });
    // Not "sent 0.00 USD, delivered 0.00 EUR": a failure that moved nothing says so.
    expect(await outcome.textContent()).toBe('Payment failed: nothing was sent.');
    expect(await page.locator('#route-status .error').textContent()).toContain('hop-timeout: no answer from hop 2');
  }, 90_000);

  it('with no relay reachable, the pay dialog says so and will not start a payment', async () => {
    const before = (await world.peers.alice.payments.list()).length;
    await world.stopRelay();
    // The peer reports relay health every few seconds: wait for the banner, not for a time.
    await page.locator('#relay-banner', { hasText: 'No relay reachable.' }).waitFor({ timeout: 30_000 });
    await page.click('nav a[data-page="route"]');
    await page.locator('#route-form').waitFor();
    // The route comes from what was last synced; paying it needs a relay.
    await page.fill('#route-to', 'Dave');
    await page.fill('#route-amount', '5.00');
    await page.fill('#route-payee-unit', 'EUR');
    await page.click('#route-find');
    await page.locator('#route-summary').waitFor();
    await page.click('#pay-button');
    await page.locator('#pay-dialog[open]').waitFor();
    const warning = page.locator('#pay-no-relay');
    expect(await warning.isVisible()).toBe(true);
    expect(await warning.textContent()).toBe(
      'No relay is reachable: this payment cannot reach Bob (the first hop) nor Dave, so it would only fail after a timeout. Pay is off until a relay answers (relay health).',
    );
    expect(await page.locator('#pay-confirm').isDisabled()).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'route-no-relay.png') });
    // Enter on the focused Cancel closes the dialog; nothing is paid.
    await page.keyboard.press('Enter');
    await page.locator('#pay-dialog[open]').waitFor({ state: 'detached' });
    expect(await page.locator('#pay-outcome').count()).toBe(0);
    expect((await world.peers.alice.payments.list()).length).toBe(before);
  });

  it('is keyboard usable: skip link and nav reachable with Tab', async () => {
    await page.goto(`${alice.url}#/identity`);
    await page.reload();
    await page.locator('#npub').waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string>('document.activeElement?.textContent')).toBe('Skip to content');
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string>("document.activeElement?.getAttribute('data-page')")).toBe('identity');
  });

  it('made no request to any other host and hit no CSP violation or script error', () => {
    expect(requests.length).toBeGreaterThan(5);
    const own = servers.flatMap((s) => [s.url, `ws://127.0.0.1:${s.port}/`]);
    for (const u of requests)
      expect(
        own.some((o) => u.startsWith(o)),
        u,
      ).toBe(true);
    expect(problems).toEqual([]);
  });

  it('refuses a request without the token', async () => {
    await context.clearCookies();
    const res = await page.goto(alice.url);
    expect(res?.status()).toBe(401);
    expect(await page.textContent('body')).toContain('ui-unauthorized');
  });
});
