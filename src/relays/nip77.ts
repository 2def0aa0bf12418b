/**
 * NIP-77 (negentropy set reconciliation) over relay connections, both sides; the protocol itself
 * is in negentropy.ts.
 *
 * - {@link Nip77Client}: over a relay connection of the pool, reconcile a filter against the ids
 *   (and `created_at`) the wallet holds, and learn the ids the relay has and we lack (`need`) and
 *   those we have and it lacks (`have`). A relay that does not know `NEG-OPEN` (a NOTICE, or no
 *   answer in bounded time) is `unsupported`, remembered per relay, and the caller falls back to
 *   `since` REQs: a failure is never an empty answer.
 * - {@link Nip77Sessions}: the relay's side of one connection, for the embedded relay: NEG-OPEN,
 *   NEG-MSG and NEG-CLOSE over the records a filter selects, bounded in records and sessions.
 */
import type { Database } from 'better-sqlite3';
import { hex, integer } from '../core/assert.ts';
import type { Filter } from '../events/filter.ts';
import type { NegRecord } from './negentropy.ts';
import { Negentropy } from './negentropy.ts';

/** One record the wallet holds: an event id and its `created_at`. */
export type HeldId = NegRecord;

/**
 * A channel over an existing relay connection (the pool's): frames out, frames in. `listen`
 * hears the `NEG-*` frames and NOTICEs of that relay until the returned function is called.
 */
export interface RelayChannel {
  send(message: unknown[]): boolean;
  whenOpen(timeoutMs: number): Promise<boolean>;
  listen(handler: (message: unknown[]) => void): () => void;
  /** Which connection is up: changes when the connection drops or is replaced (-1 when down). */
  connection(): number;
}

/**
 * Why a reconciliation gave no answer. `unsupported`: the relay does not speak NIP-77 (NIP-11
 * says so, it sent a NOTICE, or it did not answer the `NEG-OPEN`); `neg-err`: it refused (`reason`
 * is its `NEG-ERR`, e.g. `blocked: too many records`); `no-answer`: it stopped answering midway;
 * `unreachable`: no connection; `invalid`: a message that is not Negentropy V1; `too-many-rounds`
 * and `too-many-ids`: past this client's bounds.
 */
export type Nip77Failure =
  | 'unsupported'
  | 'neg-err'
  | 'no-answer'
  | 'unreachable'
  | 'invalid'
  | 'too-many-rounds'
  | 'too-many-ids';

/** The outcome of one reconciliation with one relay. */
export type Nip77Outcome =
  | { ok: true; need: string[]; have: string[]; rounds: number }
  | { ok: false; code: Nip77Failure; reason: string };

/** Options of {@link Nip77Client}. */
export interface Nip77ClientOptions {
  /** Wait this long for each relay message (default 5 s). Silence after `NEG-OPEN` means unsupported. */
  timeoutMs?: number;
  /** Messages exchanged before giving up (default 64). */
  maxRounds?: number;
  /** Ids the relay may say we lack before giving up (default 100 000). */
  maxNeed?: number;
  /** The relay's NIP-11 `supported_nips`, when known: a list without 77 skips the attempt. */
  supportedNips?: (relay: string) => Promise<readonly number[] | undefined>;
}

let negCounter = 0;

/**
 * A NIP-77 client over relay channels. Remembers, per relay, what it learned about support.
 */
export class Nip77Client {
  readonly #channelOf: (relay: string) => RelayChannel;
  readonly #o: Nip77ClientOptions;
  /** true: answered a NEG-OPEN; false: does not speak NIP-77 (reason kept). */
  readonly #support = new Map<string, { ok: boolean; reason: string }>();

  constructor(channelOf: (relay: string) => RelayChannel, options: Nip77ClientOptions = {}) {
    this.#channelOf = channelOf;
    this.#o = options;
  }

  /** What is known of `relay`: true (speaks NIP-77), false (does not), undefined (not asked yet). */
  supports(relay: string): boolean | undefined {
    return this.#support.get(relay)?.ok;
  }

