/** Private messages (NIP-17): the conversation list and a form to write. */
import { ApiError, api } from '../api.ts';
import { empty, h } from '../dom.ts';
import { learnPeers, peerEl, peerName, self, when } from '../format.ts';
import type { Page } from '../main.ts';

let draftTo = '';

export const dmsPage: Page = {
  title: 'Messages',
  refreshOn: ['dm'],
  async render(root) {
    const [list, g] = await Promise.all([api.dms(), api.graph()]);
    learnPeers(g);
    const peers = g.nodes.filter((n) => n.pubkey !== g.self);
    const status = h('p', { role: 'status', 'aria-live': 'polite', id: 'dm-status' });
    const to = h(
      'select',
      { id: 'dm-to', name: 'to', required: true },
      h('option', { value: '' }, 'Choose a peer…'),
      ...peers.map((n) => h('option', { value: n.pubkey, selected: n.pubkey === draftTo }, n.name ?? n.npub)),
    );
    const text = h('textarea', { id: 'dm-text', name: 'text', required: true, rows: 3, maxlength: 8000 });
    const send = async (ev: Event): Promise<void> => {
      ev.preventDefault();
      draftTo = to.value;
      status.textContent = 'Sending…';
      try {
        await api.sendDm(to.value, text.value);
        text.value = '';
        status.textContent = `Sent to ${peerName(to.value)}.`;
      } catch (err) {
        status.textContent =
          err instanceof ApiError ? `Not sent (${err.code}): ${err.message}` : `Not sent: ${(err as Error).message}`;
      }
    };
    root.append(
      h(
        'form',
        { class: 'card form-grid', onsubmit: (e: Event) => void send(e) },
        h('label', { for: 'dm-to' }, 'To'),
        to,
        h('label', { for: 'dm-text' }, 'Message'),
        text,
        h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Send privately')),
        status,
      ),
    );
    if (list.length === 0) {
      root.append(empty('No messages yet.'));
      return;
    }
    const ol = h('ol', { class: 'messages', 'aria-label': 'Messages, oldest first' });
    for (const m of list) {
      const mine = m.sender === self();
      ol.append(
        h(
          'li',
          { class: mine ? 'mine' : 'theirs' },
          h(
            'p',
            { class: 'meta' },
            mine ? 'You → ' : '',
            mine ? peerEl(m.recipients.find((r) => r !== m.sender) ?? m.sender) : peerEl(m.sender),
            ` · ${when(m.created_at)}`,
          ),
          m.subject ? h('p', { class: 'subject' }, m.subject) : null,
          h('p', { class: 'text' }, m.text),
        ),
      );
    }
    root.append(h('section', { 'aria-label': 'Conversation' }, ol));
  },
};
