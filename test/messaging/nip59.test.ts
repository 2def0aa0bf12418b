import fc from 'fast-check';
import * as ntNip17 from 'nostr-tools/nip17';
import * as ntNip59 from 'nostr-tools/nip59';
import { describe, expect, it } from 'vitest';
import { hexToBytes } from '../../src/core/bytes.ts';
import { ManualClock, SeededRandom } from '../../src/core/index.ts';
import { getPublicKey, signEvent } from '../../src/events/sign.ts';
import type { NostrEvent } from '../../src/events/types.ts';
import { encrypt, getConversationKey } from '../../src/messaging/nip44.ts';
import { parseChat, wrapChat } from '../../src/messaging/nip17.ts';
import {
  MAX_BACKDATE_SECONDS,
  createRumor,
  createSeal,
  createWrap,
  giftWrap,
  unwrapGift,
} from '../../src/messaging/nip59.ts';
import { HAS_SHARED, readVectors } from '../helpers/shared.ts';
import { codeOf } from '../helpers/errors.ts';

const alice = hexToBytes('7f7ff03d123792d6ac594bfa67bf6d0c0ab55b6b1fdb6249303fe861f1ccba9a');
const bob = hexToBytes('c15d2a640a7bd00f291e074e5e5fc8a9bb9b2ae6daf2e4e9e6a9c6b3b5d1a1f2');
const mallory = hexToBytes('0000000000000000000000000000000000000000000000000000000000000007');
const A = getPublicKey(alice);
const B = getPublicKey(bob);
const M = getPublicKey(mallory);

/** A wrap around arbitrary seal text, signed by a one-time key, for `to`. */
function rawWrap(sealText: string, to: string, kind = 1059): NostrEvent {
  const eph = hexToBytes('00000000000000000000000000000000000000000000000000000000000000aa');
  const content = encrypt(sealText, getConversationKey(eph, to));
  return signEvent({ kind, tags: [['p', to]], content, created_at: Math.floor(Date.now() / 1000) }, eph);
}

const template = { kind: 14, created_at: Math.floor(Date.now() / 1000), tags: [['p', B]], content: 'hi bob' };

describe('NIP-59 wrap/unwrap', () => {
  it('round-trips and names the verified sender', () => {
    const { rumor, wrap } = giftWrap(template, alice, B);
    const u = unwrapGift(wrap, bob);
    expect(u.sender).toBe(A);
    expect(u.rumor).toEqual(rumor);
    expect(u.seal.kind).toBe(13);
    expect(u.seal.tags).toEqual([]);
    expect(wrap.pubkey).not.toBe(A);
    expect(wrap.tags).toEqual([['p', B]]);
  });

  it('back-dates 1059 wraps and seals by up to two days, stamps 21059 now', () => {
    const clock = new ManualClock(1_800_000_000_000);
    const now = 1_800_000_000;
    const random = new SeededRandom(7);
    const dates: number[] = [];
    for (let i = 0; i < 30; i++) {
      const { wrap } = giftWrap({ ...template, created_at: now }, alice, B, { clock, random });
      const u = unwrapGift(wrap, bob, { clock });
      dates.push(wrap.created_at, u.seal.created_at);
      expect(wrap.created_at).toBeLessThanOrEqual(now);
      expect(wrap.created_at).toBeGreaterThanOrEqual(now - MAX_BACKDATE_SECONDS);
      expect(u.rumor.created_at).toBe(now);
    }
    expect(new Set(dates).size).toBeGreaterThan(50);
    const live = giftWrap({ ...template, created_at: now }, alice, B, { clock, wrapKind: 21059 });
    expect(live.wrap.kind).toBe(21059);
    expect(live.wrap.created_at).toBe(now);
    expect(unwrapGift(live.wrap, bob, { clock }).seal.created_at).toBe(now);
  });

  it('rejects a rumor whose pubkey differs from the seal signer: pubkey-mismatch', () => {
    const forged = createRumor(template, M); // claims Mallory wrote it...
    const seal = createSeal(forged, alice, B); // ...but Alice sealed it
    expect(codeOf(() => unwrapGift(createWrap(seal, B), bob))).toBe('pubkey-mismatch');
  });

  it('rejects a bad seal signature: bad-sig', () => {
    const seal = createSeal(createRumor(template, A), alice, B);
    const last = seal.sig.at(-1) === '0' ? '1' : '0';
    const tampered = { ...seal, sig: seal.sig.slice(0, -1) + last };
    expect(codeOf(() => unwrapGift(rawWrap(JSON.stringify(tampered), B), bob))).toBe('bad-sig');
  });

  it('rejects a seal whose content was swapped (id no longer matches): bad-id', () => {
    const seal = createSeal(createRumor(template, A), alice, B);
    const other = createSeal(createRumor({ ...template, content: 'evil' }, A), alice, B);
    expect(codeOf(() => unwrapGift(rawWrap(JSON.stringify({ ...seal, content: other.content }), B), bob))).toBe(
      'bad-id',
    );
  });

  it('rejects wrong kinds: wrap not 1059/21059, seal not 13', () => {
    const seal = createSeal(createRumor(template, A), alice, B);
    expect(codeOf(() => unwrapGift(rawWrap(JSON.stringify(seal), B, 4), bob))).toBe('bad-kind');
    const wrongSeal = signEvent({ kind: 14, tags: [], created_at: seal.created_at, content: seal.content }, alice);
    expect(codeOf(() => unwrapGift(rawWrap(JSON.stringify(wrongSeal), B), bob))).toBe('bad-kind');
  });

  it('rejects seals with tags, non-JSON seals, and tampered rumor ids', () => {
    const rumor = createRumor(template, A);
    const content = encrypt(JSON.stringify(rumor), getConversationKey(alice, B));
    const tagged = signEvent({ kind: 13, tags: [['p', B]], created_at: rumor.created_at, content }, alice);
    expect(codeOf(() => unwrapGift(rawWrap(JSON.stringify(tagged), B), bob))).toBe('bad-seal');
    expect(codeOf(() => unwrapGift(rawWrap('not json at all', B), bob))).toBe('bad-seal');
    const badRumor = { ...rumor, content: 'changed after hashing' };
    const seal = signEvent(
      {
        kind: 13,
        tags: [],
        created_at: rumor.created_at,
        content: encrypt(JSON.stringify(badRumor), getConversationKey(alice, B)),
      },
      alice,
    );
    expect(codeOf(() => unwrapGift(rawWrap(JSON.stringify(seal), B), bob))).toBe('bad-id');
  });

  it('rejects truncated and bad base64 payloads, and wraps not addressed to us', () => {
    const { wrap } = giftWrap(template, alice, B);
    const eph = hexToBytes('00000000000000000000000000000000000000000000000000000000000000bb');
    const resign = (content: string): NostrEvent =>
      signEvent({ kind: 1059, tags: [['p', B]], content, created_at: wrap.created_at }, eph);
    expect(codeOf(() => unwrapGift(resign(wrap.content.slice(0, 100)), bob))).toBe('bad-payload');
    expect(codeOf(() => unwrapGift(resign(wrap.content.slice(0, wrap.content.length - 8)), bob))).toBe('bad-payload');
    expect(codeOf(() => unwrapGift(resign(`${wrap.content.slice(0, wrap.content.length - 4)}AAAA`), bob))).toBe(
      'bad-mac',
    );
    expect(codeOf(() => unwrapGift(resign('*'.repeat(200)), bob))).toBe('bad-payload');
    expect(codeOf(() => unwrapGift(resign(`#${wrap.content.slice(1)}`), bob))).toBe('bad-version');
    expect(codeOf(() => unwrapGift(wrap, mallory))).toBe('bad-wrap');
    expect(codeOf(() => unwrapGift({ ...wrap, content: wrap.content.slice(4) }, bob))).toBe('bad-id');
  });

  it('property: any rumor round-trips, whatever its content and tags', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 0, maxLength: 300, unit: 'binary' }),
        fc.array(fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 }), { maxLength: 4 }),
        fc.integer({ min: 0, max: 65535 }),
        (content, tags, kind) => {
          const { rumor, wrap } = giftWrap({ kind, created_at: 1_700_000_000, tags, content }, alice, B);
          expect(unwrapGift(JSON.parse(JSON.stringify(wrap)), bob).rumor).toEqual(rumor);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('never throws a foreign error on arbitrary wrap-shaped junk', () => {
    fc.assert(
      fc.property(fc.anything(), (v) => {
        expect(codeOf(() => unwrapGift(v, bob))).not.toBe('foreign-error');
      }),
      { numRuns: 200 },
    );
  });
});

