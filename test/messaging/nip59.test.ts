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
import { asyncCodeOf } from '../helpers/errors.ts';
import { LocalSigner } from '../../src/signers/local.ts';

const alice = hexToBytes('7f7ff03d123792d6ac594bfa67bf6d0c0ab55b6b1fdb6249303fe861f1ccba9a');
const bob = hexToBytes('c15d2a640a7bd00f291e074e5e5fc8a9bb9b2ae6daf2e4e9e6a9c6b3b5d1a1f2');
const mallory = hexToBytes('0000000000000000000000000000000000000000000000000000000000000007');
const A = getPublicKey(alice);
const B = getPublicKey(bob);
const M = getPublicKey(mallory);
/** The users' keys behind the `Signer` interface, as the library takes them. */
const aliceS = new LocalSigner(alice, 'seed');
const bobS = new LocalSigner(bob, 'seed');
const malloryS = new LocalSigner(mallory, 'seed');

/** A wrap around arbitrary seal text, signed by a one-time key, for `to`. */
function rawWrap(sealText: string, to: string, kind = 1059): NostrEvent {
  const eph = hexToBytes('00000000000000000000000000000000000000000000000000000000000000aa');
  const content = encrypt(sealText, getConversationKey(eph, to));
  return signEvent({ kind, tags: [['p', to]], content, created_at: Math.floor(Date.now() / 1000) }, eph);
}

const template = { kind: 14, created_at: Math.floor(Date.now() / 1000), tags: [['p', B]], content: 'hi bob' };

describe('NIP-59 wrap/unwrap', () => {
  it('round-trips and names the verified sender', async () => {
    const { rumor, wrap } = await giftWrap(template, aliceS, B);
    const u = await unwrapGift(wrap, bobS);
    expect(u.sender).toBe(A);
    expect(u.rumor).toEqual(rumor);
    expect(u.seal.kind).toBe(13);
    expect(u.seal.tags).toEqual([]);
    expect(wrap.pubkey).not.toBe(A);
    expect(wrap.tags).toEqual([['p', B]]);
  });

  it('back-dates 1059 wraps and seals by up to two days, stamps 21059 now', async () => {
    const clock = new ManualClock(1_800_000_000_000);
    const now = 1_800_000_000;
    const random = new SeededRandom(7);
    const dates: number[] = [];
    for (let i = 0; i < 30; i++) {
      const { wrap } = await giftWrap({ ...template, created_at: now }, aliceS, B, { clock, random });
      const u = await unwrapGift(wrap, bobS, { clock });
      dates.push(wrap.created_at, u.seal.created_at);
      expect(wrap.created_at).toBeLessThanOrEqual(now);
      expect(wrap.created_at).toBeGreaterThanOrEqual(now - MAX_BACKDATE_SECONDS);
      expect(u.rumor.created_at).toBe(now);
    }
    expect(new Set(dates).size).toBeGreaterThan(50);
    const live = await giftWrap({ ...template, created_at: now }, aliceS, B, { clock, wrapKind: 21059 });
    expect(live.wrap.kind).toBe(21059);
    expect(live.wrap.created_at).toBe(now);
    expect((await unwrapGift(live.wrap, bobS, { clock })).seal.created_at).toBe(now);
  });

  it('rejects a rumor whose pubkey differs from the seal signer: pubkey-mismatch', async () => {
    const forged = createRumor(template, M); // claims Mallory wrote it...
    // ...but Alice sealed it (by hand: createSeal refuses to seal another author's rumor)
    const seal = signEvent(
      {
        kind: 13,
        tags: [],
        created_at: forged.created_at,
        content: encrypt(JSON.stringify(forged), getConversationKey(alice, B)),
      },
      alice,
    );
    expect(await asyncCodeOf(() => unwrapGift(createWrap(seal, B), bobS))).toBe('pubkey-mismatch');
    expect(await asyncCodeOf(() => createSeal(forged, aliceS, B))).toBe('signer-mismatch');
  });

  it('rejects a bad seal signature: bad-sig', async () => {
    const seal = await createSeal(createRumor(template, A), aliceS, B);
    const last = seal.sig.at(-1) === '0' ? '1' : '0';
    const tampered = { ...seal, sig: seal.sig.slice(0, -1) + last };
    expect(await asyncCodeOf(() => unwrapGift(rawWrap(JSON.stringify(tampered), B), bobS))).toBe('bad-sig');
  });

  it('rejects a seal whose content was swapped (id no longer matches): bad-id', async () => {
    const seal = await createSeal(createRumor(template, A), aliceS, B);
    const other = await createSeal(createRumor({ ...template, content: 'evil' }, A), aliceS, B);
    expect(
      await asyncCodeOf(() => unwrapGift(rawWrap(JSON.stringify({ ...seal, content: other.content }), B), bobS)),
    ).toBe('bad-id');
  });

  it('rejects wrong kinds: wrap not 1059/21059, seal not 13', async () => {
    const seal = await createSeal(createRumor(template, A), aliceS, B);
    expect(await asyncCodeOf(() => unwrapGift(rawWrap(JSON.stringify(seal), B, 4), bobS))).toBe('bad-kind');
    const wrongSeal = signEvent({ kind: 14, tags: [], created_at: seal.created_at, content: seal.content }, alice);
    expect(await asyncCodeOf(() => unwrapGift(rawWrap(JSON.stringify(wrongSeal), B), bobS))).toBe('bad-kind');
  });

  it('rejects seals with tags, non-JSON seals, and tampered rumor ids', async () => {
    const rumor = createRumor(template, A);
    const content = encrypt(JSON.stringify(rumor), getConversationKey(alice, B));
    const tagged = signEvent({ kind: 13, tags: [['p', B]], created_at: rumor.created_at, content }, alice);
    expect(await asyncCodeOf(() => unwrapGift(rawWrap(JSON.stringify(tagged), B), bobS))).toBe('bad-seal');
    expect(await asyncCodeOf(() => unwrapGift(rawWrap('not json at all', B), bobS))).toBe('bad-seal');
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
    expect(await asyncCodeOf(() => unwrapGift(rawWrap(JSON.stringify(seal), B), bobS))).toBe('bad-id');
  });

  it('rejects truncated and bad base64 payloads, and wraps not addressed to us', async () => {
    const { wrap } = await giftWrap(template, aliceS, B);
    const eph = hexToBytes('00000000000000000000000000000000000000000000000000000000000000bb');
    const resign = (content: string): NostrEvent =>
      signEvent({ kind: 1059, tags: [['p', B]], content, created_at: wrap.created_at }, eph);
    expect(await asyncCodeOf(() => unwrapGift(resign(wrap.content.slice(0, 100)), bobS))).toBe('bad-payload');
    expect(await asyncCodeOf(() => unwrapGift(resign(wrap.content.slice(0, wrap.content.length - 8)), bobS))).toBe(
      'bad-payload',
    );
    expect(
      await asyncCodeOf(() => unwrapGift(resign(`${wrap.content.slice(0, wrap.content.length - 4)}AAAA`), bobS)),
    ).toBe('bad-mac');
    expect(await asyncCodeOf(() => unwrapGift(resign('*'.repeat(200)), bobS))).toBe('bad-payload');
    expect(await asyncCodeOf(() => unwrapGift(resign(`#${wrap.content.slice(1)}`), bobS))).toBe('bad-version');
    expect(await asyncCodeOf(() => unwrapGift(wrap, malloryS))).toBe('bad-wrap');
    expect(await asyncCodeOf(() => unwrapGift({ ...wrap, content: wrap.content.slice(4) }, bobS))).toBe('bad-id');
  });

  it('property: any rumor round-trips, whatever its content and tags', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 0, maxLength: 300, unit: 'binary' }),
        fc.array(fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 }), { maxLength: 4 }),
        fc.integer({ min: 0, max: 65535 }),
        async (content, tags, kind) => {
          const { rumor, wrap } = await giftWrap({ kind, created_at: 1_700_000_000, tags, content }, aliceS, B);
          expect((await unwrapGift(JSON.parse(JSON.stringify(wrap)), bobS)).rumor).toEqual(rumor);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('never throws a foreign error on arbitrary wrap-shaped junk', async () => {
    await fc.assert(
      fc.asyncProperty(fc.anything(), async (v) => {
        expect(await asyncCodeOf(() => unwrapGift(v, bobS))).not.toBe('foreign-error');
      }),
      { numRuns: 200 },
    );
  });
});

