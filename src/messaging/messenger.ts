/**
 * The Messenger: sends and receives gift-wrapped messages over any {@link Transport}.
 *
 * Sending: wraps go to the recipient's kind 10050 DM relays; when they publish none, to their
 * NIP-65 read relays (with a warning: those relays learn that a DM exists), and failing both,
 * to our default relays (same warning). Chat messages are also wrapped to ourselves so our
 * other devices see them.
 *
 * Receiving: every wrap addressed to us is checked layer by layer ({@link unwrapGift}),
 * recorded in `received_messages` (replays refused by rumor id and by the message's own nonce,
 * freshness judged by the rumor's created_at), then handed to chat or protocol handlers. A
 * protocol message that fails validation gets a polite `error` reply; junk gets nothing but a
 * counter increment, and nothing about it is retained.
 */
import type { Clock } from '../core/clock.ts';
import { systemClock, unixSeconds } from '../core/clock.ts';
import type { ErrorCode } from '../core/errors.ts';
import { OtP2pError, describeValue, isOtP2pError } from '../core/errors.ts';
import { isHex } from '../core/bytes.ts';
import type { Random } from '../core/random.ts';
import { cryptoRandom } from '../core/random.ts';
import { Kind } from '../events/kinds.ts';
import type { Signer } from '../events/signer.ts';
import type { NostrEvent } from '../events/types.ts';
import { EventVerifier } from '../events/verify.ts';
import type { DmRelayChoice } from '../relays/nip65.ts';
import { dmRelayChoice } from '../relays/nip65.ts';
import type { OutboxPublisher } from '../relays/outbox.ts';
import { queryEvents } from '../relays/query.ts';
import type { PublishResult, RelayGap, Subscription, Transport } from '../relays/transport.ts';
import type { Store } from '../store/db.ts';
import type { ChatMessage } from './nip17.ts';
import { chatTemplate, parseChat } from './nip17.ts';
import type { Unwrapped } from './nip59.ts';
import type { HeldWrap } from './nip59.ts';
import { checkWrap, createHeldWrap, createRumor, createSeal, unwrapGift } from './nip59.ts';
import type { DecryptBudgetLimits } from './decrypt-budget.ts';
import { DEFAULT_REMOTE_DECRYPT_LIMITS, DecryptBudget, budgetedDecrypts } from './decrypt-budget.ts';
import type { MessageRegistry, MessageType, ProtocolBodies, ProtocolMessage } from './protocol.ts';
import { defaultRegistry, errorReply, makeMessage, serializeMessage } from './protocol.ts';
import { ReceivedMessages } from './replay.ts';

/** Where a recipient's wraps were sent, and why there (the NIP-65 / NIP-17 lookup's answer). */
export type RelayChoice = DmRelayChoice;

/** Outcome of one send. */
export interface SendReport {
  rumorId: string;
  wrapId: string;
  /** The copy wrapped to ourselves (chat to another key), for our other devices. */
  selfWrapId?: string;
  /** True when at least one relay holds the wrap, or (with an outbox) it is durably queued. */
  ok: boolean;
  /** True when the wrap went through the persistent outbox (results then come later). */
  queued: boolean;
  results: PublishResult[];
  /**
   * Relays that refused the wrap by policy (`auth-required` even after AUTH as the wrap's
   * one-time key, `restricted`, `blocked`): the recipient will not find it there.
   */
  refused: PublishResult[];
  choice: RelayChoice;
}

/** Publish codes that mean a relay refuses the wrap by policy, not for a passing fault. */
export const POLICY_REFUSALS: ReadonlySet<PublishResult['code']> = new Set(['auth-required', 'restricted', 'blocked']);

/** A protocol message as received, with its verified author. */
export interface IncomingMessage<K extends MessageType = MessageType> {
  from: string;
  message: ProtocolMessage<K>;
  rumorId: string;
  created_at: number;
}

