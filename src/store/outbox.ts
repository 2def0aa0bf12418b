/**
 * The persistent outbox: every event to publish is committed here (with one target row per
 * relay) before the first send, so nothing is lost to a crash; targets move from `pending` to
 * `acked` (OK true or `duplicate:`) or `failed` (a permanent refusal), and pending ones are
 * retried after a restart. Statements are raw and synchronous: the commit is on disk
 * (synchronous=FULL) when {@link OutboxStore.enqueue} returns.
 */
import type { Statement } from 'better-sqlite3';
import type { Clock } from '../core/clock.ts';
import { systemClock } from '../core/clock.ts';
import { OtP2pError, describeValue } from '../core/errors.ts';
import type { NostrEvent } from '../events/types.ts';
import type { Store } from './db.ts';
import type { OutboxStatus } from './schema.ts';

/** One (event, relay) target as listed by {@link OutboxStore.list}. */
export interface OutboxItem {
  eventId: string;
  kind: number;
  relay: string;
  status: OutboxStatus;
  attempts: number;
  /** Unix ms of the next attempt (pending only). */
  nextAttemptAt: number;
  lastCode: string | null;
  lastMessage: string | null;
  /** Unix ms when the event was queued. */
  createdAt: number;
  updatedAt: number;
}

/** The outcome of one attempt, for {@link OutboxStore.record}. */
export interface AttemptOutcome {
  eventId: string;
  relay: string;
  status: OutboxStatus;
  code: string;
  message: string;
  /** Unix ms of the next attempt (pending only). */
  nextAttemptAt?: number;
}

/** A target due for an attempt. */
export interface DueTarget {
  event: NostrEvent;
  relay: string;
  attempts: number;
}

interface TargetRow {
  event_id: string;
  event_json: string;
  relay: string;
  status: OutboxStatus;
  attempts: number;
  next_attempt_at: number;
  last_code: string | null;
  last_message: string | null;
  created_at: number;
  updated_at: number;
}

/** Repository over the `outbox` and `outbox_targets` tables. */
export class OutboxStore {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #insertEvent: Statement<[string, string, number]>;
  readonly #insertTarget: Statement<[string, string, number, number]>;
  readonly #due: Statement<[number, number], TargetRow>;
  readonly #update: Statement<[OutboxStatus, number, string | null, string | null, number, number, string, string]>;
  readonly #nextDue: Statement<[], { t: number | null }>;

