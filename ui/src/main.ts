/** The dashboard shell: hash routing, live updates over the WebSocket, alarm banner. */
import './style.css';
import { api } from './api.ts';
import type { DashboardEvent } from './api.ts';
import { clear, h } from './dom.ts';
import { idLabel, learnIdentity, learnPeers, peerName } from './format.ts';
import { identityPage } from './pages/identity.ts';
import { graphPage } from './pages/graph.ts';
import { routePage } from './pages/route.ts';
import { mintPage } from './pages/mint.ts';
import { paymentsPage } from './pages/payments.ts';
import { dmsPage } from './pages/dms.ts';
import { noRelayReachable, onRelayChange, relayCount, setRelayState } from './relays.ts';

/** A page: renders into `main`; re-rendered on the live events it names. */
export interface Page {
  title: string;
  refreshOn: readonly DashboardEvent['type'][];
  render(main: HTMLElement): Promise<void>;
  /** Called before another page replaces this one. */
  leave?(): void;
}

const pages: Record<string, Page> = {
  identity: identityPage,
  graph: graphPage,
  route: routePage,
  mint: mintPage,
  payments: paymentsPage,
  dms: dmsPage,
};

const main = document.getElementById('main') as HTMLElement;
let current: Page | undefined;
let currentName = '';
let rendering: Promise<void> = Promise.resolve();

function pageName(): string {
  const m = /^#\/([a-z]+)/.exec(location.hash);
  return m?.[1] && m[1] in pages ? m[1] : 'identity';
}

async function show(focus: boolean): Promise<void> {
  const name = pageName();
  const page = pages[name] as Page;
  if (current && current !== page) current.leave?.();
  current = page;
  currentName = name;
  document.title = `${page.title} · otp2p`;
  for (const a of document.querySelectorAll<HTMLAnchorElement>('nav a[data-page]')) {
    if (a.dataset.page === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  clear(main);
  main.append(h('h1', {}, page.title));
  const body = h('div', { class: 'page', id: `page-${name}`, 'aria-busy': 'true' });
  // A page that waits on the peer (a mint check, a relay query) says so instead of staying blank;
  // a live refresh keeps quiet (it would flash on every relay-health tick).
  const loading = focus
    ? h('p', { class: 'loading', id: 'page-loading' }, `Loading ${page.title.toLowerCase()}…`)
    : null;
  if (loading) main.append(loading);
  main.append(body);
  try {
    await page.render(body);
  } catch (err) {
    body.append(h('p', { class: 'error', role: 'alert' }, `Could not load this page: ${(err as Error).message}`));
  }
  loading?.remove();
  body.setAttribute('aria-busy', 'false');
  if (focus) main.focus();
}

function navigate(focus: boolean): void {
  rendering = rendering.then(() => show(focus));
}

/** Re-render the current page (keeps focus where it is). */
function refresh(type: DashboardEvent['type']): void {
  if (!current?.refreshOn.includes(type)) return;
  const name = currentName;
  rendering = rendering.then(() => (name === currentName ? show(false) : undefined));
}

const alarms = document.getElementById('alarms') as HTMLElement;
function alarm(e: Extract<DashboardEvent, { type: 'mint-alarm' }>): void {
  const v = e.verdict;
  // One banner per notary/unit/series: a newer verdict replaces the older one.
  for (const old of alarms.querySelectorAll<HTMLElement>('.banner')) if (old.dataset.d === v.d) old.remove();
  const note = h(
    'div',
    { class: `banner verdict-${v.verdict}`, 'data-d': v.d },
    h('strong', {}, v.verdict === 'equivocation' ? 'Mint equivocation: ' : 'Mint warning: '),
    `notary ${idLabel(v.notaryId)} unit ${idLabel(v.unitId)} series ${v.series} (${v.verdict}). `,
    h('a', { href: '#/mint' }, 'See the evidence'),
    ' ',
    h('button', { type: 'button', class: 'link', onclick: () => note.remove() }, 'Dismiss'),
  );
  alarms.append(note);
}

/** When no relay is connected, every page says so. */
const relayBanner = document.getElementById('relay-banner') as HTMLElement;
function relayNote(): void {
  const total = relayCount();
  const down = noRelayReachable();
  clear(relayBanner);
  relayBanner.hidden = !down;
  if (!down) return;
  relayBanner.append(
    h('strong', {}, 'No relay reachable. '),
    `${total === 1 ? 'Your relay does not answer' : `None of your ${total} relays answers`}: the offers, names and routes shown are what was last synced; what you publish or send waits in the outbox, and payments and follows need a relay. `,
    h('a', { href: '#/identity' }, 'Relay health'),
  );
}

const live = document.getElementById('live') as HTMLElement;
let retry = 1000;
function connect(): void {
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
  ws.addEventListener('open', () => {
    retry = 1000;
    live.textContent = 'live';
    live.className = 'live on';
  });
  ws.addEventListener('message', (m) => {
    let e: DashboardEvent | { type: 'hello' };
    try {
      e = JSON.parse(String(m.data)) as DashboardEvent | { type: 'hello' };
    } catch {
      return;
    }
    if (e.type === 'hello') return;
    if (e.type === 'mint-alarm') alarm(e);
    if (e.type === 'relay') setRelayState(e.relay.url, e.relay.connected);
    if (e.type === 'dm' && currentName !== 'dms')
      live.textContent = `live · new message from ${peerName(e.message.sender)}`;
    refresh(e.type === 'mint-alarm' ? 'mint' : e.type);
  });
  ws.addEventListener('close', () => {
    live.textContent = 'offline (reconnecting)';
    live.className = 'live off';
    setTimeout(connect, retry);
    retry = Math.min(retry * 2, 30_000);
  });
}

onRelayChange(relayNote);
window.addEventListener('hashchange', () => navigate(true));
void (async () => {
  try {
    const [graph, id, relays] = await Promise.all([api.graph(), api.identity(), api.relays()]);
    learnPeers(graph);
    learnIdentity(id);
    for (const r of relays) setRelayState(r.url, r.connected);
  } catch {
    // Names fall back to short keys; each page reports its own load errors.
  }
  navigate(false);
  connect();
})();
