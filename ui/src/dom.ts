/**
 * Tiny DOM helpers. Everything shown comes from the network (names, DM text, relay notices), so
 * text always goes through `textContent`, never `innerHTML`.
 */

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | ((ev: Event) => void)>;

/** Create an element with attributes (`on*` keys become listeners) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, ...children);
  return el;
}

/** Append children (strings as text nodes). */
export function append(el: Element, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/** Remove all children. */
export function clear(el: Element): void {
  while (el.firstChild) el.firstChild.remove();
}

/** A table with a caption, header cells and rows of cells. */
export function table(caption: string, head: string[], rows: Child[][], attrs: Attrs = {}): HTMLTableElement {
  return h(
    'table',
    attrs,
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, ...head.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c) => h('td', {}, c))))),
  );
}

/** A short, non-interactive note. */
export function empty(text: string): HTMLParagraphElement {
  return h('p', { class: 'empty' }, text);
}

/** A button copying `text` to the clipboard; says whether it worked. */
export function copyButton(text: string, label: string): HTMLButtonElement {
  const b = h('button', { type: 'button', class: 'small', 'aria-label': `Copy ${label}` }, 'Copy');
  b.addEventListener('click', () => {
    void navigator.clipboard?.writeText(text).then(
      () => (b.textContent = 'Copied'),
      () => (b.textContent = 'Copy failed'),
    );
  });
  return b;
}
