/**
 * Editing a follow list made by another client (nostr-tools here, standing in for Damus, Amethyst,
 * Primal, Coracle): only what was asked changes, everything else is kept byte for byte.
 */
import { finalizeEvent } from 'nostr-tools/pure';
import { describe, expect, it } from 'vitest';
import { hexToBytes } from '../../src/core/bytes.ts';
import type { OtP2pError } from '../../src/core/errors.ts';
import { editFollowList, parseFollowsEvent } from '../../src/events/follows.ts';

const pk = (i: number): string => i.toString(16).padStart(64, '0');

function theirList() {
  const tags: string[][] = [];
  for (let i = 1; i <= 500; i++) {
    if (i % 3 === 0) tags.push(['p', pk(i), `wss://relay${i % 7}.example.com/`, `friend ${i} 🌻`]);
    else if (i % 3 === 1) tags.push(['p', pk(i), `wss://relay${i % 5}.example.com`]);
    else tags.push(['p', pk(i)]);
  }
  tags.splice(10, 0, ['t', 'bitcoin']);
  tags.splice(200, 0, ['t', 'nostr'], ['unknown-tag', 'x', 'y', 'z']);
  const content = JSON.stringify({ 'wss://relay.damus.io': { read: true, write: true } });
  return finalizeEvent({ kind: 3, created_at: 1_760_000_000, tags, content }, hexToBytes('21'.repeat(32)));
}

describe('editFollowList', () => {
  it('adding a follow appends one tag and keeps every other tag and the content byte for byte', () => {
    const before = theirList();
    const t = editFollowList(before, { add: [{ pubkey: 'ab'.repeat(32), petname: 'bob' }] }, 1_750_000_000);
    expect(JSON.stringify(t.tags.slice(0, -1))).toBe(JSON.stringify(before.tags));
    expect(t.tags.at(-1)).toEqual(['p', 'ab'.repeat(32), '', 'bob']);
    expect(t.content).toBe(before.content);
    expect(t.created_at).toBe(before.created_at + 1);
    expect(parseFollowsEvent(t).follows).toHaveLength(501);
  });

  it('removing a follow drops exactly its tag', () => {
    const before = theirList();
    const gone = pk(42);
    const t = editFollowList(before, { remove: [gone] }, 1_770_000_000);
    expect(JSON.stringify(t.tags)).toBe(JSON.stringify(before.tags.filter((x) => !(x[0] === 'p' && x[1] === gone))));
    expect(t.tags).toHaveLength(before.tags.length - 1);
    expect(t.content).toBe(before.content);
    expect(t.created_at).toBe(1_770_000_000);
  });

  it('following a key again only changes its petname, keeping its relay hint and place', () => {
    const before = theirList();
    const i = before.tags.findIndex((x) => x[1] === pk(4));
    const t = editFollowList(before, { add: [{ pubkey: pk(4), petname: 'renamed' }] }, 1_770_000_000);
    expect(t.tags[i]).toEqual(['p', pk(4), before.tags[i]?.[2], 'renamed']);
    expect(t.tags).toHaveLength(before.tags.length);
    expect(JSON.stringify([...t.tags.slice(0, i), ...t.tags.slice(i + 1)])).toBe(
      JSON.stringify([...before.tags.slice(0, i), ...before.tags.slice(i + 1)]),
    );
  });

  it('following an already followed key without changes is a no-op on the tags', () => {
    const before = theirList();
    const t = editFollowList(before, { add: [{ pubkey: pk(7) }] }, 1_770_000_000);
    expect(JSON.stringify(t.tags)).toBe(JSON.stringify(before.tags));
  });

  it('starts an empty list only for a user who has none', () => {
    const t = editFollowList(null, { add: [{ pubkey: pk(1) }] }, 1_770_000_000);
    expect(t).toEqual({ kind: 3, created_at: 1_770_000_000, tags: [['p', pk(1)]], content: '' });
  });

  it.each([
    ['a bad key to add', { add: [{ pubkey: 'xyz' }] }, 'bad-key'],
    ['a bad key to remove', { remove: ['ABC'] }, 'bad-key'],
    ['an http hint', { add: [{ pubkey: pk(1), relay: 'https://x.example' }] }, 'bad-relay-url'],
    ['add and remove of one key', { add: [{ pubkey: pk(1) }], remove: [pk(1)] }, 'bad-input'],
  ])('rejects %s', (_n, change, code) => {
    try {
      editFollowList(theirList(), change, 1);
      throw new Error('accepted');
    } catch (e) {
      expect((e as OtP2pError).code).toBe(code);
    }
  });
});
