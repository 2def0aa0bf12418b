/**
 * Memory and figures of one scenario. Each scenario runs in a process of its own (see main.ts),
 * so its peak is its own: RSS and V8 heap are sampled every 20 ms and at every answer.
 */
import type { Network } from './network.ts';
import { modelBytes } from './network.ts';
import type { Recall } from './recall.ts';

/** High-water marks of the process, sampled. */
export class Peak {
  rss = 0;
  heap = 0;
  readonly #timer: NodeJS.Timeout;
  constructor() {
    // The network's generation leaves garbage the sync did not make: collect it first when the
    // process allows (main.ts starts scenarios with --expose-gc), so the high-water is the sync's.
    (globalThis as { gc?: () => void }).gc?.();
    this.sample();
    this.#timer = setInterval(() => this.sample(), 20);
    this.#timer.unref();
  }
  sample(): void {
    const m = process.memoryUsage();
    if (m.rss > this.rss) this.rss = m.rss;
    if (m.heapUsed > this.heap) this.heap = m.heapUsed;
  }
  stop(): void {
    this.sample();
    clearInterval(this.#timer);
  }
}

/** What a scenario reports to main.ts (one JSON line on stdout). */
export interface ScenarioResult {
  seconds: number;
  bytes: number;
  reqs: number;
  /** RSS high-water during the sync minus the simulated network's own typed arrays. */
  peak_mb: number;
  recall: number;
  detail: {
    bytes_up: number;
    events: number;
    capped_reqs: number;
    wall_seconds: number;
    rss_peak_mb: number;
    heap_peak_mb: number;
    model_mb: number;
    recall: Recall;
    [k: string]: unknown;
  };
  stopped?: boolean;
}

const mb = (b: number): number => Math.round((b / 2 ** 20) * 10) / 10;

/** Assemble a result. */
export function result(
  net: Network,
  c: { reqs: number; bytes: number; bytesUp: number; events: number; capped: number },
  seconds: number,
  wallMs: number,
  peak: Peak,
  recall: Recall,
  extra: Record<string, unknown> = {},
): ScenarioResult {
  const model = modelBytes(net);
  return {
    seconds: Math.round(seconds * 100) / 100,
    bytes: c.bytes,
    reqs: c.reqs,
    peak_mb: mb(peak.rss - model),
    recall: Math.round(recall.recall * 1000) / 1000,
    detail: {
      bytes_up: c.bytesUp,
      events: c.events,
      capped_reqs: c.capped,
      wall_seconds: Math.round(wallMs / 10) / 100,
      rss_peak_mb: mb(peak.rss),
      heap_peak_mb: mb(peak.heap),
      model_mb: mb(model),
      recall,
      ...extra,
    },
  };
}