  constructor(store: Store, clock: Clock = systemClock) {
    this.#store = store;
    this.#clock = clock;
    const raw = store.raw;
    this.#insertEvent = raw.prepare('INSERT OR IGNORE INTO outbox (event_id, event_json, created_at) VALUES (?, ?, ?)');
    this.#insertTarget = raw.prepare(
      "INSERT OR IGNORE INTO outbox_targets (event_id, relay, status, attempts, next_attempt_at, updated_at) VALUES (?, ?, 'pending', 0, ?, ?)",
    );
    this.#due = raw.prepare(
      "SELECT t.event_id, o.event_json, t.relay, t.status, t.attempts, t.next_attempt_at, t.last_code, t.last_message, o.created_at, t.updated_at FROM outbox_targets t JOIN outbox o ON o.event_id = t.event_id WHERE t.status = 'pending' AND t.next_attempt_at <= ? ORDER BY t.next_attempt_at LIMIT ?",
    );
    this.#update = raw.prepare(
      'UPDATE outbox_targets SET status = ?, attempts = attempts + ?, last_code = ?, last_message = ?, next_attempt_at = ?, updated_at = ? WHERE event_id = ? AND relay = ?',
    );
    this.#nextDue = raw.prepare("SELECT MIN(next_attempt_at) AS t FROM outbox_targets WHERE status = 'pending'");
  }

  /**
   * Queue `event` for `relays` (idempotent: re-queuing adds only new relays). Durable on return.
   * @throws OtP2pError `no-relays` for an empty list, `db-error` when the write fails.
   */
  enqueue(event: NostrEvent, relays: readonly string[]): void {
    this.enqueueMany([event], relays);
  }

  /**
   * Queue several events for the same relays in one transaction (one fsync). Durable on return.
   * @throws OtP2pError `no-relays` for an empty list, `db-error` when the write fails.
   */
  enqueueMany(events: readonly NostrEvent[], relays: readonly string[]): void {
    if (relays.length === 0) throw new OtP2pError('no-relays', `no relays to publish ${events.length} event(s) to`);
    const now = this.#clock.now();
    try {
      this.#store.raw.transaction(() => {
        for (const event of events) {
          this.#insertEvent.run(event.id, JSON.stringify(event), now);
          for (const r of new Set(relays)) this.#insertTarget.run(event.id, r, now, now);
        }
      })();
    } catch (cause) {
      throw new OtP2pError('db-error', `cannot queue ${events.length} event(s)`, {
        cause,
        context: { first: events[0]?.id },
      });
    }
  }

  /**
   * Record several attempt outcomes in one transaction (one fsync).
   * @throws OtP2pError `db-error` when the write fails (nothing is recorded).
   */
  record(outcomes: readonly AttemptOutcome[]): void {
    if (outcomes.length === 0) return;
    const now = this.#clock.now();
    try {
      this.#store.raw.transaction(() => {
        for (const o of outcomes)
          this.#update.run(o.status, 1, o.code, o.message.slice(0, 500), o.nextAttemptAt ?? 0, now, o.eventId, o.relay);
      })();
    } catch (cause) {
      throw new OtP2pError('db-error', `cannot record ${outcomes.length} outbox outcome(s)`, { cause });
    }
  }

  /** Pending targets due at `nowMs`, oldest first. */
  due(nowMs: number, limit: number): DueTarget[] {
    return this.#due
      .all(nowMs, limit)
      .map((r) => ({ event: JSON.parse(r.event_json) as NostrEvent, relay: r.relay, attempts: r.attempts }));
  }

  /** Unix ms of the earliest pending attempt, or undefined when nothing is pending. */
  nextDueAt(): number | undefined {
    return this.#nextDue.get()?.t ?? undefined;
  }

  #set(
    eventId: string,
    relay: string,
    status: OutboxStatus,
    code: string,
    message: string,
    nextAt: number,
    countAttempt: boolean,
  ): void {
    try {
      this.#update.run(
        status,
        countAttempt ? 1 : 0,
        code,
        message.slice(0, 500),
        nextAt,
        this.#clock.now(),
        eventId,
        relay,
      );
    } catch (cause) {
      throw new OtP2pError('db-error', `cannot update outbox target ${eventId} @ ${relay}`, { cause });
    }
  }

  /** The relay holds the event. @throws OtP2pError `db-error`. */
  markAcked(eventId: string, relay: string, code: string, message: string): void {
    this.#set(eventId, relay, 'acked', code, message, 0, true);
  }

  /** Try again at `nextAttemptAt` (unix ms). @throws OtP2pError `db-error`. */
  markRetry(eventId: string, relay: string, code: string, message: string, nextAttemptAt: number): void {
    this.#set(eventId, relay, 'pending', code, message, nextAttemptAt, true);
  }

  /** Parked: the relay refused for good. @throws OtP2pError `db-error`. */
  markFailed(eventId: string, relay: string, code: string, message: string): void {
    this.#set(eventId, relay, 'failed', code, message, 0, true);
  }

  /**
   * Make due at `nowMs` the pending targets whose last attempt could not connect to their relay
   * (`relay-unreachable`) and which wait for a later retry, for the relays `matches` accepts (the
   * relay came back; the caller compares canonical URLs). Targets a relay refused keep their
   * backoff. Returns how many became due.
   * @throws OtP2pError `db-error`.
   */
  dueOnReconnect(matches: (relay: string) => boolean, nowMs: number): number {
    try {
      const raw = this.#store.raw;
      const relays = raw
        .prepare<[number], { relay: string }>(
          "SELECT DISTINCT relay FROM outbox_targets WHERE status = 'pending' AND last_code = 'relay-unreachable' AND next_attempt_at > ?",
        )
        .all(nowMs)
        .map((r) => r.relay)
        .filter(matches);
      if (relays.length === 0) return 0;
      const update = raw.prepare<[number, string, number]>(
        "UPDATE outbox_targets SET next_attempt_at = ? WHERE relay = ? AND status = 'pending' AND last_code = 'relay-unreachable' AND next_attempt_at > ?",
      );
      let n = 0;
      raw.transaction(() => {
        for (const r of relays) n += update.run(nowMs, r, nowMs).changes;
      })();
      return n;
    } catch (cause) {
      throw new OtP2pError('db-error', 'cannot make outbox targets due on reconnect', { cause });
    }
  }

  /** Put a failed target back in the queue (an operator's retry). @throws OtP2pError `db-error`. */
  rearm(eventId: string, relay: string): void {
    this.#set(eventId, relay, 'pending', 'rearmed', '', this.#clock.now(), false);
  }

  /**
   * Drop an event's targets that are not acknowledged (all relays, or `relay` only): the user gave
   * up on them, so nothing retries them. The event row goes when no target is left. `eventId` may
   * be a unique prefix of at least 8 hex digits (as `otp2p outbox` prints 16).
   * @throws OtP2pError `bad-input` for a malformed or ambiguous id, `not-found` when nothing
   *   matches, `db-error`.
   */
  drop(eventId: string, relay?: string): { eventId: string; dropped: number } {
    if (!/^[0-9a-f]{8,64}$/.test(eventId))
      throw new OtP2pError(
        'bad-input',
        `event id must be 8 to 64 lowercase hex digits, got ${describeValue(eventId)}`,
        {
          context: { field: 'event' },
        },
      );
    const raw = this.#store.raw;
    const ids = (
      raw
        .prepare(
          "SELECT DISTINCT event_id FROM outbox_targets WHERE substr(event_id, 1, ?) = ? AND status IN ('pending', 'failed')",
        )
        .all(eventId.length, eventId) as { event_id: string }[]
    ).map((r) => r.event_id);
    if (ids.length > 1)
      throw new OtP2pError(
        'bad-input',
        `event id prefix ${eventId} matches ${ids.length} queued events: give more digits`,
        {
          context: { field: 'event' },
        },
      );
    const id = ids[0];
    if (id === undefined)
      throw new OtP2pError('not-found', `no pending or failed outbox target for event ${eventId}`, {
        context: { field: 'event' },
      });
    try {
      return raw.transaction(() => {
        const r =
          relay === undefined
            ? raw.prepare("DELETE FROM outbox_targets WHERE event_id = ? AND status IN ('pending', 'failed')").run(id)
            : raw
                .prepare(
                  "DELETE FROM outbox_targets WHERE event_id = ? AND relay = ? AND status IN ('pending', 'failed')",
                )
                .run(id, relay);
        raw
          .prepare(
            'DELETE FROM outbox WHERE event_id = ? AND NOT EXISTS (SELECT 1 FROM outbox_targets WHERE event_id = ?)',
          )
          .run(id, id);
        if (r.changes === 0)
          throw new OtP2pError('not-found', `event ${id} is not queued for ${describeValue(relay)}`, {
            context: { field: 'relay' },
          });
        return { eventId: id, dropped: r.changes };
      })();
    } catch (cause) {
      if (cause instanceof OtP2pError) throw cause;
      throw new OtP2pError('db-error', `cannot drop outbox targets of ${id}`, { cause });
    }
  }

  /** Targets with the given statuses (default pending and failed), oldest first. */
  list(statuses: readonly OutboxStatus[] = ['pending', 'failed']): OutboxItem[] {
    const marks = statuses.map(() => '?').join(', ');
    const rows = this.#store.raw
      .prepare(
        `SELECT t.event_id, o.event_json, t.relay, t.status, t.attempts, t.next_attempt_at, t.last_code, t.last_message, o.created_at, t.updated_at FROM outbox_targets t JOIN outbox o ON o.event_id = t.event_id WHERE t.status IN (${marks}) ORDER BY o.created_at, t.event_id, t.relay`,
      )
      .all(...statuses) as TargetRow[];
    return rows.map((r) => ({
      eventId: r.event_id,
      kind: (JSON.parse(r.event_json) as NostrEvent).kind,
      relay: r.relay,
      status: r.status,
      attempts: r.attempts,
      nextAttemptAt: r.next_attempt_at,
      lastCode: r.last_code,
      lastMessage: r.last_message,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    }));
  }

  /** Number of targets per status. */
  counts(): Record<OutboxStatus, number> {
    const out: Record<OutboxStatus, number> = { pending: 0, acked: 0, failed: 0 };
    const rows = this.#store.raw.prepare('SELECT status, COUNT(*) AS n FROM outbox_targets GROUP BY status').all() as {
      status: OutboxStatus;
      n: number;
    }[];
    for (const r of rows) out[r.status] = r.n;
    return out;
  }
}