/**
 * Answers a protocol message; a returned message is sent back as a reply (its `reply_to` is
 * set to the incoming nonce).
 */
export type MessageHandler<K extends MessageType = MessageType> = (
  incoming: IncomingMessage<K>,
) => ProtocolMessage | void | Promise<ProtocolMessage | void>;

/** Result of processing one wrap. Never thrown. */
export type ProcessResult =
  | { ok: true; kind: 'chat'; chat: ChatMessage }
  | { ok: true; kind: 'protocol'; incoming: IncomingMessage }
  | { ok: true; kind: 'other'; rumorKind: number }
  | { ok: false; code: ErrorCode; message: string; replied: boolean };

/** Counters (bounded: one entry per error code). */
export interface MessengerStats {
  processed: number;
  accepted: number;
  rejected: Partial<Record<ErrorCode, number>>;
  /** Decrypt requests that waited for the remote signer's budget (see {@link MessengerOptions.decryptLimits}). */
  deferred: number;
}

/**
 * Wraps that failed for good, remembered (by verified id, in memory) so the same junk from another
 * relay or the next fetch costs no second decryption.
 */
export const MAX_REMEMBERED_JUNK = 10_000;

/** Failures that say nothing about the wrap itself: it may open later, so it is not remembered as junk. */
const TRANSIENT: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'rate-limited',
  'closed',
  'aborted',
  'signer-timeout',
  'signer-mismatch',
  'internal',
]);

/** Options for {@link Messenger}. */
export interface MessengerOptions {
  transport: Transport;
  /** Who we sign seals and decrypt wraps as: a local key or a NIP-46 remote signer. */
  signer: Signer;
  /** The signer's public key (hex), known before the Messenger is built (`await signer.getPublicKey()`). */
  pubkey: string;
  store: Store;
  clock?: Clock;
  random?: Random;
  registry?: MessageRegistry;
  /** Shared with the transport so a wrap verified there is not verified twice. */
  verifier?: EventVerifier;
  /** Relays asked for peers' 10050/10002 lists (default: the transport's read relays). */
  discoveryRelays?: string[];
  /** Relays our own wraps are read from (our DM relays; default: the transport's read relays). */
  inboxRelays?: string[];
  /** Our own DM relays, for the copy of chat we send ourselves (default: `inboxRelays`). */
  selfRelays?: string[];
  /** Protocol messages older than this (by rumor created_at) are stale (default 24 h). */
  protocolMaxAgeSeconds?: number;
  /**
   * Persistent outbox: when given, every wrap is committed to it before sending and retried
   * until a relay acknowledges it (payments need this); without it, wraps are published once.
   */
  outbox?: OutboxPublisher;
  /** Called with human warnings (e.g. a DM sent to non-DM relays). */
  onWarning?: (message: string) => void;
  /** Time to wait for a relay list lookup (default 5 s). */
  lookupTimeoutMs?: number;
  /**
   * Bound on the decrypt requests incoming wraps make to the signer: default
   * {@link DEFAULT_REMOTE_DECRYPT_LIMITS} for a remote signer (`bunker`), none for a local key
   * (`false` turns it off).
   */
  decryptLimits?: DecryptBudgetLimits | false;
}

/** Default freshness window for protocol messages. */
export const DEFAULT_PROTOCOL_MAX_AGE_SECONDS = 24 * 3600;

