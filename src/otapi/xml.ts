/**
 * A small strict XML parser for OT files. Deliberately not a general parser: no DOCTYPE (so no
 * entity expansion, no XML bombs, no external entities), only the five predefined entities and
 * numeric character references, a cap on nesting depth and on input size. Iterative (an explicit
 * stack), so hostile nesting cannot overflow the JS stack.
 */
import { OtP2pError, describeValue } from '../core/errors.ts';

/** An element. `attrs` has a null prototype, so `__proto__` is just a name. */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
}

/** A child: an element or a run of character data. */
export type XmlNode = XmlElement | string;

/** Limits for {@link parseXml}. */
export interface XmlLimits {
  /** Maximum input length in characters (default 4 MiB). */
  maxChars?: number;
  /** Maximum element nesting depth (default 64). */
  maxDepth?: number;
  /** Maximum number of attributes on one element (default 64). */
  maxAttributes?: number;
}

const NAME_START = /[A-Za-z_:]/;
const NAME_CHAR = /[-A-Za-z0-9_:.]/;

function bad(message: string, pos: number): OtP2pError {
  return new OtP2pError('bad-xml', `${message} at offset ${pos}`, { context: { offset: pos } });
}

function decodeEntities(raw: string, pos: number): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(/&([^;&\s]{0,12});?/g, (whole, name: string) => {
    if (!whole.endsWith(';')) throw bad(`unterminated entity ${describeValue(whole)}`, pos);
    switch (name) {
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'amp':
        return '&';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
      default: {
        const m = /^#(?:x([0-9A-Fa-f]{1,6})|([0-9]{1,7}))$/.exec(name);
        if (!m)
          throw bad(
            `unknown entity ${describeValue(whole)} (only the five predefined and numeric references are allowed)`,
            pos,
          );
        const cp = m[1] !== undefined ? parseInt(m[1], 16) : parseInt(m[2] as string, 10);
        if (cp === 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
          throw bad(`invalid character reference ${describeValue(whole)}`, pos);
        return String.fromCodePoint(cp);
      }
    }
  });
}

/**
 * Parse an XML document into its root element. Comments and processing instructions (including
 * the `<?xml ...?>` declaration) are skipped; CDATA becomes text.
 * @throws OtP2pError `bad-xml` (syntax, DOCTYPE, unknown entity, mismatched tags, no root),
 *   `xml-too-deep` (over `maxDepth`), `too-large` (over `maxChars`).
 */
