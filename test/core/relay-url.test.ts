/**
 * The one set of relay URL rules (src/core/relay-url.ts): what is refused, with the exact code and
 * a message naming the field and value, and the canonical form every list and comparison uses.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_RELAY_URL,
  isRelayUrl,
  normalizeRelayUrl,
  sameRelay,
  tryNormalizeRelayUrl,
} from '../../src/core/relay-url.ts';
import { OtP2pError } from '../../src/core/errors.ts';
import { authAllowed } from '../../src/relays/nip42.ts';
import { parseConfig } from '../../src/config.ts';

function thrown(fn: () => unknown): OtP2pError {
  try {
    fn();
  } catch (err) {
    if (err instanceof OtP2pError) return err;
    throw err;
  }
  throw new Error('did not throw');
}

describe('relay URL rules', () => {
  it('refuses what is not a ws(s) relay URL with bad-relay-url, naming field and value', () => {
    const refused: [unknown, string][] = [
      ['wss://relay.damus.io/ foo', 'must not contain whitespace or control characters'],
      [' wss://relay.damus.io', 'must not contain whitespace or control characters'],
      ['wss://relay.damus.io\n', 'must not contain whitespace or control characters'],
      ['wss://relay.damus.io/\u00a0', 'must not contain whitespace or control characters'],
      ['https://relay.damus.io', 'must use ws:// or wss://'],
      ['relay.damus.io', 'must use ws:// or wss://'],
      ['wss:relay.damus.io', 'must use ws:// or wss://'],
      ['wss:///relay.damus.io', 'must use ws:// or wss://'],
      ['wss://user:pw@relay.damus.io', 'must not carry a user name or password'],
      ['wss://user@relay.damus.io', 'must not carry a user name or password'],
      ['wss://relay.damus.io/#x', 'must not have a fragment (#...)'],
      ['wss://relay.damus.io#', 'must not have a fragment (#...)'],
      ['wss://relay.damus.io\\path', 'must not contain a backslash'],
      ['wss://exa mple.com', 'must not contain whitespace or control characters'],
      ['wss://[::1', 'is not a valid URL'],
      ['', `must be a ws:// or wss:// URL of 1..${MAX_RELAY_URL} characters`],
      [
        `wss://a.example/${'x'.repeat(MAX_RELAY_URL)}`,
        `must be a ws:// or wss:// URL of 1..${MAX_RELAY_URL} characters`,
      ],
      [42, 'must be a ws:// or wss:// URL'],
      [undefined, 'must be a ws:// or wss:// URL'],
    ];
    for (const [url, why] of refused) {
      const e = thrown(() => normalizeRelayUrl(url, 'relays[0]'));
      expect(e.code, String(url)).toBe('bad-relay-url');
      expect(e.message.startsWith(`relays[0] ${why}, got `)).toBe(true);
      expect(e.context).toMatchObject({ field: 'relays[0]' });
      expect(isRelayUrl(url)).toBe(false);
      expect(tryNormalizeRelayUrl(url)).toBeUndefined();
    }
    expect(thrown(() => normalizeRelayUrl('wss://relay.damus.io/ foo')).message).toBe(
      'relay must not contain whitespace or control characters, got "wss://relay.damus.io/ foo"',
    );
  });

  it('gives one canonical form: scheme and host lowercased, default port and trailing slashes dropped, path case and query kept', () => {
    const cases: [string, string][] = [
      ['wss://relay.damus.io', 'wss://relay.damus.io'],
      ['wss://relay.damus.io/', 'wss://relay.damus.io'],
      ['WSS://Relay.Damus.IO/', 'wss://relay.damus.io'],
      ['wss://relay.damus.io:443', 'wss://relay.damus.io'],
      ['ws://relay.example:80/', 'ws://relay.example'],
      ['ws://relay.example:443', 'ws://relay.example:443'],
      ['wss://nostr.example/Inbox/', 'wss://nostr.example/Inbox'],
      ['wss://nostr.example/a//', 'wss://nostr.example/a'],
      ['wss://nostr.example/?Token=A', 'wss://nostr.example?Token=A'],
      ['ws://127.0.0.1:7777', 'ws://127.0.0.1:7777'],
      ['ws://[::1]:7777/', 'ws://[::1]:7777'],
      ['wss://bücher.example', 'wss://xn--bcher-kva.example'],
    ];
    for (const [url, canonical] of cases) {
      expect(normalizeRelayUrl(url), url).toBe(canonical);
      expect(normalizeRelayUrl(canonical)).toBe(canonical);
    }
    expect(sameRelay('wss://Relay.Example/', 'wss://relay.example')).toBe(true);
    expect(sameRelay('wss://relay.example/Inbox', 'wss://relay.example/inbox')).toBe(false);
    expect(sameRelay('not a url', 'not a url')).toBe(false);
  });

  it('normalizing is idempotent and never throws anything but bad-relay-url (fuzz)', () => {
    const url = fc.oneof(
      fc.string(),
      fc.webUrl().map((u) => u.replace(/^https?/, 'wss')),
      fc.constantFrom('wss://a.example/ x', 'ws://A.example/P/'),
    );
    fc.assert(
      fc.property(url, (u) => {
        const n = tryNormalizeRelayUrl(u);
        if (n === undefined) {
          expect(thrown(() => normalizeRelayUrl(u)).code).toBe('bad-relay-url');
          return;
        }
        expect(normalizeRelayUrl(n)).toBe(n);
        expect(n).toMatch(/^wss?:\/\/[^/\s]+/);
        expect(n.endsWith('/')).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('is the rule of the config file and of NIP-42 allow lists (path case kept there too)', () => {
    expect(parseConfig('{"relays": ["WSS://Relay.Example/Path/"]}').relays).toEqual(['wss://relay.example/Path']);
    expect(thrown(() => parseConfig('{"relays": ["wss://relay.damus.io/ foo"]}')).code).toBe('bad-relay-url');
    expect(thrown(() => parseConfig('{"relays": "wss://relay.example"}')).code).toBe('bad-config');
    expect(authAllowed('wss://Relay.Example/Path/', ['wss://relay.example/Path'])).toBe(true);
    // the old NIP-42 rule lowercased paths: another relay's path must not match
    expect(authAllowed('wss://relay.example/path', ['wss://relay.example/Path'])).toBe(false);
    expect(authAllowed('wss://relay.example', ['not a url'])).toBe(false);
  });
});
