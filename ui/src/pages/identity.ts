/** Identity, relay health and the outbox. */
import { api } from '../api.ts';
import { copyButton, empty, h, table } from '../dom.ts';
import { learnIdentity, money, unitLabel, when } from '../format.ts';
import type { Page } from '../main.ts';

export const identityPage: Page = {
  title: 'Identity & relays',
  refreshOn: ['relay', 'outbox'],
  async render(root) {
    const [id, relays, outbox] = await Promise.all([api.identity(), api.relays(), api.outbox()]);
    learnIdentity(id);
    root.append(
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'id-h' },
        h('h2', { id: 'id-h' }, id.name ?? 'Your identity'),
        h(
          'dl',
          { class: 'kv' },
          h('dt', {}, 'npub'),
          h('dd', {}, h('code', { id: 'npub' }, id.npub), ' ', copyButton(id.npub, 'npub')),
          h('dt', {}, 'public key (hex)'),
          h('dd', {}, h('code', {}, id.pubkey)),
          h('dt', {}, 'you hold'),
          !id.units || id.units.length === 0
            ? h(
                'dd',
                { id: 'units-none', class: 'muted' },
                'Nothing yet: no account of your OT wallet holds a balance (otp2p config set otData DIR, or otUser with simulatedNotaries).',
              )
            : h(
                'dd',
                {},
                h(
                  'ul',
                  { class: 'plain', id: 'units' },
                  ...id.units.map((u) =>
                    h(
                      'li',
                      {},
                      id.balances?.[u] !== undefined
                        ? h('strong', { class: 'balance' }, `${money(id.balances[u], u)}`)
                        : h('span', { title: u }, unitLabel(u)),
                      ' ',
                      h('code', { class: 'small muted' }, u),
                    ),
                  ),
                ),
              ),
        ),
      ),
    );
    const relaySection = h(
      'section',
      { class: 'card', 'aria-labelledby': 'relays-h' },
      h('h2', { id: 'relays-h' }, 'Relays'),
    );
    if (relays.length === 0) relaySection.append(empty('No relays: this dashboard runs over an offline offers file.'));
    else {
      // A column only when some relay has a value for it: a column of dashes says nothing.
      const cols: [string, (r: (typeof relays)[number]) => HTMLElement | string, boolean][] = [
        ['relay', (r) => h('code', {}, r.url), true],
        [
          'status',
          (r) =>
            h('span', { class: `dot ${r.connected ? 'ok' : 'down'}` }, r.connected ? 'connected' : 'not reachable'),
          true,
        ],
        [
          'latency',
          (r) => (r.latencyMs === null ? '–' : `${Math.round(r.latencyMs)} ms`),
          relays.some((r) => r.latencyMs !== null),
        ],
        ['failures', (r) => String(r.failures), true],
        ['connects / drops', (r) => `${r.connects} / ${r.disconnects}`, true],
        ['roles', (r) => (r.roles ?? []).join(', ') || '–', relays.some((r) => (r.roles ?? []).length > 0)],
        ['last error', (r) => r.lastError ?? '–', relays.some((r) => r.lastError !== null)],
      ];
      const shown = cols.filter(([, , on]) => on);
      relaySection.append(
        table(
          'Relay health',
          shown.map(([name]) => name),
          relays.map((r) => shown.map(([, cell]) => cell(r))),
          { id: 'relays-table' },
        ),
      );
    }
    root.append(relaySection);
    const c = outbox.counts;
    const outboxSection = h(
      'section',
      { class: 'card', 'aria-labelledby': 'outbox-h' },
      h('h2', { id: 'outbox-h' }, 'Outbox'),
      h(
        'p',
        { class: 'counts' },
        h('span', { class: 'pill ok' }, `${c.acked} acknowledged`),
        ' ',
        h('span', { class: `pill ${c.pending > 0 ? 'warn' : 'muted'}` }, `${c.pending} pending`),
        ' ',
        h('span', { class: `pill ${c.failed > 0 ? 'bad' : 'muted'}` }, `${c.failed} failed`),
      ),
    );
    if (outbox.items.length > 0)
      outboxSection.append(
        table(
          'Events not yet acknowledged by every relay',
          ['event', 'kind', 'relay', 'status', 'attempts', 'last answer', 'next attempt'],
          outbox.items.map((i) => [
            h('code', { title: i.eventId }, `${i.eventId.slice(0, 12)}…`),
            String(i.kind),
            i.relay,
            i.status,
            String(i.attempts),
            i.lastCode ? `${i.lastCode}${i.lastMessage ? `: ${i.lastMessage}` : ''}` : '–',
            i.status === 'pending' ? when(i.nextAttemptAt) : '–',
          ]),
        ),
      );
    root.append(outboxSection);
  },
};