export function parseXml(text: string, limits: XmlLimits = {}): XmlElement {
  const maxChars = limits.maxChars ?? 4 * 1024 * 1024;
  const maxDepth = limits.maxDepth ?? 64;
  const maxAttributes = limits.maxAttributes ?? 64;
  if (typeof text !== 'string')
    throw new OtP2pError('bad-xml', `XML input must be a string, got ${describeValue(text)}`);
  if (text.length > maxChars) {
    throw new OtP2pError('too-large', `XML is ${text.length} characters, over the limit of ${maxChars}`, {
      context: { length: text.length },
    });
  }
  const n = text.length;
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;

  const readName = (): string => {
    const start = pos;
    if (pos >= n || !NAME_START.test(text[pos] as string)) throw bad('expected a name', pos);
    pos++;
    while (pos < n && NAME_CHAR.test(text[pos] as string)) pos++;
    return text.slice(start, pos);
  };
  const skipSpace = (): void => {
    while (pos < n && /\s/.test(text[pos] as string)) pos++;
  };
  const skipUntil = (end: string, what: string): void => {
    const at = text.indexOf(end, pos);
    if (at < 0) throw bad(`unterminated ${what}`, pos);
    pos = at + end.length;
  };

  while (pos < n) {
    const lt = text.indexOf('<', pos);
    const chunkEnd = lt < 0 ? n : lt;
    if (chunkEnd > pos) {
      const raw = text.slice(pos, chunkEnd);
      const top = stack[stack.length - 1];
      if (top) {
        top.children.push(decodeEntities(raw, pos));
      } else if (raw.trim() !== '') {
        throw bad('text outside the root element', pos);
      }
      pos = chunkEnd;
      if (lt < 0) break;
    }
    // pos is at '<'
    if (text.startsWith('<!--', pos)) {
      pos += 4;
      skipUntil('-->', 'comment');
      continue;
    }
    if (text.startsWith('<?', pos)) {
      pos += 2;
      skipUntil('?>', 'processing instruction');
      continue;
    }
    if (text.startsWith('<![CDATA[', pos)) {
      const top = stack[stack.length - 1];
      if (!top) throw bad('CDATA outside the root element', pos);
      const start = pos + 9;
      const end = text.indexOf(']]>', start);
      if (end < 0) throw bad('unterminated CDATA section', pos);
      top.children.push(text.slice(start, end));
      pos = end + 3;
      continue;
    }
    if (text.startsWith('<!', pos)) {
      if (/^<!DOCTYPE/i.test(text.slice(pos, pos + 9)))
        throw bad('DOCTYPE is not allowed (no DTDs, no custom entities)', pos);
      throw bad('unsupported markup declaration', pos);
    }
    if (text.startsWith('</', pos)) {
      pos += 2;
      const name = readName();
      skipSpace();
      if (text[pos] !== '>') throw bad(`expected '>' to close </${name}`, pos);
      pos++;
      const top = stack.pop();
      if (!top) throw bad(`closing tag </${name}> without an open element`, pos);
      if (top.name !== name) throw bad(`closing tag </${name}> does not match <${top.name}>`, pos);
      continue;
    }
    // start tag
    pos++;
    const name = readName();
    const attrs: Record<string, string> = Object.create(null) as Record<string, string>;
    let count = 0;
    let selfClosing = false;
    for (;;) {
      const before = pos;
      skipSpace();
      if (pos >= n) throw bad(`unterminated start tag <${name}`, pos);
      if (text[pos] === '>') {
        pos++;
        break;
      }
      if (text.startsWith('/>', pos)) {
        pos += 2;
        selfClosing = true;
        break;
      }
      if (pos === before) throw bad(`expected whitespace before an attribute in <${name}`, pos);
      const an = readName();
      skipSpace();
      if (text[pos] !== '=') throw bad(`attribute ${an} in <${name}> has no value`, pos);
      pos++;
      skipSpace();
      const q = text[pos];
      if (q !== '"' && q !== "'") throw bad(`attribute ${an} in <${name}> is not quoted`, pos);
      const end = text.indexOf(q, pos + 1);
      if (end < 0) throw bad(`unterminated value of attribute ${an}`, pos);
      const rawValue = text.slice(pos + 1, end);
      if (rawValue.includes('<')) throw bad(`'<' in the value of attribute ${an}`, pos);
      if (Object.hasOwn(attrs, an)) throw bad(`duplicate attribute ${an} in <${name}>`, pos);
      if (++count > maxAttributes) throw bad(`more than ${maxAttributes} attributes in <${name}>`, pos);
      attrs[an] = decodeEntities(rawValue, pos);
      pos = end + 1;
    }
    const el: XmlElement = { name, attrs, children: [] };
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(el);
    else if (root) throw bad('more than one root element', pos);
    else root = el;
    if (!selfClosing) {
      if (stack.length + 1 > maxDepth) {
        throw new OtP2pError('xml-too-deep', `XML nesting is deeper than ${maxDepth} at offset ${pos}`, {
          context: { maxDepth, offset: pos },
        });
      }
      stack.push(el);
    }
  }
  if (stack.length > 0)
    throw bad(`element <${(stack[stack.length - 1] as XmlElement).name}> is not closed (truncated?)`, n);
  if (!root) throw bad('no root element', n);
  return root;
}

/** The concatenated character data directly inside `el`. */
export function textOf(el: XmlElement): string {
  let s = '';
  for (const c of el.children) if (typeof c === 'string') s += c;
  return s;
}

/** Child elements of `el` named `name`. */
export function childrenNamed(el: XmlElement, name: string): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of el.children) if (typeof c !== 'string' && c.name === name) out.push(c);
  return out;
}

/** The first child element named `name`, if any. */
export function childNamed(el: XmlElement, name: string): XmlElement | undefined {
  for (const c of el.children) if (typeof c !== 'string' && c.name === name) return c;
  return undefined;
}

/** The first of `names` present as an attribute of `el` (OT renamed attributes across versions). */
export function attrOf(el: XmlElement, ...names: string[]): string | undefined {
  for (const name of names) if (Object.hasOwn(el.attrs, name)) return el.attrs[name];
  return undefined;
}
