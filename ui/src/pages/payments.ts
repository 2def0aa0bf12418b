/** Payments in every role, with their state and receipts. */
import { api } from '../api.ts';
import type { PaymentView } from '../api.ts';
import { empty, h } from '../dom.ts';
import { amount, learnPeers, money, peerEl, peerName, when } from '../format.ts';
import type { Page } from '../main.ts';

const GOOD = new Set(['succeeded', 'fulfilled', 'forwarded']);
const BAD = new Set(['failed', 'rejected', 'expired']);

function stateClass(s: string): string {
  if (GOOD.has(s)) return 'ok';
  if (BAD.has(s)) return 'bad';
  if (s === 'refunded') return 'warn';
  return 'muted';
}

/** An amount in its unit's scale when the unit is known, else grouped base units. */
function show(a: string | null, unit: string | undefined): string {
  return unit ? money(a, unit) : amount(a);
}

/** Who the payment was with, from this side: the payee, the payer (and the hop it came through), or both neighbours of a hop. */
function parties(p: PaymentView): (HTMLElement | string)[] {
  if (p.role === 'payer') {
    const payee = p.route.at(-1);
    return payee ? ['to ', peerEl(payee)] : ['–'];
  }
  if (p.role === 'payee')
    return p.prevPeer && p.prevPeer !== p.payer
      ? ['from ', peerEl(p.payer), ' via ', peerEl(p.prevPeer)]
      : ['from ', peerEl(p.payer)];
  return [peerEl(p.prevPeer ?? p.payer), ' → ', p.nextPeer ? peerEl(p.nextPeer) : '?'];
}

function receipt(p: PaymentView): HTMLElement | string {
  const items: (HTMLElement | null)[] = [
    p.paymentHash ? h('p', {}, 'payment hash ', h('code', { class: 'wrap' }, p.paymentHash)) : null,
    p.preimage ? h('p', {}, 'preimage (proof of payment) ', h('code', { class: 'wrap' }, p.preimage)) : null,
    p.route.length > 0 ? h('p', {}, 'route ', p.route.map(peerName).join(' → ')) : null,
    Object.keys(p.notices).length > 0
      ? h(
          'p',
          {},
          'claimed per leg: ',
          Object.entries(p.notices)
            .map(([k, v]) => `${k}: ${v}`)
            .join(', '),
        )
      : null,
    p.error ? h('p', { class: 'error' }, `${p.error.code}: ${p.error.message}`) : null,
    h('p', { class: 'small' }, `steps: ${p.steps.done} done, ${p.steps.pending} pending, ${p.steps.failed} failed`),
  ];
  return h('details', {}, h('summary', {}, p.preimage ? 'receipt' : 'details'), ...items);
}

export const paymentsPage: Page = {
  title: 'Payments',
  refreshOn: ['payment'],
  async render(root) {
    const [list, g] = await Promise.all([api.payments(), api.graph()]);
    learnPeers(g);
    if (list.length === 0) {
      root.append(empty('No payments yet. Find a route and pay from the route finder.'));
      return;
    }
    root.append(
      h(
        'table',
        { id: 'payments-table' },
        h('caption', {}, `${list.length} payment${list.length > 1 ? 's' : ''}, newest first`),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...[
              'payment',
              'role',
              'state',
              'with',
              'in',
              'out',
              'sent / delivered / refunded',
              'updated',
              'receipt',
            ].map((c) => h('th', { scope: 'col' }, c)),
          ),
        ),
        h(
          'tbody',
          {},
          ...list.map((p) =>
            h(
              'tr',
              { 'data-state': p.state },
              h('td', {}, h('code', { title: p.id }, `${p.id.slice(0, 10)}…`)),
              h('td', {}, p.role),
              h('td', {}, h('span', { class: `pill ${stateClass(p.state)}` }, p.state)),
              h('td', { class: 'parties' }, ...parties(p)),
              h('td', {}, p.amountIn === null ? '–' : show(p.amountIn, p.unitIn)),
              h('td', {}, p.amountOut === null ? '–' : show(p.amountOut, p.unitOut)),
              h(
                'td',
                {},
                p.role === 'payer'
                  ? `${show(p.sent, p.unitIn)} / ${show(p.delivered, p.unitOut)} / ${show(p.refunded, p.unitIn)}`
                  : '–',
              ),
              h('td', {}, when(p.updatedAt)),
              h('td', {}, receipt(p)),
            ),
          ),
        ),
      ),
    );
  },
};
