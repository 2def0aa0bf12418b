/** Payment messages at the boundary: typed on success, exact codes on failure, fuzzed. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OtP2pError } from '../../src/core/errors.ts';
import { createRegistry } from '../../src/messaging/protocol.ts';
import { registerPaymentMessages } from '../../src/payments/adapters/messaging.ts';
import { PAYMENT_MESSAGE_TYPES, encodePaymentMessage, parsePaymentMessage } from '../../src/payments/messages.ts';

const H32 = 'a1'.repeat(32);
const H16 = 'b2'.repeat(16);
const NONCE = 'c3'.repeat(16);
const PK = 'd4'.repeat(32);
const receipt = { kind: 'ot', notary: 'otxNotary1', unit: 'otxUsd', id: 'f00d', amount: '116' };

/** One valid wire example per type (the same ones docs/protocol.md shows). */
const EXAMPLES: Record<string, Record<string, unknown>> = {
  'quote.request': {
    payment_id: H16,
    role: 'hop',
    in: { notary: 'otxNotary1', unit: 'otxUsd' },
    out: { notary: 'otxNotary1', unit: 'otxEur', amount: '102', to: PK },
    offer: 'bob-usd-eur',
  },
  quote: {
    payment_id: H16,
    min_in: '116',
    out: '102',
    rate: { num: '9', den: '10' },
    cut_ppm: 1000,
    fee: '1',
    expires_at: 1_800_000_120,
    nym: 'otxAcctBobUsd',
  },
  prepare: {
    payment_id: H16,
    payment_hash: H32,
    index: 1,
    in: { notary: 'otxNotary1', unit: 'otxUsd', from: PK, amount: '116', nym: 'otxAcctBobUsd' },
    out: { notary: 'otxNotary1', unit: 'otxEur', to: PK, amount: '102', nym: 'otxAcctCarolEur' },
    expires_at: 1_800_000_090,
  },
  'prepare.ack': { payment_id: H16, index: 1 },
  'transfer.notice': { payment_id: H16, payment_hash: H32, leg: 0, receipt, amount: '116' },
  fulfill: { payment_id: H16, payment_hash: H32, preimage: 'e5'.repeat(32), amount: '100' },
  reject: { payment_id: H16, reason: 'no-liquidity', index: 2, message: 'we could not forward; refunding' },
  'refund.notice': {
    payment_id: H16,
    payment_hash: H32,
    leg: 0,
    receipt: { kind: 'btc', txid: H32, vout: 1, address: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq', amount: '5000' },
    amount: '5000',
  },
};

const wire = (type: string, body: Record<string, unknown>): Record<string, unknown> => ({
  v: 1,
  type,
  nonce: NONCE,
  body,
});

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    if (err instanceof OtP2pError) return err.code;
    throw err;
  }
  return 'no error';
}