  /**
   * Reconcile `filter` on `relay` against `held`. Never rejects for the relay: its faults are
   * outcomes. Ids are lowercase hex; `need` and `have` hold no duplicates.
   * @throws OtP2pError `bad-input` when a held record is not a 32-byte hex id with a `created_at`.
   */
  async reconcile(relay: string, filter: Filter, held: Iterable<HeldId>): Promise<Nip77Outcome> {
    const records: HeldId[] = [];
    for (const h of held)
      records.push({
        id: hex(h.id, 'held.id', 'bad-input', 32),
        created_at: integer(h.created_at, 'held.created_at', 'bad-input', 0, Number.MAX_SAFE_INTEGER),
      });
    const known = this.#support.get(relay);
    if (known && !known.ok) return { ok: false, code: 'unsupported', reason: known.reason };
    if (!known) {
      const nips = await this.#o.supportedNips?.(relay).catch(() => undefined);
      if (nips && !nips.includes(77)) return this.#unsupported(relay, 'NIP-11 supported_nips lacks 77');
    }
    const timeoutMs = this.#o.timeoutMs ?? 5000;
    const ch = this.#channelOf(relay);
    if (!(await ch.whenOpen(timeoutMs))) return { ok: false, code: 'unreachable', reason: 'no connection' };
    const neg = new Negentropy(records, 'initiator');
    const conn = ch.connection();
    const sub = `neg-${++negCounter}`;
    const need = new Set<string>();
    const have = new Set<string>();
    return new Promise<Nip77Outcome>((resolve) => {
      let rounds = 0;
      let timer: NodeJS.Timeout | undefined;
      const finish = (out: Nip77Outcome, close: boolean): void => {
        clearTimeout(timer);
        stop();
        if (close) ch.send(['NEG-CLOSE', sub]);
        resolve(out);
      };
      const arm = (): void => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          // A connection lost meanwhile says nothing about NIP-77.
          if (ch.connection() !== conn)
            finish({ ok: false, code: 'no-answer', reason: 'connection lost during the reconciliation' }, false);
          else if (rounds === 0) finish(this.#unsupported(relay, `no answer to NEG-OPEN within ${timeoutMs} ms`), true);
          else finish({ ok: false, code: 'no-answer', reason: `no NEG-MSG within ${timeoutMs} ms` }, true);
        }, timeoutMs);
      };
      const stop = ch.listen((m) => {
        if (m[0] === 'NOTICE') {
          // A relay that does not know NEG-OPEN says so in a NOTICE (it has no subscription id).
          if (rounds === 0) finish(this.#unsupported(relay, `NOTICE: ${String(m[1]).slice(0, 200)}`), false);
          return;
        }
        if (m[1] !== sub) return;
        if (m[0] === 'NEG-ERR') {
          this.#support.set(relay, { ok: true, reason: '' });
          return finish({ ok: false, code: 'neg-err', reason: String(m[2] ?? '').slice(0, 512) }, false);
        }
        if (m[0] !== 'NEG-MSG') return;
        this.#support.set(relay, { ok: true, reason: '' });
        rounds++;
        let next: string | null;
        try {
          if (typeof m[2] !== 'string') throw new Error('message is not a string');
          next = neg.reconcile(
            m[2],
            (id) => have.add(id),
            (id) => need.add(id),
          );
        } catch (err) {
          return finish({ ok: false, code: 'invalid', reason: (err as Error).message.slice(0, 200) }, true);
        }
        if (need.size > (this.#o.maxNeed ?? 100_000))
          return finish(
            { ok: false, code: 'too-many-ids', reason: `more than ${this.#o.maxNeed ?? 100_000} ids` },
            true,
          );
        if (next === null) return finish({ ok: true, need: [...need], have: [...have], rounds }, true);
        if (rounds >= (this.#o.maxRounds ?? 64))
          return finish({ ok: false, code: 'too-many-rounds', reason: `${rounds} rounds` }, true);
        arm();
        ch.send(['NEG-MSG', sub, next]);
      });
      arm();
      if (!ch.send(['NEG-OPEN', sub, filter, neg.initiate()]))
        finish({ ok: false, code: 'unreachable', reason: 'connection closed' }, false);
    });
  }

  #unsupported(relay: string, reason: string): Nip77Outcome {
    this.#support.set(relay, { ok: false, reason });
    return { ok: false, code: 'unsupported', reason };
  }
}

/** Options of {@link Nip77Sessions}. */
export interface Nip77SessionsOptions {
  /** Records one NEG-OPEN may cover; past it the relay answers `NEG-ERR blocked:`. */
  maxRecords: number;
  /** Sessions open at once on the connection. */
  maxSessions: number;
  /**
   * The records the filters select, or undefined when more than `max` match.
   * @throws Error for a filter it cannot serve (answered `NEG-ERR invalid:`).
   */
  records(filters: readonly Filter[], max: number): NegRecord[] | undefined;
  send(message: unknown[]): void;
}

/**
 * The relay's side of NIP-77 on one connection. `NEG-OPEN` takes one filter (or, as NDK sends,
 * an array of filters: their union). Each session holds its records until `NEG-CLOSE`, a
 * `NEG-ERR`, a new `NEG-OPEN` with the same id, or the connection's end ({@link close}).
 */
export class Nip77Sessions {
  readonly #o: Nip77SessionsOptions;
  readonly #open = new Map<string, Negentropy>();

  constructor(options: Nip77SessionsOptions) {
    this.#o = options;
  }

  /** Handle one `NEG-*` frame (already parsed). Never throws: every fault is a NEG-ERR or NOTICE. */
  handle(msg: readonly unknown[]): void {
    const [type, sub] = msg;
    if (typeof sub !== 'string' || sub.length === 0 || sub.length > 64)
      return this.#o.send(['NOTICE', `invalid: ${String(type)} needs a subscription id of 1 to 64 characters`]);
    const err = (reason: string, ...extra: unknown[]): void => {
      this.#open.delete(sub);
      this.#o.send(['NEG-ERR', sub, reason, ...extra]);
    };
    if (type === 'NEG-CLOSE') {
      this.#open.delete(sub);
      return;
    }
    if (type === 'NEG-OPEN') {
      this.#open.delete(sub);
      const raw = msg[2];
      const filters = (Array.isArray(raw) ? raw : [raw]) as unknown[];
      if (filters.length === 0 || filters.some((f) => typeof f !== 'object' || f === null || Array.isArray(f)))
        return err('invalid: NEG-OPEN needs a filter');
      if (typeof msg[3] !== 'string') return err('invalid: NEG-OPEN needs an initial message');
      if (this.#open.size >= this.#o.maxSessions)
        return err(`blocked: at most ${this.#o.maxSessions} negentropy sessions at once`);
      let records: NegRecord[] | undefined;
      try {
        records = this.#o.records(filters as Filter[], this.#o.maxRecords);
      } catch (e) {
        return err(`invalid: ${(e as Error).message}`);
      }
      if (records === undefined)
        return err(`blocked: more than ${this.#o.maxRecords} records match, narrow the filter`, this.#o.maxRecords);
      const neg = new Negentropy(records, 'responder');
      this.#open.set(sub, neg);
      return this.#answer(sub, neg, msg[3], err);
    }
    if (type === 'NEG-MSG') {
      const neg = this.#open.get(sub);
      if (!neg) return err('closed: no such negentropy session');
      if (typeof msg[2] !== 'string') return err('invalid: NEG-MSG needs a message');
      return this.#answer(sub, neg, msg[2], err);
    }
    this.#o.send(['NOTICE', `invalid: unknown message type ${String(type).slice(0, 32)}`]);
  }

  /** Sessions open now. */
  get size(): number {
    return this.#open.size;
  }

  /** Let go of every session (the connection ended). */
  close(): void {
    this.#open.clear();
  }

  #answer(sub: string, neg: Negentropy, message: string, err: (reason: string) => void): void {
    let reply: string | null;
    try {
      reply = neg.reconcile(message);
    } catch (e) {
      return err(`invalid: ${(e as Error).message}`);
    }
    this.#o.send(['NEG-MSG', sub, reply ?? '']);
  }
}

/**
 * The NIP-77 records (id, created_at) `filters` select in a relay database of
 * `@nostr-relay/event-repository-sqlite` (its `events` and `generic_tags` tables), at most `max`
 * (undefined past it). Private kinds are never reconciled: their ids would tell who receives them.
 * `limit` is ignored (a reconciliation covers the whole set).
 * @throws Error for a filter field it cannot serve (`search`, malformed lists).
 */
export function relayRecords(
  db: Database,
  privateKinds: readonly number[],
  filters: readonly Filter[],
  max: number,
): NegRecord[] | undefined {
  const where: string[] = [];
  const args: (string | number)[] = [];
  const list = (v: unknown, field: string, ok: (x: unknown) => boolean): string => {
    if (!Array.isArray(v) || v.length === 0 || v.length > 10_000 || !v.every(ok))
      throw new Error(`filter ${field} must be a non-empty list`);
    args.push(JSON.stringify(v));
    return '(SELECT value FROM json_each(?))';
  };
  const hex64 = (x: unknown): boolean => typeof x === 'string' && /^[0-9a-f]{64}$/.test(x);
  for (const f of filters) {
    const and: string[] = [`e.kind NOT IN (${privateKinds.map(Number).join(',') || '-1'})`];
    for (const [key, v] of Object.entries(f)) {
      if (key === 'ids') and.push(`e.id IN ${list(v, key, hex64)}`);
      else if (key === 'authors') and.push(`e.author IN ${list(v, key, hex64)}`);
      else if (key === 'kinds') and.push(`e.kind IN ${list(v, key, (x) => Number.isSafeInteger(x))}`);
      else if (key === 'since' || key === 'until') {
        if (!Number.isSafeInteger(v)) throw new Error(`filter ${key} must be an integer`);
        and.push(`e.created_at ${key === 'since' ? '>=' : '<='} ?`);
        args.push(v as number);
      } else if (/^#[a-zA-Z]$/.test(key)) {
        const values = list(v, key, (x) => typeof x === 'string');
        args[args.length - 1] = JSON.stringify((v as string[]).map((x) => `${key[1]}:${x}`));
        and.push(`e.id IN (SELECT event_id FROM generic_tags WHERE tag IN ${values})`);
      } else if (key !== 'limit') throw new Error(`filter field ${key.slice(0, 32)} is not supported`);
    }
    where.push(`(${and.join(' AND ')})`);
  }
  const rows = db
    .prepare(`SELECT e.id AS id, e.created_at AS created_at FROM events e WHERE ${where.join(' OR ')} LIMIT ?`)
    .all(...args, max + 1) as NegRecord[];
  return rows.length > max ? undefined : rows;
}
