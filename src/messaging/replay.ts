/**
 * Replay protection for gift-wrapped messages: the `received_messages` table, keyed by rumor id
 * and by (sender, the message's own nonce). Freshness is judged by the rumor's `created_at`
 * (signed by the author inside the seal), never by the wrap's, which is randomly back-dated.
 *
 * Rows older than the freshness window can be pruned: a message that old is refused as stale
 * anyway, so forgetting it cannot let a replay through.
 */
import type { Statement } from 'better-sqlite3';
import type { Clock } from '../core/clock.ts';
import { systemClock, unixSeconds } from '../core/clock.ts';
import { OtP2pError } from '../core/errors.ts';
import type { Store } from '../store/db.ts';
import type { ReceivedMessagesTable } from '../store/schema.ts';
import type { Unwrapped } from './nip59.ts';

/** Options for {@link ReceivedMessages}. */
export interface ReceivedMessagesOptions {
  clock?: Clock;
}

/** Options for one {@link ReceivedMessages.accept} call. */
export interface AcceptOptions {
  /** The message's own nonce ('' when it has none, as NIP-17 chat). */
  nonce?: string;
  /** Refuse rumors older than this many seconds (`null`: no limit, for chat history). */
  maxAgeSeconds?: number | null;
}

/** The received-messages table. */
export class ReceivedMessages {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #insert: Statement;
  readonly #byId: Statement;
  readonly #byWrap: Statement;
  readonly #byNonce: Statement;

  constructor(store: Store, options: ReceivedMessagesOptions = {}) {
    this.#store = store;
    this.#clock = options.clock ?? systemClock;
    // Synchronous, atomic check-and-record: two deliveries of one message (from two relays) can
    // never both pass, whatever the async interleaving above.
    this.#insert = store.raw.prepare(
      'INSERT OR IGNORE INTO received_messages (rumor_id, sender, nonce, kind, created_at, received_at, wrap_id, rumor_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.#byId = store.raw.prepare('SELECT 1 FROM received_messages WHERE rumor_id = ?');
    this.#byWrap = store.raw.prepare('SELECT 1 FROM received_messages WHERE wrap_id = ?');
    this.#byNonce = store.raw.prepare("SELECT 1 FROM received_messages WHERE sender = ? AND nonce = ? AND nonce <> ''");
  }

  /** Whether this rumor id was already accepted. */
  seen(rumorId: string): boolean {
    return this.#byId.get(rumorId) !== undefined;
  }

  /** Whether a message arrived in the wrap with this id (a re-delivery of the same wrap). */
  seenWrap(wrapId: string): boolean {
    return this.#byWrap.get(wrapId) !== undefined;
  }

  /**
   * Refuse a message that is stale or whose rumor id was already recorded, without recording it:
   * a handler that must run before the record (so a crash in between re-delivers, never loses)
   * checks first, handles, then {@link accept}s.
   * @throws OtP2pError `stale-message`, `replay`.
   */
  checkFresh(message: Unwrapped, options: Pick<AcceptOptions, 'maxAgeSeconds' | 'nonce'> = {}): void {
    const { rumor } = message;
    const maxAge = options.maxAgeSeconds ?? null;
    if (maxAge !== null && rumor.created_at < unixSeconds(this.#clock) - maxAge) {
      throw new OtP2pError('stale-message', `message ${rumor.id} is from ${rumor.created_at}, older than ${maxAge}s`, {
        context: { id: rumor.id, created_at: rumor.created_at },
      });
    }
    if (this.seen(rumor.id) || (options.nonce && this.#byNonce.get(message.sender, options.nonce) !== undefined)) {
      throw new OtP2pError('replay', `message ${rumor.id} (nonce ${options.nonce || '-'}) was already received`, {
        context: { id: rumor.id, sender: message.sender },
      });
    }
  }

  /**
   * Record a verified message, refusing replays and stale messages.
   * @throws OtP2pError `stale-message` (rumor older than `maxAgeSeconds`), `replay` (rumor id, or
   * sender + nonce, already recorded), `db-error`.
   */
  accept(message: Unwrapped, options: AcceptOptions = {}): void {
    const { rumor } = message;
    const now = unixSeconds(this.#clock);
    this.checkFresh(message, options);
    let changes: number;
    try {
      changes = this.#insert.run(
        rumor.id,
        message.sender,
        options.nonce ?? '',
        rumor.kind,
        rumor.created_at,
        now,
        message.wrap.id,
        JSON.stringify(rumor),
      ).changes;
    } catch (cause) {
      throw new OtP2pError('db-error', 'cannot record a received message', { cause });
    }
    if (changes === 0) {
      throw new OtP2pError('replay', `message ${rumor.id} (nonce ${options.nonce || '-'}) was already received`, {
        context: { id: rumor.id, sender: message.sender },
      });
    }
  }

  /**
   * Accepted messages of `kind`, oldest first by the rumor's created_at.
   */
  async list(kind: number, options: { since?: number; limit?: number } = {}): Promise<ReceivedMessagesTable[]> {
    return this.#store.db
      .selectFrom('received_messages')
      .selectAll()
      .where('kind', '=', kind)
      .where('created_at', '>=', options.since ?? 0)
      .orderBy('created_at', 'asc')
      .orderBy('rumor_id', 'asc')
      .limit(options.limit ?? 1000)
      .execute();
  }

  /** Forget messages of `kind` whose rumor is older than `olderThan` (unix seconds). Returns rows removed. */
  async prune(kind: number, olderThan: number): Promise<number> {
    const r = await this.#store.db
      .deleteFrom('received_messages')
      .where('kind', '=', kind)
      .where('created_at', '<', olderThan)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
