/**
 * Memory and figures of one scenario. Each scenario runs in a process of its own (see main.ts),
 * so its peak is its own. The RSS high-water is the kernel's (`VmHWM` of /proc/self/status, reset
 * through /proc/self/clear_refs when the sync starts), so a spike between two samples counts;
 * RSS and V8 heap are also sampled every 20 ms and at every answer (the only source off Linux).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Network } from './network.ts';
import { modelBytes } from './network.ts';
import type { Recall } from './recall.ts';

/** The kernel's RSS high-water mark of this process in bytes, or 0 where /proc is not there. */
function kernelHighWater(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** High-water marks of the process from now on. */
export class Peak {
  rss = 0;
  heap = 0;
  /** Whether {@link rss} includes the kernel's high-water mark (else: samples only). */
  kernel = false;
  readonly #timer: NodeJS.Timeout;
  constructor() {
    // The network's generation leaves garbage the sync did not make: collect it first when the
    // process allows (main.ts starts scenarios with --expose-gc), so the high-water is the sync's.
    (globalThis as { gc?: () => void }).gc?.();
    try {
      // "5" resets the peak RSS (Linux 4.0+): from here on VmHWM is the sync's.
      writeFileSync('/proc/self/clear_refs', '5');
      this.kernel = kernelHighWater() > 0;
    } catch {
      this.kernel = false;
    }
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
    if (this.kernel) this.rss = Math.max(this.rss, kernelHighWater());
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
    rss_peak_source: string;
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
      rss_peak_source: peak.kernel ? 'kernel VmHWM' : 'samples',
      heap_peak_mb: mb(peak.heap),
      model_mb: mb(model),
      recall,
      ...extra,
    },
  };
}
