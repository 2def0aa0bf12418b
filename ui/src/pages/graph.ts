/** The social graph of follows and the offers published in it. */
import type { Core, ElementDefinition, LayoutOptions } from 'cytoscape';
import { ApiError, api } from '../api.ts';
import type { FollowResultView, OfferView, SocialGraphView } from '../api.ts';
import { drawGraph } from '../cy.ts';
import { empty, h, table } from '../dom.ts';
import { outputFor } from '../../../src/payments/quote.ts';
import { learnPeers, money, offerTerms, peerEl, peerName, unitLabel } from '../format.ts';
import type { Page } from '../main.ts';

let cy: Core | undefined;
/** How the people view's rings are stretched (wide) and flattened (short) to fill the box. */
const RING_X = 1.6;
const RING_Y = 0.6;
let view: 'peers' | 'units' = 'peers';

/** Peers as nodes, follows as dashed edges; each node lists what the peer converts. */
function peerElements(g: SocialGraphView): ElementDefinition[] {
  const offersOf = new Map<string, string[]>();
  for (const o of g.offers) {
    if (o.status && o.status !== 'open') continue;
    const list = offersOf.get(o.pubkey) ?? [];
    list.push(`${unitLabel(o.in)} → ${unitLabel(o.out)}  ${offerTerms(o)}`);
    offersOf.set(o.pubkey, list);
  }
  const nodes: ElementDefinition[] = g.nodes.map((n) => {
    const lines = [peerName(n.pubkey), ...(offersOf.get(n.pubkey) ?? [])];
    if (n.accepts && n.accepts.length > 0 && !offersOf.has(n.pubkey))
      lines.push(`accepts ${n.accepts.map(unitLabel).join(', ')}`);
    const classes = [n.pubkey === g.self ? 'self' : '', n.tags?.includes('alarm') ? 'alarm' : '']
      .filter(Boolean)
      .join(' ');
    return { data: { id: n.pubkey, label: lines.join('\n'), degree: n.degree ?? 9 }, classes };
  });
  const edges: ElementDefinition[] = g.edges.map((e, i) => ({
    data: { id: `f${i}`, source: e.from, target: e.to, label: '' },
    classes: 'follow',
  }));
  return [...nodes, ...edges];
}

/** Units as nodes, offers as edges: who converts what into what, at which cut. */
function unitElements(g: SocialGraphView): ElementDefinition[] {
  const units = new Set<string>();
  const edges: ElementDefinition[] = [];
  g.offers.forEach((o, i) => {
    if (o.status && o.status !== 'open') return;
    const a = `${o.in.unit}@${o.in.notary}`;
    const b = `${o.out.unit}@${o.out.notary}`;
    units.add(a);
    units.add(b);
    edges.push({
      data: { id: `o${i}`, source: `u:${a}`, target: `u:${b}`, label: `${peerName(o.pubkey)}\n${offerTerms(o)}` },
      classes: 'offer',
    });
  });
  const nodes: ElementDefinition[] = [...units].map((u) => ({
    data: { id: `u:${u}`, label: unitLabel(u) },
    classes: 'unit',
  }));
  return [...nodes, ...edges];
}

/** What the offer pays out for its smallest and largest input (rate, cut and fee applied). */
function outputRange(o: OfferView): string {
  try {
    const rate = { num: BigInt(o.rate[0]), den: BigInt(o.rate[1]) };
    const out = (v: string): string => outputFor(BigInt(v), rate, Number(o.cut_ppm), BigInt(o.fee)).toString();
    return `${money(out(o.min), o.out)} – ${money(out(o.max), o.out)}`;
  } catch {
    return '–';
  }
}