describe('interop with nostr-tools', () => {
  it('a nostr-tools NIP-17 message is read by us', () => {
    const wrap = ntNip17.wrapEvent(alice, { publicKey: B }, 'hola from nostr-tools') as NostrEvent;
    const u = unwrapGift(JSON.parse(JSON.stringify(wrap)), bob);
    const chat = parseChat(u.rumor);
    expect(chat).toMatchObject({ sender: A, text: 'hola from nostr-tools', recipients: [B] });
  });

  it('a nostr-tools NIP-59 wrap of another kind is read by us', () => {
    const wrap = ntNip59.wrapEvent(
      { kind: 1, content: 'generic', tags: [], created_at: 1_700_000_000 },
      alice,
      B,
    ) as NostrEvent;
    expect(unwrapGift(JSON.parse(JSON.stringify(wrap)), bob).rumor.content).toBe('generic');
  });

  it('ours is unwrapped by nostr-tools (nip17 and nip59)', () => {
    const { wraps, rumor } = wrapChat('hello from otp2p', [B], alice);
    expect(wraps.map((w) => w.to).sort()).toEqual([A, B].sort());
    const forBob = wraps.find((w) => w.to === B)!.wrap;
    const viaNip17 = ntNip17.unwrapEvent(forBob, bob);
    expect(viaNip17).toMatchObject({ id: rumor.id, pubkey: A, kind: 14, content: 'hello from otp2p' });
    const viaNip59 = ntNip59.unwrapEvent(wraps.find((w) => w.to === A)!.wrap, alice);
    expect(viaNip59.content).toBe('hello from otp2p');
  });
});

interface Nip59Example {
  recipient_sk_hex: string;
  rumor: { id: string; pubkey: string; content: string };
  wrap: NostrEvent;
}

describe.skipIf(!HAS_SHARED)('NIP-59 and NIP-17 spec examples (../shared/vectors/nip01-13-17-59.examples.json)', () => {
  it('unwraps the NIP-59 example', () => {
    const x = readVectors<{ nip59_gift_wrap_example: Nip59Example }>(
      'nip01-13-17-59.examples.json',
    ).nip59_gift_wrap_example;
    const u = unwrapGift(x.wrap, hexToBytes(x.recipient_sk_hex), { clock: new ManualClock(x.wrap.created_at * 1000) });
    expect(u.rumor.id).toBe(x.rumor.id);
    expect(u.sender).toBe(x.rumor.pubkey);
    expect(u.rumor.content).toBe(x.rumor.content);
  });
});
