/** The route finder: payee, amount, unit -> the path(s) hop by hop; pays on confirmation. */
import type { Core, ElementDefinition } from 'cytoscape';
import { ApiError, api } from '../api.ts';
import type { OfferView, RouteAnswer } from '../api.ts';
import { parseDecimal } from '../../../src/core/decimal.ts';
import { drawGraph } from '../cy.ts';
import { append, clear, copyButton, h, table } from '../dom.ts';
import {
  factorOf,
  labelOf,
  learnIdentity,
  learnPeers,
  money,
  npubOf,
  offerTerms,
  peerEl,
  peerName,
  self,
  shortKey,
  unitLabel,
} from '../format.ts';
import type { Page } from '../main.ts';
import { noRelayReachable, onRelayChange } from '../relays.ts';

let cy: Core | undefined;
/** The last query, kept across live refreshes. */
const form = { to: '', amount: '', unit: '', payeeUnit: '' };

/**
 * Room for one hop: its two-line label (amount; the receiver's terms) is about 200 px wide, so a
 * column wider than the box allows only shrinks every label when the route is fitted.
 */
const MIN_COLUMN = 250;
const MAX_COLUMN = 420;
const ROW = 130;

/** A fresh idempotency key: 16 random bytes, base64url (22 characters). */
function newPayKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/** The payee's units a query may end in: every unit it accepts, or those `payeeUnit` names (TLA, unit ID or unit@notary). */
export function payeeUnits(accepts: readonly string[], payeeUnit: string): string[] {
  const t = payeeUnit.trim();
  if (!t) return [...accepts];
  return accepts.filter((ref) => {
    const unit = ref.slice(0, ref.lastIndexOf('@'));
    return ref === t || unit === t || labelOf(unit)?.toUpperCase() === t.toUpperCase();
  });
}

/**
 * The typed amount in base units: decimals in the payee unit's own scale (`20.00` EUR -> `2000`)
 * when every unit the query may end in has the same known factor; else only whole base units.
 */
export function toBaseUnits(text: string, units: readonly string[]): { base: string } | { error: string } {
  const t = text.trim();
  const factors = new Set(units.map((u) => factorOf(u) ?? '?'));
  const factor = factors.size === 1 ? [...factors][0] : undefined;
  if (factor !== undefined && factor !== '?') {
    try {
      return { base: parseDecimal(t, factor, 'amount', { min: 1n }).toString() };
    } catch (err) {
      return { error: (err as Error).message };
    }
  }
  if (/^[1-9][0-9]*$/.test(t)) return { base: t };
  return {
    error:
      units.length === 0
        ? `the payee's units and their scale are unknown here (no catalog in your web): type the amount in base units (a whole number), got "${t}"`
        : `the payee's units have different scales: name the unit it receives (e.g. EUR), or type base units (a whole number), got "${t}"`,
  };
}

function offerFor(r: RouteAnswer, to: string, id: string | null): OfferView | undefined {
  return id === null ? undefined : r.offers.find((o) => o.pubkey === to && o.id === id);
}

/** One row per part, payer on the left and payee on the right; edges carry amounts and terms. */
function routeElements(r: RouteAnswer, payee: string, width: number): ElementDefinition[] {
  const longest = Math.max(...r.parts.map((p) => p.hops.length));
  const column = Math.max(MIN_COLUMN, Math.min(MAX_COLUMN, (width - 200) / longest));
  const midY = ((r.parts.length - 1) * ROW) / 2;
  const els: ElementDefinition[] = [
    { data: { id: 'payer', label: peerName(self()) }, classes: 'self', position: { x: 0, y: midY } },
    { data: { id: 'payee', label: peerName(payee) }, classes: 'payee', position: { x: longest * column, y: midY } },
  ];
  r.parts.forEach((p, pi) => {
    let prev = 'payer';
    p.hops.forEach((hop, hi) => {
      const last = hi === p.hops.length - 1;
      const id = last ? 'payee' : `p${pi}h${hi}`;
      if (!last) els.push({ data: { id, label: peerName(hop.to) }, position: { x: (hi + 1) * column, y: pi * ROW } });
      const o = offerFor(r, hop.to, hop.offer);
      // The terms are those of the hop's receiver (the arrow's target): no name needed, and a short
      // label stays clear of the boxes at both ends.
      const label = [money(hop.amount, hop.unit), o ? offerTerms(o) : ''].filter(Boolean).join('\n');
      els.push({ data: { id: `e${pi}-${hi}`, source: prev, target: id, label }, classes: 'hop' });
      prev = id;
    });
  });
  return els;
}