describe('interop with nostr-tools', () => {
  it('a nostr-tools NIP-17 message is read by us', async () => {
    const wrap = ntNip17.wrapEvent(alice, { publicKey: B }, 'hola from nostr-tools') as NostrEvent;
    const u = await unwrapGift(JSON.parse(JSON.stringify(wrap)), bobS);
    const chat = parseChat(u.rumor);
    expect(chat).toMatchObject({ sender: A, text: 'hola from nostr-tools', recipients: [B] });
  });

  it('a nostr-tools NIP-59 wrap of another kind is read by us', async () => {
    const wrap = ntNip59.wrapEvent(
      { kind: 1, content: 'generic', tags: [], created_at: 1_700_000_000 },
      alice,
      B,
    ) as NostrEvent;
    expect((await unwrapGift(JSON.parse(JSON.stringify(wrap)), bobS)).rumor.content).toBe('generic');
  });

  it('ours is unwrapped by nostr-tools (nip17 and nip59)', async () => {
    const { wraps, rumor } = await wrapChat('hello from otp2p', [B], aliceS);
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
  it('unwraps the NIP-59 example', async () => {
    const x = readVectors<{ nip59_gift_wrap_example: Nip59Example }>(
      'nip01-13-17-59.examples.json',
    ).nip59_gift_wrap_example;
    const u = await unwrapGift(x.wrap, new LocalSigner(hexToBytes(x.recipient_sk_hex), 'nsec'), {
      clock: new ManualClock(x.wrap.created_at * 1000),
    });
    expect(u.rumor.id).toBe(x.rumor.id);
    expect(u.sender).toBe(x.rumor.pubkey);
    expect(u.rumor.content).toBe(x.rumor.content);
  });
});
