/**
 * Relay URLs: the one set of rules for every relay URL otp2p reads (config, `--relay`, NIP-65 and
 * NIP-17 lists, relay hints, NIP-42 allow lists, NIP-11).
 *
 * A relay URL is accepted when it
 * - is a string of at most {@link MAX_RELAY_URL} characters with no whitespace or control
 *   character anywhere (`wss://relay.damus.io/ foo` is refused, not percent-encoded into a path);
 * - starts with `ws://` or `wss://` (any case) and has a host;
 * - carries no user info (`wss://user:pw@host`: credentials do not belong in lists or logs) and
 *   no fragment (`#`: never sent to a server, so two URLs differing in it are one relay).
 *
 * Its canonical form, used for storage, comparison and deduplication: scheme and host lowercased
 * (hosts are case-insensitive, IDNs in punycode), the default port dropped (80 for ws, 443 for
 * wss), the path's case kept (paths are case-sensitive on real relays), trailing slashes removed
 * (`wss://relay.damus.io/` and `wss://relay.damus.io` name one relay; so do `wss://h/nostr/` and
 * `wss://h/nostr`), the query kept as written.
 */
import { OtP2pError, describeValue } from './errors.ts';

/** Longest relay URL accepted. */
export const MAX_RELAY_URL = 512;

// Exactly two slashes then the authority: WHATWG parsing would also take `wss:///host` and `wss:host`.
const SCHEME_RE = /^wss?:\/\/[^/\\]/i;
// Whitespace (including Unicode spaces) and C0/C1 control characters.
const SPACE_OR_CONTROL_RE = /[\s\u0000-\u001f\u007f-\u009f]/;

/** The parsed URL, or why `url` is not a relay URL. */
function check(url: unknown): URL | string {
  if (typeof url !== 'string') return 'must be a ws:// or wss:// URL';
  if (url.length === 0 || url.length > MAX_RELAY_URL)
    return `must be a ws:// or wss:// URL of 1..${MAX_RELAY_URL} characters`;
  if (SPACE_OR_CONTROL_RE.test(url)) return 'must not contain whitespace or control characters';
  if (!SCHEME_RE.test(url)) return 'must use ws:// or wss://';
  if (url.includes('#')) return 'must not have a fragment (#...)';
  // WHATWG parsing reads `\` as `/` in ws(s) URLs: refuse it rather than guess what was meant.
  if (url.includes('\\')) return 'must not contain a backslash';
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'is not a valid URL';
  }
  if (u.username !== '' || u.password !== '') return 'must not carry a user name or password';
  if (u.hostname === '') return 'must name a host';
  return u;
}

function canonical(u: URL): string {
  const path = u.pathname.replace(/\/+$/, '');
  return `${u.protocol}//${u.host}${path}${u.search}`;
}

/**
 * The canonical form of a relay URL (see the module comment for the rules).
 * @throws OtP2pError `bad-relay-url` naming `field` and the value.
 */
export function normalizeRelayUrl(url: unknown, field = 'relay'): string {
  const u = check(url);
  if (typeof u === 'string')
    throw new OtP2pError('bad-relay-url', `${field} ${u}, got ${describeValue(url)}`, { context: { field } });
  return canonical(u);
}

/** The canonical form of `url`, or undefined when it is not a relay URL (for lists from strangers, where junk is skipped). */
export function tryNormalizeRelayUrl(url: unknown): string | undefined {
  const u = check(url);
  return typeof u === 'string' ? undefined : canonical(u);
}

/** Whether `url` is a relay URL under these rules (it may still differ from its canonical form). */
export function isRelayUrl(url: unknown): url is string {
  return typeof check(url) !== 'string';
}

/** Whether two strings name the same relay (false when either is not a relay URL). */
export function sameRelay(a: unknown, b: unknown): boolean {
  const na = tryNormalizeRelayUrl(a);
  return na !== undefined && na === tryNormalizeRelayUrl(b);
}