function hopRows(r: RouteAnswer): (HTMLElement | string)[][] {
  return r.parts.flatMap((p, pi) =>
    p.hops.map((hop, hi) => {
      const o = offerFor(r, hop.to, hop.offer);
      return [
        String(pi + 1),
        String(hi + 1),
        peerEl(hop.from),
        peerEl(hop.to),
        money(hop.amount, hop.unit),
        o ? `${unitLabel(o.in)} → ${unitLabel(o.out)}, ${offerTerms(o)}` : 'payee (no conversion)',
      ];
    }),
  );
}

export const routePage: Page = {
  title: 'Route finder',
  refreshOn: [],
  leave() {
    cy?.destroy();
    cy = undefined;
  },
  async render(root) {
    const [id, g] = await Promise.all([api.identity(), api.graph()]);
    learnPeers(g);
    learnIdentity(id);
    const peers = g.nodes.filter((n) => n.pubkey !== g.self);
    const status = h('div', { id: 'route-status', role: 'status', 'aria-live': 'polite' });
    const result = h('div', { id: 'route-result' });
    const toInput = h('input', {
      id: 'route-to',
      name: 'to',
      list: 'route-peers',
      required: true,
      autocomplete: 'off',
      placeholder: 'npub1… or a name from the list',
      value: form.to,
      'aria-describedby': 'route-to-hint',
    });
    const amountInput = h('input', {
      id: 'route-amount',
      name: 'amount',
      required: true,
      inputmode: 'decimal',
      autocomplete: 'off',
      placeholder: 'e.g. 20.00',
      value: form.amount,
      'aria-describedby': 'route-amount-hint',
    });
    const units = id.units ?? [];
    const unitInput =
      units.length > 0
        ? h(
            'select',
            { id: 'route-unit', name: 'unit', required: true },
            ...units.map((u) => h('option', { value: u, selected: u === form.unit }, unitLabel(u))),
          )
        : h('input', { id: 'route-unit', name: 'unit', required: true, placeholder: 'unit@notary', value: form.unit });
    const payeeUnitInput = h('input', {
      id: 'route-payee-unit',
      name: 'payeeUnit',
      autocomplete: 'off',
      placeholder: 'any it accepts (e.g. EUR)',
      value: form.payeeUnit,
      'aria-describedby': 'route-payee-unit-hint',
    });
    const datalist = h(
      'datalist',
      { id: 'route-peers' },
      ...peers.map((n) => h('option', { value: n.npub }, n.name ?? n.npub)),
    );

    const resolvePayee = (text: string): string => {
      const t = text.trim();
      const byName = peers.find((n) => n.name !== undefined && n.name.toLowerCase() === t.toLowerCase());
      if (byName) return byName.pubkey;
      const byNpub = peers.find((n) => n.npub === t);
      return byNpub ? byNpub.pubkey : t;
    };

    const dialog = h('dialog', { id: 'pay-dialog', 'aria-labelledby': 'pay-h' });
    let found:
      | {
          answer: RouteAnswer;
          to: string;
          amount: string;
          unit: string;
          payeeUnit: string;
          firstUnit: string;
          lastUnit: string;
        }
      | undefined;
    /** The idempotency key of the confirmation being paid: one per confirmation, so a repeat pays nothing. */
    let payKey: string | undefined;
    let payButton: HTMLButtonElement | undefined;

    const pay = async (): Promise<void> => {
      // The dialog's Pay is off then; a relay that dropped between the click and here is no reason to try.
      if (!found || !payKey || noRelayReachable()) return;
      const f = found;
      const key = payKey;
      if (payButton) payButton.disabled = true;
      status.textContent = 'Paying… each hop quotes first, then the transfers settle.';
      try {
        const res = await api.pay(f.to, f.amount, f.unit, f.payeeUnit, f.answer, key);
        // Paid (or failed for good): this route is done. Another payment starts from "New payment".
        payButton?.remove();
        payButton = undefined;
        payKey = undefined;
        found = undefined;
        const again = h('button', { type: 'button', id: 'pay-new' }, 'New payment');
        again.addEventListener('click', () => {
          clear(status);
          clear(result);
          cy?.destroy();
          cy = undefined;
          amountInput.focus();
        });
        clear(status);
        append(
          status,
          h(
            'p',
            { class: `outcome ${res.state === 'succeeded' ? 'ok' : 'bad'}`, id: 'pay-outcome' },
            res.state !== 'succeeded' && res.sent === '0'
              ? `Payment ${res.state}: nothing was sent.`
              : `Payment ${res.state}: sent ${money(res.sent, f.firstUnit)}, delivered ${money(res.delivered, f.lastUnit)}${res.refunded !== '0' ? `, refunded ${money(res.refunded, f.firstUnit)}` : ''}.`,
          ),
          res.preimage ? h('p', {}, 'Receipt (preimage): ', h('code', { class: 'wrap' }, res.preimage)) : null,
          res.error ? h('p', { class: 'error' }, `${res.error.code}: ${res.error.message}`) : null,
          h('p', { class: 'actions' }, again, ' ', h('a', { href: '#/payments' }, 'See all payments')),
        );
      } catch (err) {
        // Refused by the server: nothing was paid, a new confirmation gets a new key. A transport
        // error leaves the outcome unknown: the key stays, so confirming again replays it.
        if (err instanceof ApiError) payKey = undefined;
        if (payButton) payButton.disabled = false;
        clear(status);
        status.append(
          h(
            'p',
            { class: 'error', id: 'pay-outcome' },
            err instanceof ApiError
              ? `Not paid (${err.code}): ${err.message}`
              : `Outcome unknown: ${(err as Error).message}. Confirming again pays at most once.`,
          ),
        );
      }
    };

    const find = async (ev: Event): Promise<void> => {
      ev.preventDefault();
      form.to = toInput.value;
      form.amount = amountInput.value;
      form.unit = unitInput.value;
      form.payeeUnit = payeeUnitInput.value.trim();
      cy?.destroy();
      cy = undefined;
      clear(result);
      found = undefined;
      const to = resolvePayee(toInput.value);
      const fail = (text: string): void => {
        clear(status);
        status.append(h('p', { class: 'error' }, text));
      };
      // The payee first: an amount's scale comes from its catalog, so a payee who is not in the
      // web would otherwise be reported as an amount problem.
      const node = peers.find((n) => n.pubkey === to);
      if (!node) {
        const t = toInput.value.trim();
        fail(
          /^npub1[02-9ac-hj-np-z]{58}$/.test(t) ||
            /^nprofile1[02-9ac-hj-np-z]{50,}$/.test(t) ||
            /^[0-9a-f]{64}$/.test(t)
            ? `Payee: ${t.slice(0, 16)}… is not in your web: follow them on the Offers graph page, so their catalog (what they accept) is known.`
            : `Payee: "${t}" is not a name from your web, an npub or a hex public key.`,
        );
        return;
      }
      const accepts = node.accepts ?? [];
      const targets = payeeUnits(accepts, form.payeeUnit);
      if (accepts.length > 0 && targets.length === 0) {
        fail(`${peerName(to)} accepts ${accepts.map(unitLabel).join(', ')}, not ${form.payeeUnit}.`);
        return;
      }
      if (/^0*(\.0*)?$/.test(amountInput.value.trim())) {
        fail('Amount: must be more than 0.');
        return;
      }
      const typed = toBaseUnits(amountInput.value, targets);
      if ('error' in typed) {
        fail(`Amount: ${typed.error}.`);
        return;
      }
      const base = typed.base;
      status.textContent = 'Searching…';
      try {
        const r = await api.route(to, base, unitInput.value, form.payeeUnit);
        const payee = r.parts[0]?.hops.at(-1)?.to ?? to;
        const hops = r.parts.reduce((n, p) => n + p.hops.length, 0);
        status.textContent = `Found ${r.parts.length} path${r.parts.length > 1 ? 's' : ''} with ${hops} transfer${hops > 1 ? 's' : ''}.`;
        const lastUnit = r.parts[0]?.hops.at(-1)?.unit ?? '';
        const firstUnit = r.parts[0]?.hops[0]?.unit ?? '';
        found = {
          answer: r,
          to,
          amount: base,
          unit: unitInput.value,
          payeeUnit: form.payeeUnit,
          firstUnit,
          lastUnit,
        };
        payKey = undefined;
        const box = h('div', {
          class: 'graph route',
          id: 'route-graph',
          role: 'img',
          'aria-label': `Route to ${peerName(payee)}: ${r.parts.map((p) => [peerName(self()), ...p.hops.map((x) => peerName(x.to))].join(' → ')).join('; ')}`,
        });
        const button = h(
          'button',
          { type: 'button', id: 'pay-button', class: 'primary' },
          `Pay ${money(r.receive, lastUnit)} to ${peerName(payee)}…`,
        );
        payButton = button;
        result.append(
          h(
            'p',
            { class: 'summary', id: 'route-summary' },
            `You spend ${money(r.spend, firstUnit)}; ${peerName(payee)} receives ${money(r.receive, lastUnit)}.`,
          ),
          box,
          table('Transfers, hop by hop', ['path', 'hop', 'from', 'to', 'amount', 'offer at the receiver'], hopRows(r), {
            id: 'route-hops',
          }),
          h('p', {}, button),
        );
        cy = drawGraph(box, routeElements(r, payee, box.clientWidth), { name: 'preset', padding: 50, fit: true });
        button.addEventListener('click', () => {
          if (button.disabled) return;
          // A new confirmation: a new key (kept when the last attempt's outcome is unknown).
          payKey ??= newPayKey();
          const npub = npubOf(payee) ?? payee;
          const first = r.parts[0]?.hops[0]?.to ?? payee;
          // Every transfer starts with a message over a relay: with none reachable the payment could
          // only wait for the first hop's timeout, so the dialog says so and will not start it.
          const offline = h(
            'p',
            { class: 'error', id: 'pay-no-relay', role: 'alert', hidden: true },
            h('strong', {}, 'No relay is reachable: '),
            `this payment cannot reach ${peerName(first)}${first === payee ? '' : ` (the first hop) nor ${peerName(payee)}`}, so it would only fail after a timeout. Pay is off until a relay answers (`,
            h('a', { href: '#/identity' }, 'relay health'),
            ').',
          );
          const confirm = h('button', { type: 'submit', value: 'pay', id: 'pay-confirm', class: 'primary' }, 'Pay now');
          clear(dialog);
          dialog.append(
            h('h2', { id: 'pay-h' }, 'Confirm payment'),
            h('p', {}, `Pay ${money(r.receive, lastUnit)} to ${peerName(payee)}.`),
            h(
              'p',
              { class: 'key' },
              h('code', { title: npub, id: 'pay-npub' }, shortKey(payee)),
              ' ',
              copyButton(npub, 'the payee npub'),
            ),
            h(
              'p',
              {},
              `You spend ${money(r.spend, firstUnit)} over ${r.parts.length} path${r.parts.length > 1 ? 's' : ''}; the route is fixed as shown.`,
            ),
            offline,
            h(
              'form',
              { method: 'dialog', class: 'actions' },
              h('button', { type: 'submit', value: 'cancel', id: 'pay-cancel' }, 'Cancel'),
              confirm,
            ),
          );
          // The relay state can change while the dialog is open: a relay that answers again enables Pay.
          // Watched until the dialog closes or leaves the page (another page replaced this one).
          const showRelays = (): void => {
            if (!offline.isConnected) {
              stopWatching();
              return;
            }
            const down = noRelayReachable();
            offline.hidden = !down;
            confirm.disabled = down;
          };
          const stopWatching = onRelayChange(showRelays);
          dialog.addEventListener('close', () => stopWatching(), { once: true });
          dialog.showModal();
          showRelays();
          (dialog.querySelector('#pay-cancel') as HTMLButtonElement).focus();
        });
      } catch (err) {
        clear(status);
        status.append(
          h(
            'p',
            { class: 'error', title: err instanceof ApiError ? err.message : '' },
            err instanceof ApiError
              ? err.code === 'no-route'
                ? `No route to ${peerName(to)} for ${amountInput.value.trim()}${form.payeeUnit ? ` ${form.payeeUnit}` : ''}: no path through your web can deliver it (each offer's units, range and liquidity count).`
                : `${err.code}: ${err.message}`
              : (err as Error).message,
          ),
        );
      }
    };

    dialog.addEventListener('close', () => {
      if (dialog.returnValue === 'pay') void pay();
    });

    root.append(
      h(
        'form',
        { class: 'card form-grid', id: 'route-form', onsubmit: (e: Event) => void find(e) },
        h('label', { for: 'route-to' }, 'Payee'),
        toInput,
        h('small', { id: 'route-to-hint', class: 'hint' }, 'A name from your web, an npub or a hex public key.'),
        datalist,
        h('label', { for: 'route-amount' }, 'Amount the payee receives'),
        amountInput,
        h(
          'small',
          { id: 'route-amount-hint', class: 'hint' },
          "In the unit's own scale: 20.00 for twenty euros. A whole number of base units when no catalog gives the scale.",
        ),
        h('label', { for: 'route-payee-unit' }, 'Unit the payee receives'),
        payeeUnitInput,
        h(
          'small',
          { id: 'route-payee-unit-hint', class: 'hint' },
          "A unit from the payee's catalog: its code (EUR), ID or unit@notary. Empty: any it accepts.",
        ),
        h('label', { for: 'route-unit' }, 'You pay in'),
        unitInput,
        units.length === 0
          ? h(
              'small',
              { id: 'route-unit-hint', class: 'hint' },
              'You hold nothing to pay with yet (see Identity & relays): type a unit@notary to see what a route would cost.',
            )
          : null,
        h(
          'div',
          { class: 'actions' },
          h('button', { type: 'submit', class: 'primary', id: 'route-find' }, 'Find route'),
        ),
      ),
      status,
      result,
      dialog,
    );
  },
};
