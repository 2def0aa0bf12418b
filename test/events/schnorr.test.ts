/**
 * BIP-340 backends: the native libsecp256k1 (bcrypto's addon, an optional dependency) and the
 * WASM one (tiny-secp256k1) must give the same answer for every signature, valid or not.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import * as tiny from 'tiny-secp256k1';
import { describe, expect, it } from 'vitest';
import { nativeBackend, schnorrBackend, wasmBackend } from '../../src/events/schnorr.ts';

const native = nativeBackend();

function signed(): { msg: Uint8Array; pub: Uint8Array; sig: Uint8Array } {
  let sk = randomBytes(32);
  while (!tiny.isPrivate(sk)) sk = randomBytes(32);
  const msg = new Uint8Array(randomBytes(32));
  return { msg, pub: tiny.xOnlyPointFromScalar(sk), sig: tiny.signSchnorr(msg, sk, randomBytes(32)) };
}

describe('BIP-340 backends', () => {
  it('uses the native backend when bcrypto built, else the WASM one', () => {
    expect(schnorrBackend.name).toBe(native ? 'native-libsecp256k1' : 'wasm-libsecp256k1');
  });

  // Without the optional native addon there is nothing to compare; the WASM backend is covered by
  // every event test.
  describe.runIf(native !== undefined)('native vs WASM', () => {
    const n = native as NonNullable<typeof native>;

    it('agree on valid signatures and on every single-bit corruption of them', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 511 }), (part, bit) => {
          const s = signed();
          expect(n.verify(s.msg, s.pub, s.sig)).toBe(true);
          const bad = { msg: Uint8Array.from(s.msg), pub: Uint8Array.from(s.pub), sig: Uint8Array.from(s.sig) };
          const target = part === 0 ? bad.msg : part === 1 ? bad.pub : bad.sig;
          const i = bit % (target.length * 8);
          target[i >> 3] = (target[i >> 3] as number) ^ (1 << (i & 7));
          expect(n.verify(bad.msg, bad.pub, bad.sig)).toBe(wasmBackend.verify(bad.msg, bad.pub, bad.sig));
          expect(n.verify(bad.msg, bad.pub, bad.sig)).toBe(false);
        }),
        { numRuns: 300 },
      );
    });

    it('agree on arbitrary bytes (keys off the curve, wrong lengths): false, never a throw', () => {
      fc.assert(
        fc.property(
          fc.uint8Array({ minLength: 0, maxLength: 40 }),
          fc.uint8Array({ minLength: 0, maxLength: 40 }),
          fc.uint8Array({ minLength: 0, maxLength: 70 }),
          (msg, pub, sig) => {
            const w = wasmBackend.verify(msg, pub, sig);
            expect(n.verify(msg, pub, sig)).toBe(w);
          },
        ),
        { numRuns: 500 },
      );
    });
  });
});
