/** Time is injected so that every layer can be tested with a controlled clock. */

/** A source of wall-clock time. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/** The real clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** Whole seconds since the Unix epoch (Nostr's `created_at` unit). */
export function unixSeconds(clock: Clock = systemClock): number {
  return Math.floor(clock.now() / 1000);
}

/** A clock for tests and simulations that only moves when told to. */
export class ManualClock implements Clock {
  #ms: number;
  constructor(startMs = 1_700_000_000_000) {
    this.#ms = startMs;
  }
  now(): number {
    return this.#ms;
  }
  /** Move forward by `ms` milliseconds. */
  advance(ms: number): void {
    this.#ms += ms;
  }
  /** Jump to an absolute time. */
  set(ms: number): void {
    this.#ms = ms;
  }
}
