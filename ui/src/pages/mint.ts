/** Mint transparency: a table per notary of each unit/series verdict, its attesters and evidence. */
import { api } from '../api.ts';
import type { MintVerdictView } from '../api.ts';
import { empty, h } from '../dom.ts';
import { idLabel, labelOf, learnPeers, peerEl } from '../format.ts';
import type { Page } from '../main.ts';

const EXPLAIN: Record<MintVerdictView['verdict'], string> = {
  consistent: 'consistent: enough peers in your web saw the same mint',
  equivocation: 'equivocation: the notary signed another mint for someone else',
  reissued:
    'reissued: the notary re-issued this series with a new, non-overlapping validity window (unusual, worth a look; not proof of cheating)',
  rare: 'rare: too few peers saw this mint after the grace period',
  unknown: 'unknown: too few peers so far (within the grace period)',
};

function peers(list: string[]): HTMLElement {
  if (list.length === 0) return h('span', { class: 'muted' }, 'nobody yet');
  const ul = h('ul', { class: 'inline' });
  for (const p of list) ul.append(h('li', {}, peerEl(p)));
  return ul;
}

function evidence(v: MintVerdictView): HTMLElement | string {
  if (v.conflicts.length === 0 && !(v.evidence && v.evidence.length > 0)) return '–';
  const d = h(
    'details',
    { class: 'evidence', open: v.verdict === 'equivocation' },
    h('summary', {}, `${v.conflicts.length} other fingerprint${v.conflicts.length === 1 ? '' : 's'}`),
  );
  for (const c of v.conflicts) {
    d.append(
      h(
        'div',
        { class: 'conflict' },
        h('p', {}, 'Fingerprint ', h('code', { class: 'wrap' }, c.fingerprint)),
        h('p', {}, 'attested by ', peers(c.attesters)),
        c.eventIds.length > 0
          ? h(
              'p',
              { class: 'small' },
              'events ',
              ...c.eventIds.map((e) => h('code', { title: e }, `${e.slice(0, 12)}… `)),
            )
          : null,
      ),
    );
  }
  for (const e of v.evidence ?? []) {
    d.append(
      h(
        'p',
        { class: 'small' },
        'Evidence ',
        h('code', { title: e.eventId }, `${e.eventId.slice(0, 12)}…`),
        ' by ',
        peerEl(e.pubkey),
        `: ${e.fingerprints.length} mints, ${e.signed.length} with a verified notary signature${e.signed.length >= 2 ? ' (proof of cheating)' : ''}.`,
      ),
    );
  }
  return d;
}

export const mintPage: Page = {
  title: 'Mint transparency',
  refreshOn: ['mint', 'mint-alarm'],
  async render(root) {
    const [verdicts, g] = await Promise.all([api.mint(), api.graph()]);
    learnPeers(g);
    // What each verdict means, in words on the page (a title only shows on hover, never on touch).
    root.append(
      h(
        'ul',
        { class: 'legend', id: 'mint-legend', 'aria-label': 'What the verdicts mean' },
        ...(['consistent', 'equivocation', 'reissued', 'rare', 'unknown'] as const).map((k) =>
          h(
            'li',
            {},
            h('span', { class: `badge verdict-${k}` }, k),
            ' ',
            EXPLAIN[k].slice(EXPLAIN[k].indexOf(':') + 2),
          ),
        ),
      ),
    );
    if (verdicts.length === 0) {
      root.append(empty('No mints held yet: verdicts appear once your wallet holds cash from a notary.'));
      return;
    }
    const byNotary = new Map<string, MintVerdictView[]>();
    for (const v of verdicts) byNotary.set(v.notaryId, [...(byNotary.get(v.notaryId) ?? []), v]);
    for (const [notary, list] of byNotary) {
      const alarms = list.filter((v) => v.verdict === 'equivocation' || v.verdict === 'rare').length;
      const rows = list.map((v) =>
        h(
          'tr',
          { class: `verdict-row verdict-${v.verdict}`, 'data-verdict': v.verdict },
          h('td', {}, h('code', { title: v.unitId }, idLabel(v.unitId))),
          h('td', {}, v.series),
          h('td', {}, h('span', { class: `badge verdict-${v.verdict}`, title: EXPLAIN[v.verdict] }, v.verdict)),
          h('td', {}, h('code', { title: v.fingerprint }, `${v.fingerprint.slice(0, 12)}…`)),
          h('td', {}, peers(v.attesters)),
          h('td', {}, evidence(v)),
        ),
      );
      root.append(
        h(
          'section',
          { class: 'card', 'aria-label': `Notary ${notary}` },
          h(
            'h2',
            {},
            // A notary's name usually says "notary" already; an unnamed one shows its short ID.
            labelOf(notary) ? null : 'Notary ',
            h('span', { title: notary }, idLabel(notary)),
            alarms > 0
              ? h('span', { class: 'badge verdict-equivocation' }, `${alarms} alarm${alarms > 1 ? 's' : ''}`)
              : null,
          ),
          h(
            'table',
            {},
            h('caption', {}, `Mints served by this notary (${list.length})`),
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ...['unit', 'series', 'verdict', 'your fingerprint', 'attesters', 'evidence'].map((c) =>
                  h('th', { scope: 'col' }, c),
                ),
              ),
            ),
            h('tbody', {}, ...rows),
          ),
        ),
      );
    }
  },
};
