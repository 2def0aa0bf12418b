/** Identity, relay health and the outbox. */
import { api } from '../api.ts';
import { copyButton, empty, h, table } from '../dom.ts';
import { learnIdentity, unitLabel, when } from '../format.ts';
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
          id.units && id.units.length > 0 ? h('dt', {}, 'spendable units') : null,
          id.units && id.units.length > 0
            ? h(
                'dd',
                {},
                h(
                  'ul',
                  { class: 'plain', id: 'units' },
                  ...id.units.map((u) =>
                    h('li', {}, h('span', { title: u }, unitLabel(u)), ' ', h('code', { class: 'small muted' }, u)),
                  ),
                ),
              )
            : null,
        ),
      ),
    );
    const relaySection = h(
      'section',
      { class: 'card', 'aria-labelledby': 'relays-h' },
      h('h2', { id: 'relays-h' }, 'Relays'),
    );
    if (relays.length === 0) relaySection.append(empty('No relays: this dashboard runs over an offline offers file.'));
    else
      relaySection.append(
        table(
          'Relay health',
          ['relay', 'status', 'latency', 'failures', 'connects / drops', 'roles', 'last error'],
          relays.map((r) => [
            h('code', {}, r.url),
            h('span', { class: `dot ${r.connected ? 'ok' : 'down'}` }, r.connected ? 'connected' : 'disconnected'),
            r.latencyMs === null ? '–' : `${Math.round(r.latencyMs)} ms`,
            String(r.failures),
            `${r.connects} / ${r.disconnects}`,
            (r.roles ?? []).join(', ') || '–',
            r.lastError ?? '–',
          ]),
        ),
      );
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
