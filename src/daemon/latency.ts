/** Relay latency as a supervisor measures it: the round trip of a REQ that matches nothing. */
import { performance } from 'node:perf_hooks';
import type { Subscription, Transport } from '../relays/transport.ts';

const PROBE_ID = '0'.repeat(64);

/**
 * Latency of one relay: the round trip of a REQ that matches nothing, to its EOSE (null when the
 * relay does not answer within `timeoutMs`). Never throws.
 */
export function probeLatency(transport: Transport, relay: string, timeoutMs = 5_000): Promise<number | null> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    let sub: Subscription | undefined;
    let done = false;
    const finish = (v: number | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sub?.close();
      resolve(v);
    };
    const timer = setTimeout(() => finish(null), timeoutMs);
    try {
      sub = transport.subscribe(
        [{ ids: [PROBE_ID], limit: 1 }],
        { oneose: () => finish(Math.max(0, Math.round(performance.now() - t0))), onclose: () => finish(null) },
        // The pool's own EOSE timeout would report a time-out as an EOSE: ours fires first.
        { relays: [relay], closeOnEose: true, eoseTimeoutMs: timeoutMs + 1_000 },
      );
      if (done) sub.close();
    } catch {
      finish(null);
    }
  });
}