describe('payment messages', () => {
  it('parses a valid example of every type and round-trips it', () => {
    for (const type of PAYMENT_MESSAGE_TYPES) {
      const msg = parsePaymentMessage(wire(type, EXAMPLES[type]!));
      expect(msg.type).toBe(type);
      expect(encodePaymentMessage(msg)).toEqual(wire(type, EXAMPLES[type]!));
    }
    const q = parsePaymentMessage(wire('quote', EXAMPLES.quote!));
    expect(q.type === 'quote' && q.min_in).toBe(116n);
  });

  it('refuses bad envelopes and fields with exact codes', () => {
    expect(codeOf(() => parsePaymentMessage(null))).toBe('bad-message');
    expect(codeOf(() => parsePaymentMessage({ ...wire('fulfill', EXAMPLES.fulfill!), v: 2 }))).toBe(
      'unsupported-version',
    );
    expect(codeOf(() => parsePaymentMessage({ ...wire('fulfill', EXAMPLES.fulfill!), v: '1' }))).toBe('bad-message');
    expect(codeOf(() => parsePaymentMessage(wire('pay.now', EXAMPLES.fulfill!)))).toBe('unknown-message-type');
    expect(codeOf(() => parsePaymentMessage({ ...wire('fulfill', EXAMPLES.fulfill!), nonce: 'xyz' }))).toBe(
      'bad-message',
    );
    expect(codeOf(() => parsePaymentMessage(wire('fulfill', { ...EXAMPLES.fulfill!, amount: '-5' })))).toBe(
      'bad-amount',
    );
    expect(codeOf(() => parsePaymentMessage(wire('fulfill', { ...EXAMPLES.fulfill!, amount: 5 })))).toBe('bad-amount');
    expect(codeOf(() => parsePaymentMessage(wire('fulfill', { ...EXAMPLES.fulfill!, amount: '1e3' })))).toBe(
      'bad-amount',
    );
    expect(
      codeOf(() => parsePaymentMessage(wire('fulfill', { ...EXAMPLES.fulfill!, preimage: 'AB'.repeat(32) }))),
    ).toBe('bad-message');
    expect(codeOf(() => parsePaymentMessage(wire('reject', { ...EXAMPLES.reject!, reason: 'bored' })))).toBe(
      'bad-message',
    );
    expect(codeOf(() => parsePaymentMessage(wire('quote', { ...EXAMPLES.quote!, cut_ppm: 1_000_000 })))).toBe(
      'bad-message',
    );
    expect(codeOf(() => parsePaymentMessage(wire('quote', { ...EXAMPLES.quote!, rate: { num: '0', den: '1' } })))).toBe(
      'bad-amount',
    );
    expect(codeOf(() => parsePaymentMessage(wire('quote', { ...EXAMPLES.quote!, nym: undefined })))).toBe(
      'bad-message',
    );
    expect(
      codeOf(() => parsePaymentMessage(wire('quote.request', { ...EXAMPLES['quote.request']!, out: undefined }))),
    ).toBe('bad-message');
    expect(codeOf(() => parsePaymentMessage(wire('prepare', { ...EXAMPLES.prepare!, index: 0 })))).toBe('bad-message');
    expect(
      codeOf(() =>
        parsePaymentMessage(
          wire('transfer.notice', { ...EXAMPLES['transfer.notice']!, receipt: { ...receipt, kind: 'cash' } }),
        ),
      ),
    ).toBe('bad-message');
    expect(
      codeOf(() =>
        parsePaymentMessage(
          wire('transfer.notice', {
            ...EXAMPLES['transfer.notice']!,
            receipt: { ...receipt, amount: '99999999999999999999' },
          }),
        ),
      ),
    ).toBe('bad-amount');
    const err = (() => {
      try {
        parsePaymentMessage(
          wire('prepare', { ...EXAMPLES.prepare!, in: { ...(EXAMPLES.prepare!.in as object), from: 'nope' } }),
        );
      } catch (e) {
        return e as OtP2pError;
      }
      return undefined;
    })();
    expect(err?.context.field).toBe('in.from');
  });

  it('registers every type in the protocol registry, which then validates payment bodies', () => {
    const registry = registerPaymentMessages(createRegistry());
    for (const type of PAYMENT_MESSAGE_TYPES) expect(registry.has(type)).toBe(true);
    const ctx = { sender: PK, recipient: PK };
    const parsed = registry.parse(JSON.stringify(wire('prepare.ack', EXAMPLES['prepare.ack']!)), ctx);
    expect(parsed.type).toBe('prepare.ack');
    expect(codeOf(() => registry.parse(JSON.stringify(wire('prepare.ack', { payment_id: 'zz', index: 1 })), ctx))).toBe(
      'bad-message',
    );
  });

  it('reads -0 as 0, so what parses re-encodes to the same (found by the fuzz below, seed -82951133)', () => {
    const body = { ...EXAMPLES.prepare, expires_at: -0 };
    const m = parsePaymentMessage({ v: 1, type: 'prepare', nonce: NONCE, body });
    expect(Object.is((m as unknown as { expires_at: number }).expires_at, 0)).toBe(true);
    expect(parsePaymentMessage(encodePaymentMessage(m))).toEqual(m);
  });

  it('never throws anything but a typed error on arbitrary input (fuzz)', () => {
    const anyBody = fc.oneof(
      fc.anything(),
      fc
        .constantFrom(...Object.values(EXAMPLES))
        .chain((b) =>
          fc
            .record({ key: fc.constantFrom(...Object.keys(b)), value: fc.anything() })
            .map(({ key, value }) => ({ ...b, [key]: value })),
        ),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...PAYMENT_MESSAGE_TYPES, 'x'),
        anyBody,
        fc.oneof(fc.constant(NONCE), fc.string()),
        (type, body, nonce) => {
          try {
            const m = parsePaymentMessage({ v: 1, type, nonce, body });
            // what parses re-encodes to something that parses to the same
            expect(parsePaymentMessage(encodePaymentMessage(m))).toEqual(m);
          } catch (err) {
            expect(err).toBeInstanceOf(OtP2pError);
          }
        },
      ),
      { numRuns: 1500 },
    );
  });
});