function draw(box: HTMLElement, g: SocialGraphView): void {
  cy?.destroy();
  const peers = view === 'peers';
  cy = drawGraph(
    box,
    peers ? peerElements(g) : unitElements(g),
    // Rings by follow-steps from the user (you in the middle): the web shows as a web, and the
    // layout is deterministic (the same graph draws the same way on every refresh).
    peers
      ? ({
          name: 'concentric',
          concentric: (n: { data: (k: string) => number }) => 10 - n.data('degree'),
          levelWidth: () => 1,
          // The first peers of a ring go left and right: the box is wider than it is tall.
          startAngle: Math.PI,
          // Rings flattened into ellipses: fitted to a wide, short box, a round ring shrinks every
          // label to fit its height and leaves the sides empty.
          transform: (_n: unknown, p: { x: number; y: number }) => ({ x: p.x * RING_X, y: p.y * RING_Y }),
          minNodeSpacing: 30,
          padding: 20,
          avoidOverlap: true,
        } as LayoutOptions)
      : ({ name: 'circle', padding: 40, spacingFactor: 1.8, avoidOverlap: true } as LayoutOptions),
  );
  box.setAttribute(
    'aria-label',
    peers
      ? `Graph of ${g.nodes.length} peers and ${g.edges.length} follows; the table below lists the same offers`
      : 'Graph of units and the offers converting between them; the table below lists the same offers',
  );
}

/** One line about what a follow change did (the page redraws on the `graph` event that follows). */
function followOutcome(verb: string, who: string, r: FollowResultView): string {
  if (r.event === null) return `Nothing to change: your list already says so for ${who}.`;
  const held = r.relays.filter((x) => x.ok).length;
  const local = r.base === 'local' ? ' (edited the list this data folder holds: no relay answered)' : '';
  return `${verb} ${who}: your follow list is held by ${held} of ${r.relays.length} relays${local}.`;
}

/**
 * The follow form's outcome and in-flight state outlive a render: the page redraws on the `graph`
 * event a follow causes, which must neither wipe what the follow did nor re-enable the button.
 */
let followStatus = '';
let following = false;

/** Follow a key by npub, and unfollow the people you follow: the list is edited, never replaced. */
function followSection(g: SocialGraphView): HTMLElement {
  const status = h('p', { role: 'status', 'aria-live': 'polite', id: 'follow-status' }, followStatus);
  const target = h('input', {
    id: 'follow-target',
    name: 'target',
    required: true,
    placeholder: 'npub1… or nprofile1…',
    autocomplete: 'off',
    spellcheck: false,
  });
  const petname = h('input', { id: 'follow-petname', name: 'petname', maxlength: 100, autocomplete: 'off' });
  const force = h('input', { id: 'follow-force', name: 'force', type: 'checkbox' });
  const submit = h('button', { type: 'submit', class: 'primary', id: 'follow-submit', disabled: following }, 'Follow');
  const say = (t: string): void => {
    followStatus = t;
    const el = document.getElementById('follow-status');
    if (el) el.textContent = t;
  };
  const busy = (on: boolean): void => {
    following = on;
    for (const b of document.querySelectorAll<HTMLButtonElement>('#follow-submit, #follows-table button.unfollow'))
      b.disabled = on;
  };
  const run = async (action: 'follow' | 'unfollow', key: string, name: string, who: string): Promise<void> => {
    // One change at a time: a double click must not publish two follow lists.
    if (following) return;
    busy(true);
    say(action === 'follow' ? 'Following…' : 'Unfollowing…');
    try {
      const r = await api.follow(key, action, name, force.checked);
      say(followOutcome(action === 'follow' ? 'Followed' : 'Unfollowed', who, r));
    } catch (err) {
      say(
        err instanceof ApiError
          ? `Not changed (${err.code}): ${err.message}`
          : `Not changed: ${(err as Error).message}`,
      );
    } finally {
      busy(false);
    }
  };
  const followed = g.nodes
    .filter((n) => n.degree === 1)
    .sort((a, b) => peerName(a.pubkey).localeCompare(peerName(b.pubkey)));
  const offersOf = (pk: string): number =>
    g.offers.filter((o) => o.pubkey === pk && (o.status ?? 'open') === 'open').length;
  return h(
    'section',
    { 'aria-labelledby': 'follows-h' },
    h('h2', { id: 'follows-h' }, `People you follow (${followed.length})`),
    h(
      'form',
      {
        class: 'card form-grid',
        id: 'follow-form',
        onsubmit: (e: Event) => {
          e.preventDefault();
          void run('follow', target.value.trim(), petname.value.trim(), petname.value.trim() || target.value.trim());
        },
      },
      h('label', { for: 'follow-target' }, 'Follow'),
      target,
      h('label', { for: 'follow-petname' }, 'Your name for them (optional)'),
      petname,
      h(
        'label',
        { for: 'follow-force', class: 'check' },
        force,
        ' Even if no relay answers with my current list (it then edits the one this data folder holds)',
      ),
      h('div', { class: 'actions' }, submit),
      status,
    ),
    h(
      'p',
      { class: 'hint' },
      'Your follow list is the one your other Nostr clients made: only the entry you change moves, everything else stays as it was.',
    ),
    followed.length === 0
      ? empty('You follow nobody yet: routes, offers and mint checks come from the people you follow.')
      : table(
          'People you follow',
          ['peer', 'offers', ''],
          followed.map((n) => [
            peerEl(n.pubkey),
            String(offersOf(n.pubkey)),
            h(
              'button',
              {
                type: 'button',
                class: 'small unfollow',
                'data-pubkey': n.pubkey,
                disabled: following,
                'aria-label': `Unfollow ${peerName(n.pubkey)}`,
                onclick: () => void run('unfollow', n.pubkey, '', peerName(n.pubkey)),
              },
              'Unfollow',
            ),
          ]),
          { id: 'follows-table' },
        ),
  );
}

