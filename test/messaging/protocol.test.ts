import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hexToBytes } from '../../src/core/bytes.ts';
import { isOtP2pError } from '../../src/core/errors.ts';
import { getPublicKey } from '../../src/events/sign.ts';
import type { Catalog } from '../../src/events/catalog.ts';
import {
  MessageRegistry,
  buildHello,
  createRegistry,
  errorReply,
  makeMessage,
  serializeMessage,
} from '../../src/messaging/protocol.ts';
import { LocalSigner } from '../../src/signers/local.ts';
import { codeOf } from '../helpers/errors.ts';

const alice = hexToBytes('7f7ff03d123792d6ac594bfa67bf6d0c0ab55b6b1fdb6249303fe861f1ccba9a');
const bob = hexToBytes('c15d2a640a7bd00f291e074e5e5fc8a9bb9b2ae6daf2e4e9e6a9c6b3b5d1a1f2');
const A = getPublicKey(alice);
const B = getPublicKey(bob);
const aliceS = new LocalSigner(alice, 'seed');
const ctxAtoB = { sender: A, recipient: B };
const XPUB =
  'zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs';

const catalog: Catalog = {
  notaries: [
    { id: 'otNotary1', url: 'tcp://127.0.0.1:7085' },
    { id: 'otSecret', private: true },
  ],
  units: [
    { id: 'otUSD', notary: 'otNotary1', tla: 'USD', factor: 100n },
    { id: 'otGLD', notary: 'otSecret', tla: 'GLD', factor: 1000n, private: true },
  ],
  btc: { network: 'bitcoin' },
  preference: ['otGLD@otSecret', 'otUSD@otNotary1', 'btc@bitcoin'],
};