/** Sends and receives gift-wrapped chat and protocol messages. */
export class Messenger {
  readonly pubkey: string;
  readonly received: ReceivedMessages;
  readonly #o: MessengerOptions;
  readonly #signer: Signer;
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #registry: MessageRegistry;
  readonly #verifier: EventVerifier;
  readonly #handlers = new Map<string, MessageHandler>();
  readonly #chatHandlers = new Set<(chat: ChatMessage) => void>();
  readonly #pending = new Map<
    string,
    { peer: string; resolve: (m: IncomingMessage) => void; reject: (e: unknown) => void; timer: NodeJS.Timeout }
  >();
  readonly #relayCache = new Map<string, RelayChoice>();
  /** Rumor ids whose handler is running (bounded by the messages in flight). */
  readonly #handling = new Set<string>();
  #sub: Subscription | undefined;
  #stats: Omit<MessengerStats, 'deferred'> = { processed: 0, accepted: 0, rejected: {} };
  /** Who opens incoming wraps: the signer, through the decrypt budget when there is one. */
  readonly #unwrapSigner: Signer;
  readonly #budget: DecryptBudget | undefined;
  /** Junk wrap ids (insertion order: the oldest is forgotten first). */
  readonly #junk = new Set<string>();
  /** Wrap ids being opened now: a copy from another relay waits for no second decryption. */
  readonly #opening = new Set<string>();

