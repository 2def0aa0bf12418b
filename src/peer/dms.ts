/** `peer.dms`: direct messages (NIP-17 chats over gift wraps). */
import type { SendReport } from '../messaging/messenger.ts';
import type { ChatMessage } from '../messaging/nip17.ts';
import type { PeerContext } from './context.ts';

/** Direct messages (NIP-17). New ones arrive as the Peer's `dm` event. */
export class PeerDms {
  readonly #ctx: PeerContext;

  /** @internal Built by the Peer. */
  constructor(ctx: PeerContext) {
    this.#ctx = ctx;
  }

  /**
   * Send a chat to `to` (hex pubkey) over its DM relays, and a copy to ourselves.
   * @throws OtP2pError `bad-input`, `bad-key`, `too-large`.
   */
  async send(to: string, text: string): Promise<SendReport> {
    return this.#ctx.messenger.sendChat(to, text);
  }

  /** Fetch stored wraps once and return the chats received so far. */
  async read(): Promise<ChatMessage[]> {
    const chats: ChatMessage[] = [];
    const off = this.#ctx.messenger.onChat((m) => chats.push(m));
    try {
      await this.#ctx.messenger.fetch();
    } finally {
      off();
    }
    return chats;
  }
}