describe('protocol messages', () => {
  const reg = createRegistry();

  it('round-trips every built-in type through serialize/parse', async () => {
    const hello = makeMessage(
      'hello',
      await buildHello(aliceS, A, {
        nym_id: 'otNymAlice1',
        credential: '-----BEGIN OT CREDENTIAL-----\nabc\n',
        to: B,
        bitcoin: { network: 'bitcoin', xpub: XPUB },
      }),
    );
    const req = makeMessage('catalog.request', {}, { replyTo: hello.nonce });
    const resp = makeMessage('catalog.response', { catalog }, { replyTo: req.nonce });
    const err = makeMessage('error', { code: 'bad-message', message: 'no' });
    for (const m of [hello, req, resp, err]) {
      const parsed = reg.parse(serializeMessage(m), ctxAtoB);
      expect(parsed).toEqual(m);
    }
    const p = reg.parse(serializeMessage(resp), ctxAtoB);
    if (p.type !== 'catalog.response') throw new Error('narrowing');
    expect(p.body.catalog.units[1]?.factor).toBe(1000n);
    expect(p.reply_to).toBe(req.nonce);
  });

  it('hello is bound to the sender npub and to the recipient', async () => {
    const body = await buildHello(aliceS, A, {
      nym_id: 'otNymAlice1',
      credential: 'cred',
      to: B,
      bitcoin: { network: 'regtest', address: 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080' },
    });
    const text = serializeMessage(makeMessage('hello', body));
    expect(reg.parse(text, ctxAtoB).type).toBe('hello');
    // Relayed by someone else (a different sealed author): the signature does not verify.
    expect(codeOf(() => reg.parse(text, { sender: B, recipient: B }))).toBe('bad-signature');
    // Replayed to another recipient.
    expect(codeOf(() => reg.parse(text, { sender: A, recipient: A }))).toBe('bad-message');
    // Any field changed after signing.
    const tampered = serializeMessage(makeMessage('hello', { ...body, nym_id: 'otNymMallory' }));
    expect(codeOf(() => reg.parse(tampered, ctxAtoB))).toBe('bad-signature');
    // The proof is an event: another kind, a forged signature or a proof by someone else fail.
    const withProof = (proof: unknown): string =>
      serializeMessage(makeMessage('hello', { ...body, proof } as typeof body));
    expect(codeOf(() => reg.parse(withProof({ ...body.proof, kind: 1 }), ctxAtoB))).toBe('bad-message');
    const sig = `${body.proof.sig.slice(0, -1)}${body.proof.sig.endsWith('0') ? '1' : '0'}`;
    expect(codeOf(() => reg.parse(withProof({ ...body.proof, sig }), ctxAtoB))).toBe('bad-signature');
    expect(codeOf(() => reg.parse(withProof({ ...body.proof, created_at: 1 }), ctxAtoB))).toBe('bad-signature');
    const byBob = await buildHello(new LocalSigner(bob, 'seed'), A, {
      nym_id: 'otNymAlice1',
      credential: 'cred',
      to: B,
    })
      .then(() => 'built')
      .catch((e: unknown) => (isOtP2pError(e) ? e.code : 'foreign'));
    expect(byBob).toBe('bad-signature');
    // A hello of the earlier format (a raw `sig`) and no proof is refused with a clear field name.
    const { proof: _p, ...noProof } = body;
    expect(
      codeOf(() =>
        reg.parse(
          serializeMessage(makeMessage('hello', { ...noProof, sig: 'aa'.repeat(64) } as unknown as typeof body)),
          ctxAtoB,
        ),
      ),
    ).toBe('bad-message');
  });

  it('unknown versions and types get typed errors and a polite error reply', () => {
    const m = makeMessage('catalog.request', {});
    const v2 = JSON.stringify({ ...m, v: 2 });
    let caught: unknown;
    try {
      reg.parse(v2, ctxAtoB);
    } catch (e) {
      caught = e;
    }
    expect(isOtP2pError(caught, 'unsupported-version')).toBe(true);
    const reply = errorReply(caught);
    expect(reply).toMatchObject({
      type: 'error',
      reply_to: m.nonce,
      body: { code: 'unsupported-version', supported_versions: [1] },
    });
    expect(reg.parse(serializeMessage(reply), ctxAtoB).type).toBe('error');

    const unknown = JSON.stringify({ ...m, type: 'quote.request' });
    expect(codeOf(() => reg.parse(unknown, ctxAtoB))).toBe('unknown-message-type');
  });

  it('bad envelopes are bad-message', () => {
    const m = makeMessage('catalog.request', {});
    for (const text of [
      'nope',
      '[]',
      JSON.stringify({ ...m, nonce: 'zz' }),
      JSON.stringify({ ...m, v: '1' }),
      JSON.stringify({ ...m, reply_to: 5 }),
      JSON.stringify({ ...m, type: 7 }),
      'x'.repeat(50_000),
    ]) {
      expect(
        codeOf(() => reg.parse(text, ctxAtoB)),
        text.slice(0, 40),
      ).toBe('bad-message');
    }
    const badCatalog = JSON.stringify({
      ...makeMessage('catalog.response', { catalog }),
      body: { catalog: { notaries: [], units: [{ id: 'x', notary: 'nope', tla: 'X', factor: '1' }] } },
    });
    expect(codeOf(() => reg.parse(badCatalog, ctxAtoB))).toBe('bad-message');
  });

  it('other areas can register new types (declaration merging + registry)', () => {
    const r = new MessageRegistry().register('error', (b) => b as never);
    expect(r.has('quote.request')).toBe(false);
    expect(codeOf(() => r.register('Bad Name' as 'error', (b) => b as never))).toBe('bad-input');
  });

  it('never throws a foreign error on arbitrary JSON', () => {
    fc.assert(
      fc.property(
        fc.jsonValue(),
        fc.constantFrom('hello', 'catalog.request', 'catalog.response', 'error', 'x'),
        (body, type) => {
          const text = JSON.stringify({ v: 1, type, nonce: '00112233445566778899aabbccddeeff', body });
          expect(codeOf(() => reg.parse(text, ctxAtoB))).not.toBe('foreign-error');
        },
      ),
      { numRuns: 300 },
    );
  });
});