export const graphPage: Page = {
  title: 'Offers graph',
  refreshOn: ['graph'],
  leave() {
    cy?.destroy();
    cy = undefined;
  },
  async render(root) {
    const g = await api.graph();
    learnPeers(g);
    const box = h('div', { class: 'graph', id: 'social-graph', role: 'img' });
    const radio = (value: 'peers' | 'units', label: string): HTMLElement =>
      h(
        'label',
        {},
        h('input', {
          type: 'radio',
          name: 'graph-view',
          value,
          checked: view === value,
          onchange: () => {
            view = value;
            draw(box, g);
          },
        }),
        ` ${label}`,
      );
    root.append(
      h(
        'fieldset',
        { class: 'toggle' },
        h('legend', {}, 'Show'),
        radio('peers', 'people and follows'),
        radio('units', 'conversions between units'),
      ),
      h(
        'p',
        { class: 'hint' },
        'People: dashed arrows are follows, rings are follow-steps from you, and each peer lists its offers (what it takes → what it pays out, the rate, its cut and fixed fee). Units: each arrow is an offer converting one unit into another.',
      ),
      box,
    );
    draw(box, g);
    root.append(followSection(g));
    const offerRows = g.offers.map((o) => [
      peerEl(o.pubkey),
      unitLabel(o.in),
      unitLabel(o.out),
      offerTerms(o),
      // min and max bound what the offer takes in; what it pays out follows from the terms.
      `${money(o.min, o.in)} – ${money(o.max, o.in)}`,
      outputRange(o),
      money(o.liquidity, o.out),
      o.status ?? 'open',
    ]);
    root.append(
      h(
        'section',
        { 'aria-labelledby': 'offers-h' },
        h('h2', { id: 'offers-h' }, `Offers (${g.offers.length})`),
        g.offers.length === 0
          ? empty('No offers in your web yet.')
          : table(
              'Conversion offers in your web',
              ['peer', 'takes', 'pays out', 'terms', 'input range', 'output range', 'liquidity', 'status'],
              offerRows,
            ),
      ),
    );
  },
};
