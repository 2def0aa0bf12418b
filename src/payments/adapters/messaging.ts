/**
 * The {@link MessageChannel} over the messaging layer: payment messages travel as protocol
 * messages inside NIP-17 gift wraps (`Messenger`), validated by the protocol registry with the
 * payment schemas registered by {@link registerPaymentMessages}.
 */
import { OtP2pError } from '../../core/errors.ts';
import type { Messenger } from '../../messaging/messenger.ts';
import type { MessageRegistry, ProtocolMessage } from '../../messaging/protocol.ts';
import { defaultRegistry } from '../../messaging/protocol.ts';
import type {
  FulfillMessage,
  PaymentBody,
  PaymentMessage,
  PrepareAckMessage,
  PrepareMessage,
  QuoteMessage,
  QuoteRequestMessage,
  RefundNoticeMessage,
  RejectMessage,
  TransferNoticeMessage,
} from '../messages.ts';
import { PAYMENT_MESSAGE_TYPES, encodePaymentMessage, isPaymentMessageType, validatePaymentBody } from '../messages.ts';
import type { MessageChannel } from '../ports.ts';

declare module '../../messaging/protocol.ts' {
  interface ProtocolBodies {
    'quote.request': PaymentBody<QuoteRequestMessage>;
    quote: PaymentBody<QuoteMessage>;
    prepare: PaymentBody<PrepareMessage>;
    'prepare.ack': PaymentBody<PrepareAckMessage>;
    'transfer.notice': PaymentBody<TransferNoticeMessage>;
    fulfill: PaymentBody<FulfillMessage>;
    reject: PaymentBody<RejectMessage>;
    'refund.notice': PaymentBody<RefundNoticeMessage>;
  }
}

/** Register every payment message type in `registry` (default: the process-wide one). */
export function registerPaymentMessages(registry: MessageRegistry = defaultRegistry): MessageRegistry {
  for (const type of PAYMENT_MESSAGE_TYPES) registry.register(type, (body) => validatePaymentBody(type, body) as never);
  return registry;
}

/** A {@link MessageChannel} over a started or startable {@link Messenger}. */
export class MessengerChannel implements MessageChannel {
  readonly #messenger: Messenger;
  constructor(messenger: Messenger) {
    this.#messenger = messenger;
  }

  /**
   * Gift-wrap and publish `message` to `toPubkey`.
   * @throws OtP2pError `relay-error` when no relay accepted it (the step is retried).
   */
  async send(toPubkey: string, message: PaymentMessage): Promise<void> {
    const wire = encodePaymentMessage(message) as unknown as ProtocolMessage;
    const report = await this.#messenger.send(toPubkey, wire);
    if (!report.ok) {
      throw new OtP2pError('relay-error', `no relay accepted the ${message.type} to ${toPubkey.slice(0, 8)}`, {
        context: { results: report.results.map((r) => `${r.relay}: ${r.code}`) },
      });
    }
  }

  /** Route every payment message type to `handler`. */
  onMessage(handler: (from: string, message: PaymentMessage) => Promise<void> | void): () => void {
    let active = true;
    for (const type of PAYMENT_MESSAGE_TYPES) {
      this.#messenger.on(type, async (incoming) => {
        const m = incoming.message;
        if (!active || !isPaymentMessageType(m.type)) return;
        const flat = {
          ...(m.body as object),
          type: m.type,
          v: m.v,
          nonce: m.nonce,
          ...(m.reply_to !== undefined ? { reply_to: m.reply_to } : {}),
        } as PaymentMessage;
        await handler(incoming.from, flat);
      });
    }
    return () => {
      active = false;
    };
  }
}
