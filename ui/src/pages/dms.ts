/** Private messages (NIP-17): the conversation list and a form to write. */
import { ApiError, api } from '../api.ts';
import type { DmView } from '../api.ts';
import { empty, h } from '../dom.ts';
import { learnPeers, peerEl, peerName, self, when } from '../format.ts';
import type { Page } from '../main.ts';

/**
 * The form's state outlives a render: the page re-renders on every live message (the copy of one
 * being sent included), which must not lose the draft, the outcome or the in-flight send.
 */
let draftTo = '';
let draftText = '';
let lastStatus = '';
let sending = false;
let statusEl: HTMLElement | undefined;
let buttonEl: HTMLButtonElement | undefined;

/** One message of the conversation. */
function messageItem(m: DmView): HTMLElement {
  const mine = m.sender === self();
  return h(
    'li',
    { class: mine ? 'mine' : 'theirs', 'data-id': m.id },
    h(
      'p',
      { class: 'meta' },
      mine ? 'You → ' : '',
      mine ? peerEl(m.recipients.find((r) => r !== m.sender) ?? m.sender) : peerEl(m.sender),
      ` · ${when(m.created_at)}`,
    ),
    m.subject ? h('p', { class: 'subject' }, m.subject) : null,
    h('p', { class: 'text' }, m.text),
  );
}

/** Show a message just sent: its copy only comes back through a relay, and none may be reachable. */
function showSent(m: DmView): void {
  const list = document.getElementById('dm-list');
  if (!list || list.querySelector(`li[data-id="${CSS.escape(m.id)}"]`)) return;
  list.append(messageItem(m));
  document.querySelector('#page-dms .empty')?.remove();
}

export const dmsPage: Page = {
  title: 'Messages',
  refreshOn: ['dm'],
  async render(root) {
    const [list, g] = await Promise.all([api.dms(), api.graph()]);
    learnPeers(g);
    const peers = g.nodes.filter((n) => n.pubkey !== g.self);
    const status = h('p', { role: 'status', 'aria-live': 'polite', id: 'dm-status' }, lastStatus);
    statusEl = status;
    const to = h(
      'select',
      { id: 'dm-to', name: 'to', required: true },
      h('option', { value: '' }, 'Choose a peer…'),
      ...peers.map((n) => h('option', { value: n.pubkey, selected: n.pubkey === draftTo }, n.name ?? n.npub)),
    );
    const text = h('textarea', { id: 'dm-text', name: 'text', required: true, rows: 3, maxlength: 8000 });
    text.value = draftText;
    text.addEventListener('input', () => (draftText = text.value));
    to.addEventListener('change', () => (draftTo = to.value));
    const button = h(
      'button',
      { type: 'submit', class: 'primary', id: 'dm-send', disabled: sending },
      'Send privately',
    );
    buttonEl = button;
    const say = (t: string): void => {
      lastStatus = t;
      if (statusEl) statusEl.textContent = t;
    };
    const send = async (ev: Event): Promise<void> => {
      ev.preventDefault();
      // One message per press: a second click while the first is on its way sends nothing.
      if (sending) return;
      sending = true;
      button.disabled = true;
      draftTo = to.value;
      const recipient = to.value;
      say('Sending…');
      try {
        const sent = await api.sendDm(recipient, text.value);
        showSent(sent);
        draftText = '';
        // The form may have been re-rendered meanwhile: clear the one on the page.
        const current = document.getElementById('dm-text') as HTMLTextAreaElement | null;
        if (current) current.value = '';
        say(
          sent.delivery !== 'waiting'
            ? `Sent to ${peerName(recipient)}.`
            : `Queued for ${peerName(recipient)}: no relay is reachable now; the outbox sends it when one answers (see Identity & relays).`,
        );
      } catch (err) {
        say(
          err instanceof ApiError && err.code === 'relay-incomplete'
            ? `Not sent: no relay answered, so where ${peerName(recipient)} reads messages is unknown; try again when a relay answers (${err.message}).`
            : err instanceof ApiError
              ? `Not sent (${err.code}): ${err.message}`
              : `Not sent: ${(err as Error).message}`,
        );
      } finally {
        sending = false;
        if (buttonEl) buttonEl.disabled = false;
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
        h('div', { class: 'actions' }, button),
        status,
      ),
    );
    const ol = h('ol', { class: 'messages', id: 'dm-list', 'aria-label': 'Messages, oldest first' });
    for (const m of list) ol.append(messageItem(m));
    if (list.length === 0) root.append(empty('No messages yet.'));
    root.append(h('section', { 'aria-label': 'Conversation' }, ol));
  },
};
