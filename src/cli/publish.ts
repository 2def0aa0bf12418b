/**
 * Publishing from a command: events go through the peer's persistent outbox (durable before
 * anything is sent), and the command waits a bounded time for the relays' answers, then reports
 * per event whether a relay holds it or it is still queued (retried by the next publishing
 * process, e.g. the daemon).
 */
import type { NostrEvent } from '../events/types.ts';
import type { OutboxItem } from '../store/outbox.ts';
import type { Peer } from '../peer.ts';
import type { CommandContext } from './command.ts';
import { printJson } from './io.ts';
import { openPeer } from './peer.ts';
import { peerInternals } from '../peer/internals.ts';

/** How long a command waits for the relays before reporting what is still queued. */
export const DELIVERY_WAIT_MS = 15_000;

/** One published event as reported. */
export interface DeliveryReport {
  id: string;
  kind: number;
  /** Whether no relay target of the event is still pending or failed. */
  delivered: boolean;
  /** Every relay target with its outbox state. */
  relays: Array<{ relay: string; status: OutboxItem['status']; code: string | null }>;
}

/** Options for {@link awaitDelivery}. */
export interface DeliveryWaitOptions {
  /**
   * Once one relay acknowledged an event, wait at most this long for its other relays; those that
   * have not answered by then stay queued in the outbox and are reported pending. Default: wait
   * for every relay (a catalog belongs on all of them; a gift wrap needs one of the recipient's
   * inbox relays, and must not wait out the connect timeout of one that is down).
   */
  afterFirstAckMs?: number;
}

/**
 * Wait (at most {@link DELIVERY_WAIT_MS}) until every due target of `events` has answered (acked,
 * refused, or a retry scheduled), then report each event's targets. Only these events are waited
 * for: older targets the outbox retries meanwhile (a relay that has been down for days) must not
 * hold a command up. `flush()` runs the outbox even when the peer was not started.
 */
export async function awaitDelivery(
  peer: Peer,
  events: ReadonlyArray<Pick<NostrEvent, 'id' | 'kind'>>,
  options: DeliveryWaitOptions = {},
): Promise<DeliveryReport[]> {
  const { outbox, outboxStore } = peerInternals(peer);
  const ids = new Set(events.map((e) => e.id));
  const now = Date.now();
  // The targets this command waits for: those of its events that are due now (a fresh event's all).
  const waiting = new Map<string, Set<string>>();
  for (const w of outboxStore.list(['pending'])) {
    if (!ids.has(w.eventId) || w.nextAttemptAt > now) continue;
    const open = waiting.get(w.eventId) ?? new Set<string>();
    open.add(w.relay);
    waiting.set(w.eventId, open);
  }
  await new Promise<void>((resolve) => {
    const timers: NodeJS.Timeout[] = [];
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      off();
      for (const t of timers) clearTimeout(t);
      resolve();
    };
    const check = (): void => {
      if ([...waiting.values()].every((open) => open.size === 0)) finish();
    };
    const acked = new Set<string>();
    const off = outbox.onResult((event, outcome) => {
      const open = waiting.get(event.id);
      if (open === undefined) return;
      open.delete(outcome.relay);
      const grace = options.afterFirstAckMs;
      if (outcome.status === 'acked' && grace !== undefined && !acked.has(event.id)) {
        acked.add(event.id);
        const t = setTimeout(() => {
          open.clear();
          check();
        }, grace);
        t.unref();
        timers.push(t);
      }
      check();
    });
    const cap = setTimeout(finish, DELIVERY_WAIT_MS);
    cap.unref();
    timers.push(cap);
    check();
    // The whole outbox idle (or stopped) means nothing of ours is in flight either.
    void peer.flush().then(finish, finish);
  });
  const items = peerInternals(peer).outboxStore.list(['pending', 'failed', 'acked']);
  return events.map((e) => {
    const mine = items.filter((w) => w.eventId === e.id);
    return {
      id: e.id,
      kind: e.kind,
      delivered: mine.every((w) => w.status === 'acked'),
      relays: mine.map((w) => ({ relay: w.relay, status: w.status, code: w.lastCode })),
    };
  });
}

/**
 * One line per published event: `published: kind K ID to N relays`, or which relays hold it and
 * which it still waits for (and why), so a relay that is down is named instead of a bare "queued".
 */
export function deliveryLine(r: DeliveryReport): string {
  if (r.delivered) return `published: kind ${r.kind} ${r.id} to ${r.relays.length} relay(s)\n`;
  const held = r.relays.filter((x) => x.status === 'acked').length;
  const waiting = r.relays
    .filter((x) => x.status !== 'acked')
    .map((x) => `${x.relay}${x.code ? ` (${x.code})` : ''}`)
    .join(', ');
  return `queued: kind ${r.kind} ${r.id} held by ${held} of ${r.relays.length} relay(s); waiting for ${waiting} (retried by otp2p daemon or the next publishing command; otp2p outbox lists it)\n`;
}

/**
 * Open the peer, run `act` (which publishes through the outbox) and report delivery: JSON
 * `{ events: [...] }` or one line per event. Exit 1 when an event is not yet held by every relay
 * (it stays queued).
 * @throws OtP2pError what `openPeer` and `act` throw.
 */
export async function publishWithPeer(
  ctx: CommandContext,
  act: (peer: Peer) => Promise<NostrEvent[]>,
): Promise<number> {
  const { peer, close } = await openPeer(ctx);
  try {
    const report = await awaitDelivery(peer, await act(peer));
    if (ctx.json) printJson(ctx, { events: report });
    else for (const r of report) ctx.io.stdout(deliveryLine(r));
    return report.every((r) => r.delivered) ? 0 : 1;
  } finally {
    await close();
  }
}
