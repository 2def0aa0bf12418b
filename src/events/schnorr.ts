/**
 * BIP-340 Schnorr verification, from the fastest backend this machine has. Verification is the
 * cost of ingest (docs/performance.md), so the native libsecp256k1 that bcrypto builds from source
 * with node-gyp (~20,000 verifications/s per core here) is preferred; when it is not installed (it
 * is an optional dependency, and its build may fail on a machine without a C toolchain), the WASM
 * libsecp256k1 of tiny-secp256k1 (~4,400/s) does the same check. Both are libsecp256k1; a
 * differential test pins that they agree on valid and invalid signatures.
 */
import { createRequire } from 'node:module';
import { isMainThread, workerData } from 'node:worker_threads';
import * as wasm from 'tiny-secp256k1';

/** A BIP-340 verifier over 32-byte message, 32-byte x-only key and 64-byte signature. */
export type SchnorrVerify = (msg: Uint8Array, pubkey: Uint8Array, sig: Uint8Array) => boolean;

/** The backends, by name. */
export interface SchnorrBackend {
  name: 'native-libsecp256k1' | 'wasm-libsecp256k1';
  verify: SchnorrVerify;
}

/** tiny-secp256k1's WASM build (always available). It throws on a key not on the curve: false. */
export const wasmBackend: SchnorrBackend = {
  name: 'wasm-libsecp256k1',
  verify: (msg, pubkey, sig) => {
    try {
      return wasm.verifySchnorr(msg, pubkey, sig);
    } catch {
      return false;
    }
  },
};

interface BcryptoSchnorr {
  native?: number;
  verify(msg: Buffer, sig: Buffer, key: Buffer): boolean;
}

/**
 * The `workerData` key by which a worker's creator allows the native addon in that worker. Set it
 * only when the worker is never terminated (nor the process left to exit) before the worker has
 * finished importing this module.
 */
export const NATIVE_SCHNORR_WORKER_FLAG = 'otp2pNativeSchnorr';

/** bcrypto's native libsecp256k1 binding, or undefined when it is not installed or not native. */
function loadNative(): SchnorrBackend | undefined {
  if (process.env.OTP2P_SCHNORR === 'wasm') return undefined;
  // A worker thread torn down while bcrypto's addon initialises aborts the whole process (seen
  // about once in twenty short-lived pools, before the pool waited). So a worker loads it only
  // when its creator promised never to end it mid-load: VerifyPool waits for each worker's
  // ready message before it lets it go (see NATIVE_SCHNORR_WORKER_FLAG).
  if (!isMainThread && (workerData as Record<string, unknown> | null)?.[NATIVE_SCHNORR_WORKER_FLAG] !== true)
    return undefined;
  try {
    const schnorr = createRequire(import.meta.url)('bcrypto/lib/schnorr') as BcryptoSchnorr;
    // bcrypto silently falls back to pure JS (slower than the WASM) when its addon is missing.
    if (!schnorr.native) return undefined;
    const toBuf = (b: Uint8Array): Buffer =>
      Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
    return {
      name: 'native-libsecp256k1',
      verify: (msg, pubkey, sig) => {
        if (msg.length !== 32 || pubkey.length !== 32 || sig.length !== 64) return false;
        try {
          return schnorr.verify(toBuf(msg), toBuf(sig), toBuf(pubkey));
        } catch {
          return false;
        }
      },
    };
  } catch {
    return undefined;
  }
}

/** The backend in use: native when available (set `OTP2P_SCHNORR=wasm` to force the WASM one). */
export const schnorrBackend: SchnorrBackend = loadNative() ?? wasmBackend;

/** Verify with {@link schnorrBackend}; false on any malformed input, never throws. */
export const verifySchnorr: SchnorrVerify = schnorrBackend.verify;

/** The native backend if it loaded (for differential tests and benchmarks). */
export function nativeBackend(): SchnorrBackend | undefined {
  return loadNative();
}
