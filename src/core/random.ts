/** Randomness is injected: production uses the OS CSPRNG, simulations a seeded generator. */
import { randomBytes as nodeRandomBytes } from 'node:crypto';

/** A source of random bytes. Only {@link cryptoRandom} may be used for keys and nonces. */
export interface Random {
  bytes(length: number): Uint8Array;
}

/** The OS CSPRNG. */
export const cryptoRandom: Random = {
  bytes: (length) => new Uint8Array(nodeRandomBytes(length)),
};

/**
 * A deterministic generator (xorshift128+) for simulations, tests and benchmarks. Never for keys
 * that protect anything.
 */
export class SeededRandom implements Random {
  #s0: bigint;
  #s1: bigint;
  constructor(seed: number) {
    // splitmix64 to spread a small seed over the 128-bit state
    let z = BigInt.asUintN(64, BigInt(seed) + 0x9e3779b97f4a7c15n);
    const next = (): bigint => {
      z = BigInt.asUintN(64, z + 0x9e3779b97f4a7c15n);
      let x = z;
      x = BigInt.asUintN(64, (x ^ (x >> 30n)) * 0xbf58476d1ce4e5b9n);
      x = BigInt.asUintN(64, (x ^ (x >> 27n)) * 0x94d049bb133111ebn);
      return x ^ (x >> 31n);
    };
    this.#s0 = next();
    this.#s1 = next();
  }
  /** A uniform 64-bit value. */
  next64(): bigint {
    let s1 = this.#s0;
    const s0 = this.#s1;
    this.#s0 = s0;
    s1 = BigInt.asUintN(64, s1 ^ (s1 << 23n));
    this.#s1 = s1 ^ s0 ^ (s1 >> 17n) ^ (s0 >> 26n);
    return BigInt.asUintN(64, this.#s1 + s0);
  }
  /** A float in [0, 1). */
  float(): number {
    return Number(this.next64() >> 11n) / 2 ** 53;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }
  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i += 8) {
      let v = this.next64();
      for (let j = i; j < Math.min(i + 8, length); j++) {
        out[j] = Number(v & 0xffn);
        v >>= 8n;
      }
    }
    return out;
  }
}
