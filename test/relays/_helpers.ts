/** Helpers for relay tests: keys, signed events, and a raw NIP-01 client over `ws`. */
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { getPublicKey, signEvent } from '../../src/events/sign.ts';
import type { EventTemplate, NostrEvent } from '../../src/events/types.ts';

/** A throwaway identity. */
export interface TestKey {
  sk: Uint8Array;
  pk: string;
}

/** A fresh random key. */
export function newKey(): TestKey {
  const sk = new Uint8Array(randomBytes(32));
  return { sk, pk: getPublicKey(sk) };
}

/** Sign a template with defaults (kind 1, now, no tags). */
export function makeEvent(key: TestKey, t: Partial<EventTemplate> = {}): NostrEvent {
  return signEvent(
    {
      kind: t.kind ?? 1,
      created_at: t.created_at ?? Math.floor(Date.now() / 1000),
      tags: t.tags ?? [],
      content: t.content ?? 'hello',
    },
    key.sk,
    key.pk,
  );
}

/** A raw client: every received message is queued; `next` waits for one matching a predicate. */
export class RawClient {
  readonly messages: unknown[][] = [];
  #waiters: { pred: (m: unknown[]) => boolean; resolve: (m: unknown[]) => void }[] = [];
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString()) as unknown[];
      const w = this.#waiters.findIndex((x) => x.pred(m));
      if (w >= 0) {
        const [x] = this.#waiters.splice(w, 1);
        x?.resolve(m);
      } else this.messages.push(m);
    });
  }
  static async connect(url: string): Promise<RawClient> {
    const ws = new WebSocket(url);
    // Listen before 'open': the relay's AUTH challenge can arrive in the same read as the handshake.
    const client = new RawClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return client;
  }
  send(msg: unknown[]): void {
    this.ws.send(JSON.stringify(msg));
  }
  /** The first queued or future message matching `pred`. */
  next(pred: (m: unknown[]) => boolean): Promise<unknown[]> {
    const i = this.messages.findIndex(pred);
    if (i >= 0) return Promise.resolve(this.messages.splice(i, 1)[0] as unknown[]);
    return new Promise((resolve) => this.#waiters.push({ pred, resolve }));
  }
  /** Publish and wait for the OK. */
  async publish(ev: unknown): Promise<unknown[]> {
    this.send(['EVENT', ev]);
    const id = (ev as { id: string }).id;
    return this.next((m) => m[0] === 'OK' && m[1] === id);
  }
  /** REQ and collect events until EOSE or CLOSED. */
  async query(subId: string, ...filters: unknown[]): Promise<{ events: NostrEvent[]; end: unknown[] }> {
    const events: NostrEvent[] = [];
    this.send(['REQ', subId, ...filters]);
    for (;;) {
      const m = await this.next((x) => x[1] === subId && (x[0] === 'EVENT' || x[0] === 'EOSE' || x[0] === 'CLOSED'));
      if (m[0] === 'EVENT') events.push(m[2] as NostrEvent);
      else return { events, end: m };
    }
  }
  close(): void {
    this.ws.close();
  }
}