  /** @throws OtP2pError `bad-key` when `pubkey` is not 32-byte hex. */
  constructor(options: MessengerOptions) {
    if (!isHex(options.pubkey, 32))
      throw new OtP2pError('bad-key', `messenger pubkey must be 32-byte hex, got ${describeValue(options.pubkey)}`, {
        context: { field: 'pubkey' },
      });
    this.#o = options;
    this.#signer = options.signer;
    this.pubkey = options.pubkey;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? cryptoRandom;
    this.#registry = options.registry ?? defaultRegistry;
    this.#verifier = options.verifier ?? new EventVerifier({ clock: this.#clock });
    this.received = new ReceivedMessages(options.store, { clock: this.#clock });
    const limits =
      options.decryptLimits ?? (options.signer.identityKind === 'bunker' ? DEFAULT_REMOTE_DECRYPT_LIMITS : false);
    if (limits !== false) {
      const budget = new DecryptBudget(limits, {
        clock: this.#clock,
        onQueued: () =>
          options.onWarning?.(
            `incoming gift wraps wait for the remote signer: at most ${limits.max} decrypt requests per ${limits.windowMs / 1000} s`,
          ),
      });
      this.#budget = budget;
      this.#unwrapSigner = budgetedDecrypts(options.signer, budget);
    } else this.#unwrapSigner = options.signer;
  }

  /** Counters since construction. */
  stats(): MessengerStats {
    return { ...this.#stats, rejected: { ...this.#stats.rejected }, deferred: this.#budget?.stats().deferred ?? 0 };
  }

  /** Register the handler of a protocol message type (replaces any previous one). */
  on<K extends MessageType>(type: K, handler: MessageHandler<K>): this {
    this.#handlers.set(type, handler as unknown as MessageHandler);
    return this;
  }

  /** Be told of every accepted chat message. Returns an unsubscribe function. */
  onChat(handler: (chat: ChatMessage) => void): () => void {
    this.#chatHandlers.add(handler);
    return () => this.#chatHandlers.delete(handler);
  }

  /**
   * Where wraps for `recipient` go: their kind 10050 relays, else their NIP-65 read relays
   * (warning), else our defaults (warning). Cached per recipient for this Messenger's life.
   */
  async relaysFor(recipient: string): Promise<RelayChoice> {
    const cached = this.#relayCache.get(recipient);
    if (cached !== undefined) return cached;
    const choice = await dmRelayChoice(this.#o.transport, recipient, {
      eoseTimeoutMs: this.#o.lookupTimeoutMs ?? 5000,
      ...(this.#o.discoveryRelays ? { relays: this.#o.discoveryRelays } : {}),
    });
    if (choice.warning !== undefined) this.#o.onWarning?.(choice.warning);
    this.#relayCache.set(recipient, choice);
    return choice;
  }

  /**
   * Publish a wrap and wipe its one-time key once no relay needs it. Both paths AUTH as the
   * wrap's one-time key where a relay requires the author to authenticate: a direct publish at
   * once; the outbox holds the key in memory (never on disk) until every target is acked or
   * parked, so a retry after a restart cannot AUTH and such a relay's refusal shows in
   * `otp2p outbox`.
   */
  async #publish(
    held: HeldWrap,
    relays: string[],
  ): Promise<{ ok: boolean; queued: boolean; results: PublishResult[]; refused: PublishResult[] }> {
    const { wrap } = held;
    const outbox = this.#o.outbox;
    if (outbox !== undefined) {
      const signer = { authSigner: held.authSigner, release: held.wipe };
      try {
        if (relays.length > 0) outbox.publish(wrap, relays, signer);
        else outbox.publish(wrap, undefined, signer);
      } catch (err) {
        held.wipe();
        throw err;
      }
      return { ok: true, queued: true, results: [], refused: [] };
    }
    let results: PublishResult[];
    try {
      const options = { authSigner: held.authSigner };
      results =
        relays.length > 0
          ? await this.#o.transport.publish(wrap, relays, options)
          : await this.#o.transport.publish(wrap, undefined, options);
    } finally {
      held.wipe();
    }
    const refused = results.filter((r) => POLICY_REFUSALS.has(r.code));
    for (const r of refused)
      this.#o.onWarning?.(
        `relay ${r.relay} refused gift wrap ${wrap.id}: ${r.code}${r.message ? ` (${r.message})` : ''}`,
      );
    return { ok: results.some((r) => r.ok), queued: false, results, refused };
  }

  /**
   * Send a NIP-17 chat message to `recipient` (hex pubkey), and a copy to ourselves.
   * @throws OtP2pError `bad-input`, `bad-key`, `too-large`, the signer's codes (`signer-refused`,
   *   `signer-timeout`, `signer-mismatch`).
   */
  async sendChat(
    recipient: string,
    text: string,
    options: { replyTo?: string; subject?: string } = {},
  ): Promise<SendReport> {
    const rumor = createRumor(chatTemplate(text, [recipient], { clock: this.#clock, ...options }), this.pubkey);
    const choice = await this.relaysFor(recipient);
    // Both seals at once: a remote signer's round trips for the copy overlap the recipient's.
    const sealOptions = { clock: this.#clock, random: this.#random };
    const [seal, selfSeal] = await Promise.all([
      createSeal(rumor, this.#signer, recipient, sealOptions),
      recipient === this.pubkey ? undefined : createSeal(rumor, this.#signer, this.pubkey, sealOptions),
    ]);
    const held = createHeldWrap(seal, recipient, sealOptions);
    const wrap = held.wrap;
    const sent = await this.#publish(held, choice.relays);
    if (selfSeal === undefined) return { rumorId: rumor.id, wrapId: wrap.id, ...sent, choice };
    const self = createHeldWrap(selfSeal, this.pubkey, sealOptions);
    await this.#publish(self, this.#o.selfRelays ?? this.#o.inboxRelays ?? []);
    return { rumorId: rumor.id, wrapId: wrap.id, selfWrapId: self.wrap.id, ...sent, choice };
  }

  /**
   * Send a protocol message to `recipient`. `live` uses kind 21059 (ephemeral, stamped now)
   * for handshakes both sides are online for.
   * @throws OtP2pError `bad-key`, `too-large`, the signer's codes.
   */
  async send(recipient: string, message: ProtocolMessage, options: { live?: boolean } = {}): Promise<SendReport> {
    const now = unixSeconds(this.#clock);
    const rumor = createRumor(
      { kind: Kind.ProtocolMessage, created_at: now, tags: [['p', recipient]], content: serializeMessage(message) },
      this.pubkey,
    );
    const wrapOpts = {
      clock: this.#clock,
      random: this.#random,
      wrapKind: options.live ? Kind.EphemeralGiftWrap : Kind.GiftWrap,
    } as const;
    const held = createHeldWrap(await createSeal(rumor, this.#signer, recipient, wrapOpts), recipient, wrapOpts);
    const wrap = held.wrap;
    let choice: RelayChoice;
    try {
      choice = await this.relaysFor(recipient);
    } catch (err) {
      held.wipe();
      throw err;
    }
    const sent = await this.#publish(held, choice.relays);
    return { rumorId: rumor.id, wrapId: wrap.id, ...sent, choice };
  }

  /**
   * Send `message` and wait for the peer's reply to it (a message whose `reply_to` is its
   * nonce). An `error` reply rejects with the peer's code.
   * @throws OtP2pError `timeout`, `relay-error` (no relay took the message), or the peer's error code.
   */
  async request(
    recipient: string,
    message: ProtocolMessage,
    options: { timeoutMs?: number; live?: boolean } = {},
  ): Promise<IncomingMessage> {
    const waiting = new Promise<IncomingMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(message.nonce);
        reject(
          new OtP2pError(
            'timeout',
            `no reply to ${message.type} from ${recipient} within ${options.timeoutMs ?? 10_000} ms`,
          ),
        );
      }, options.timeoutMs ?? 10_000);
      this.#pending.set(message.nonce, { peer: recipient, resolve, reject, timer });
    });
    const report = await this.send(recipient, message, options);
    if (!report.ok) {
      const p = this.#pending.get(message.nonce);
      if (p !== undefined) {
        clearTimeout(p.timer);
        this.#pending.delete(message.nonce);
      }
      throw new OtP2pError('relay-error', `no relay accepted the ${message.type} to ${recipient}`, {
        context: { results: report.results.map((r) => `${r.relay}: ${r.code}`) },
      });
    }
    return waiting;
  }

  #rememberJunk(id: string): void {
    this.#junk.add(id);
    if (this.#junk.size > MAX_REMEMBERED_JUNK) this.#junk.delete(this.#junk.values().next().value as string);
  }

  #reject(code: ErrorCode, message: string, replied = false): ProcessResult {
    this.#stats.rejected[code] = (this.#stats.rejected[code] ?? 0) + 1;
    return { ok: false, code, message, replied };
  }

  /**
   * Process one event that claims to be a wrap for us. Never throws: failures come back as
   * `{ ok: false, code }` (and a polite `error` reply for protocol messages that failed
   * validation after their author was verified).
   */
  async process(wrapValue: unknown): Promise<ProcessResult> {
    this.#stats.processed++;
    // The same wrap again (another relay, the next fetch): already handled, skip the crypto.
    // Trusting an unverified id here is safe: at worst a forgery of a handled wrap is dropped.
    const wrapId = typeof wrapValue === 'object' && wrapValue !== null ? (wrapValue as { id?: unknown }).id : undefined;
    if (typeof wrapId === 'string' && wrapId.length === 64 && this.received.seenWrap(wrapId)) {
      return this.#reject('duplicate', `wrap ${wrapId} was already handled`);
    }
    // Everything that costs no decryption first: a remote signer must not work for junk.
    let wrap: NostrEvent;
    try {
      wrap = checkWrap(wrapValue, this.pubkey, { verifier: this.#verifier, clock: this.#clock });
    } catch (err) {
      return isOtP2pError(err) ? this.#reject(err.code, err.message) : this.#reject('internal', 'check failed');
    }
    if (this.#junk.has(wrap.id)) return this.#reject('duplicate', `wrap ${wrap.id} was already refused`);
    if (this.#opening.has(wrap.id)) return this.#reject('duplicate', `wrap ${wrap.id} is being opened`);
    this.#opening.add(wrap.id);
    let u: Unwrapped;
    try {
      u = await unwrapGift(wrap, this.#unwrapSigner, {
        verifier: this.#verifier,
        clock: this.#clock,
        recipient: this.pubkey,
      });
    } catch (err) {
      const code: ErrorCode = isOtP2pError(err) ? err.code : 'internal';
      if (!TRANSIENT.has(code)) this.#rememberJunk(wrap.id);
      return isOtP2pError(err) ? this.#reject(err.code, err.message) : this.#reject('internal', 'unwrap failed');
    } finally {
      this.#opening.delete(wrap.id);
    }
    if (u.rumor.kind === Kind.ChatMessage) {
      try {
        this.received.accept(u);
      } catch (err) {
        return isOtP2pError(err) ? this.#reject(err.code, err.message) : this.#reject('internal', 'record failed');
      }
      const chat = parseChat(u.rumor);
      this.#stats.accepted++;
      for (const h of this.#chatHandlers) h(chat);
      return { ok: true, kind: 'chat', chat };
    }
    if (u.rumor.kind !== Kind.ProtocolMessage) {
      try {
        this.received.accept(u);
      } catch (err) {
        return isOtP2pError(err) ? this.#reject(err.code, err.message) : this.#reject('internal', 'record failed');
      }
      this.#stats.accepted++;
      return { ok: true, kind: 'other', rumorKind: u.rumor.kind };
    }
    let message: ProtocolMessage;
    try {
      message = this.#registry.parse(u.rumor.content, { sender: u.sender, recipient: this.pubkey });
    } catch (err) {
      // Record the rumor so the same bad message cannot make us reply twice.
      try {
        this.received.accept(u, { maxAgeSeconds: this.#o.protocolMaxAgeSeconds ?? DEFAULT_PROTOCOL_MAX_AGE_SECONDS });
      } catch (recordErr) {
        return isOtP2pError(recordErr)
          ? this.#reject(recordErr.code, recordErr.message)
          : this.#reject('internal', 'record failed');
      }
      const e = isOtP2pError(err) ? err : new OtP2pError('bad-message', 'message could not be parsed');
      const replied = await this.#replyError(u.sender, e);
      return this.#reject(e.code, e.message, replied);
    }
    // Handle first, record after: a crash while the handler runs re-delivers the message on the
    // next start (handlers are idempotent: payment steps are keyed), instead of losing it. The
    // in-flight set keeps a second copy arriving meanwhile from being handled twice in parallel.
    const maxAgeSeconds = this.#o.protocolMaxAgeSeconds ?? DEFAULT_PROTOCOL_MAX_AGE_SECONDS;
    if (this.#handling.has(u.rumor.id)) return this.#reject('duplicate', `message ${u.rumor.id} is being handled`);
    try {
      this.received.checkFresh(u, { maxAgeSeconds, nonce: message.nonce });
    } catch (err) {
      return isOtP2pError(err) ? this.#reject(err.code, err.message) : this.#reject('internal', 'check failed');
    }
    this.#handling.add(u.rumor.id);
    const incoming: IncomingMessage = { from: u.sender, message, rumorId: u.rumor.id, created_at: u.rumor.created_at };
    try {
      await this.#dispatch(incoming);
      this.received.accept(u, { nonce: message.nonce, maxAgeSeconds });
    } catch (err) {
      return isOtP2pError(err) ? this.#reject(err.code, err.message) : this.#reject('internal', 'record failed');
    } finally {
      this.#handling.delete(u.rumor.id);
    }
    this.#stats.accepted++;
    return { ok: true, kind: 'protocol', incoming };
  }

  async #replyError(to: string, err: OtP2pError): Promise<boolean> {
    // Never answer an error with an error: two peers must not loop.
    if (err.context.type === 'error') return false;
    try {
      const r = await this.send(to, errorReply(err, { random: this.#random }));
      return r.ok;
    } catch {
      return false;
    }
  }

  async #dispatch(incoming: IncomingMessage): Promise<void> {
    const { message, from } = incoming;
    if (message.reply_to !== undefined) {
      const p = this.#pending.get(message.reply_to);
      if (p !== undefined && p.peer === from) {
        clearTimeout(p.timer);
        this.#pending.delete(message.reply_to);
        if (message.type === 'error') {
          const body = (message as ProtocolMessage<'error'>).body;
          p.reject(new OtP2pError(body.code, `peer refused: ${body.message}`, { context: { peer: from } }));
        } else p.resolve(incoming);
        return;
      }
    }
    const handler = this.#handlers.get(message.type);
    if (handler === undefined) return;
    let reply: ProtocolMessage | void;
    try {
      reply = await handler(incoming);
    } catch (err) {
      reply = errorReply(
        isOtP2pError(err)
          ? new OtP2pError(err.code, err.message, { context: { nonce: message.nonce } })
          : new OtP2pError('internal', 'handler failed', { context: { nonce: message.nonce } }),
      );
    }
    if (reply !== undefined) {
      reply.reply_to = message.nonce;
      await this.send(from, reply).catch(() => undefined);
    }
  }

  /**
   * Listen for wraps addressed to us on the inbox relays (kinds 1059 and 21059) until
   * {@link stop}. Resolves at EOSE (stored wraps processed).
   */
  async start(): Promise<void> {
    if (this.#sub !== undefined) return;
    const queue: unknown[] = [];
    let draining = false;
    let backlogFull = false;
    const drain = async (): Promise<void> => {
      if (draining) return;
      draining = true;
      while (queue.length > 0) await this.process(queue.shift());
      draining = false;
    };
    await new Promise<void>((resolve) => {
      this.#sub = this.#o.transport.subscribe(
        [{ kinds: [Kind.GiftWrap, Kind.EphemeralGiftWrap], '#p': [this.pubkey] }],
        {
          onevent: (e) => {
            // Behind a remote signer's budget the backlog is bounded too: the excess is counted
            // and said, and offered again by the next fetch or start (wraps are not marked seen).
            if (this.#budget !== undefined && queue.length >= this.#budget.limits.maxQueued) {
              this.#stats.processed++;
              this.#reject('rate-limited', 'the backlog of wraps for the remote signer is full');
              if (!backlogFull)
                this.#o.onWarning?.(
                  `${queue.length} gift wraps wait for the remote signer: further ones are skipped until the backlog drains, and fetched again next time`,
                );
              backlogFull = true;
              return;
            }
            backlogFull = false;
            queue.push(e);
            void drain();
          },
          oneose: () => {
            void drain().then(resolve);
          },
          onclose: () => resolve(),
        },
        { cursorKey: `inbox:${this.pubkey}`, ...(this.#o.inboxRelays ? { relays: this.#o.inboxRelays } : {}) },
      );
    });
  }

  /**
   * Fetch and process stored wraps once (for `dm read`). `incomplete` names the inbox relays that
   * did not answer in full: messages held there are missing, not absent.
   */
  async fetch(options: { timeoutMs?: number } = {}): Promise<MessengerStats & { incomplete: RelayGap[] }> {
    // `incomplete` names the relays that did not answer in full: what is stored may miss newer
    // messages (no answer is not an empty inbox).
    const { events, incomplete } = await queryEvents(
      this.#o.transport,
      [{ kinds: [Kind.GiftWrap, Kind.EphemeralGiftWrap], '#p': [this.pubkey] }],
      options.timeoutMs ?? 10_000,
      this.#o.inboxRelays ? { relays: this.#o.inboxRelays } : {},
    );
    // Wraps already handled come back on every fetch and are counted as `duplicate`.
    for (const e of events) await this.process(e);
    return { ...this.stats(), incomplete };
  }

  /** Stop listening and fail pending requests with `closed`. */
  stop(): void {
    this.#sub?.close();
    this.#sub = undefined;
    // Wraps waiting for the remote signer's budget end as `closed` (counted, offered again next time).
    this.#budget?.close();
    for (const [nonce, p] of this.#pending) {
      clearTimeout(p.timer);
      p.reject(new OtP2pError('closed', 'messenger stopped'));
      this.#pending.delete(nonce);
    }
  }

  /** Convenience: a fresh message of `type` (nonce from this messenger's randomness). */
  message<K extends MessageType>(type: K, body: ProtocolBodies[K], replyTo?: string): ProtocolMessage<K> {
    return makeMessage(type, body, { random: this.#random, ...(replyTo !== undefined ? { replyTo } : {}) });
  }
}
