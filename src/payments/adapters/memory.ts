/**
 * An in-process {@link MessageChannel} hub: every peer gets a channel, messages go through the
 * wire encoding and {@link parsePaymentMessage} (the same boundary as over relays) and arrive
 * asynchronously. Like a relay, it keeps messages for a peer that is not listening and hands them
 * over when it subscribes again (a restarted peer catches up). Tests can also tap or duplicate
 * traffic to replay messages.
 */
import { OtP2pError } from '../../core/errors.ts';
import { encodePaymentMessage, parsePaymentMessage } from '../messages.ts';
import type { PaymentMessage } from '../messages.ts';
import type { MessageChannel } from '../ports.ts';

type Handler = (from: string, message: PaymentMessage) => Promise<void> | void;

/** One delivered message, as the hub logs it. */
export interface HubRecord {
  from: string;
  to: string;
  wire: Record<string, unknown>;
}

/** The hub: create one per simulated network. */
export class MemoryChannelHub {
  readonly #handlers = new Map<string, Handler>();
  readonly #mailbox = new Map<string, HubRecord[]>();
  /** Every message sent, in order (for replay tests). */
  readonly log: HubRecord[] = [];
  /** Messages silently lost in transit when this returns true (a lossy network in tests). */
  dropIf: ((record: HubRecord) => boolean) | undefined;
  /** Peers whose outgoing messages are refused (a peer offline from the network). */
  readonly offline = new Set<string>();
  #inflight = 0;
  #idle: (() => void)[] = [];

  /** The channel of `pubkey`. */
  channel(pubkey: string): MessageChannel {
    return {
      send: async (to, message) => {
        if (this.offline.has(pubkey)) throw new OtP2pError('relay-unreachable', 'peer is offline');
        this.inject({ from: pubkey, to, wire: encodePaymentMessage(message) });
      },
      onMessage: (handler) => {
        this.#handlers.set(pubkey, handler);
        const waiting = this.#mailbox.get(pubkey) ?? [];
        this.#mailbox.delete(pubkey);
        for (const r of waiting) this.#deliver(r);
        return () => {
          if (this.#handlers.get(pubkey) === handler) this.#handlers.delete(pubkey);
        };
      },
    };
  }

  /** Deliver a wire message as if `from` sent it (replays, forgeries in tests). */
  inject(record: HubRecord): void {
    this.log.push(record);
    if (this.dropIf?.(record)) return;
    this.#deliver(record);
  }

  #deliver(record: HubRecord): void {
    const handler = this.#handlers.get(record.to);
    if (!handler || this.offline.has(record.to)) {
      const box = this.#mailbox.get(record.to) ?? [];
      box.push(record);
      this.#mailbox.set(record.to, box);
      return;
    }
    this.#inflight++;
    setImmediate(() => {
      void (async () => {
        try {
          await handler(record.from, parsePaymentMessage(record.wire));
        } catch {
          // a refused message is the receiver's business; the hub only carries it
        } finally {
          this.#inflight--;
          if (this.#inflight === 0) for (const r of this.#idle.splice(0)) r();
        }
      })();
    });
  }

  /** Resolve when no delivery is in progress. */
  async settled(): Promise<void> {
    if (this.#inflight === 0) return;
    await new Promise<void>((r) => this.#idle.push(r));
  }
}
