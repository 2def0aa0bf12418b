/**
 * Subscription cursors: per (relay, subscription key) high-water marks, so a restarted process
 * resumes each subscription where that relay left off. Marks only move forward; writes are
 * batched (one transaction per {@link CursorStore.flush}) because they move with every live event.
 */
import type { Statement } from 'better-sqlite3';
import type { Clock } from '../core/clock.ts';
import { systemClock } from '../core/clock.ts';
import { OtP2pError } from '../core/errors.ts';
import type { Store } from './db.ts';

/** What a transport needs to persist its marks (implemented by {@link CursorStore}). */
export interface CursorStorage {
  /** The stored mark (unix seconds) or undefined. */
  load(relay: string, subKey: string): number | undefined;
  /** Record a mark; it is kept only if higher than the current one. Persisted on {@link flush}. */
  save(relay: string, subKey: string, since: number): void;
  /** Write pending marks. */
  flush(): void;
}

/** The cursors table (migrations/2026-11-24-01-foundation.ts). */
export class CursorStore implements CursorStorage {
  readonly #get: Statement<[string, string], { since: number }>;
  readonly #put: Statement<[string, string, number, number]>;
  readonly #pending = new Map<string, { relay: string; subKey: string; since: number }>();
  readonly #clock: Clock;
  readonly #store: Store;

  constructor(store: Store, clock: Clock = systemClock) {
    this.#store = store;
    this.#clock = clock;
    this.#get = store.raw.prepare('SELECT since FROM cursors WHERE relay = ? AND sub_key = ?');
    this.#put = store.raw.prepare(
      'INSERT INTO cursors (relay, sub_key, since, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (relay, sub_key) DO UPDATE SET since = MAX(since, excluded.since), updated_at = excluded.updated_at',
    );
  }

  load(relay: string, subKey: string): number | undefined {
    const pending = this.#pending.get(`${relay}\n${subKey}`)?.since;
    const row = this.#get.get(relay, subKey)?.since;
    if (pending === undefined) return row;
    return row === undefined ? pending : Math.max(row, pending);
  }

  save(relay: string, subKey: string, since: number): void {
    if (!Number.isSafeInteger(since) || since < 0) return;
    const key = `${relay}\n${subKey}`;
    const cur = this.#pending.get(key);
    if (!cur || since > cur.since) this.#pending.set(key, { relay, subKey, since });
  }

  /**
   * Write every pending mark in one transaction.
   * @throws OtP2pError `db-error` when the write fails (the marks stay pending).
   */
  flush(): void {
    if (this.#pending.size === 0) return;
    const now = Math.floor(this.#clock.now() / 1000);
    const items = [...this.#pending.values()];
    try {
      this.#store.raw.transaction(() => {
        for (const c of items) this.#put.run(c.relay, c.subKey, c.since, now);
      })();
    } catch (cause) {
      throw new OtP2pError('db-error', 'cannot write subscription cursors', { cause });
    }
    for (const c of items)
      if (this.#pending.get(`${c.relay}\n${c.subKey}`) === c) this.#pending.delete(`${c.relay}\n${c.subKey}`);
  }

  /** Every stored mark (for diagnostics). */
  all(): { relay: string; subKey: string; since: number }[] {
    this.flush();
    return this.#store.raw
      .prepare('SELECT relay, sub_key AS subKey, since FROM cursors ORDER BY relay, sub_key')
      .all() as { relay: string; subKey: string; since: number }[];
  }
}
