/**
 * Event verification on worker threads, so every core verifies during bulk ingest (a 2-core
 * machine verifies ~2x the events of one thread; see docs/performance.md).
 *
 * Each worker parses, checks shape and limits, recomputes the id and checks the Schnorr
 * signature with its own {@link EventVerifier}. The pool's main-thread verifier is told about
 * every pair the workers accepted ({@link EventVerifier.remember}); its cache, like the workers',
 * is only ever consulted after the id has been recomputed from the event's fields, so a genuine
 * (id, sig) reused with other content is never accepted.
 *
 * The pool runs from the TypeScript sources (tsx, vitest) and from the built `dist/` alike:
 * from a `.ts` module the worker registers tsx's loader before importing `verify-worker.ts`.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Clock } from '../core/clock.ts';
import { systemClock } from '../core/clock.ts';
import { OtP2pError } from '../core/errors.ts';
import { EventVerifier } from './verify.ts';
import type { BatchVerifier, EventLimits, RawVerifyResult } from './verify.ts';
import { NATIVE_SCHNORR_WORKER_FLAG } from './schnorr.ts';
import type { SchnorrBackend } from './schnorr.ts';
import type { VerifyReady, VerifyRequest, VerifyResponse, VerifyWorkerData } from './verify-worker.ts';

/** Options for {@link VerifyPool}. */
export interface VerifyPoolOptions {
  /** Number of worker threads (default `os.availableParallelism()`). */
  size?: number;
  limits?: Partial<EventLimits>;
  clock?: Clock;
  /** Main-thread verifier told about accepted pairs (default: a new one with the same limits). */
  verifier?: EventVerifier;
  /** Texts per message to a worker (default 256): large enough to amortize messaging, small enough to balance. */
  chunkSize?: number;
  /** (id, sig) pairs each worker remembers (default 20,000). */
  cacheSize?: number;
}

interface Job {
  req: VerifyRequest;
  resolve: (results: RawVerifyResult[]) => void;
  reject: (err: unknown) => void;
}

interface Slot {
  worker: Worker;
  job: Job | undefined;
  /** The worker's Schnorr backend once it reported ready (every module loaded). */
  backend: SchnorrBackend['name'] | undefined;
  /** Settles when the worker reported ready or exited, whichever comes first. */
  started: Promise<void>;
}

function workerSource(): { filename: string | URL; eval: boolean } {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return { filename: new URL('./verify-worker.js', here), eval: false };
  // Worker threads do not inherit tsx's loader and ignore `--import tsx` in `execArgv` (Node 20),
  // so a tiny bootstrap registers tsx in the worker and then imports the TypeScript module.
  const tsxDir = dirname(createRequire(here).resolve('tsx/package.json'));
  const api = pathToFileURL(join(tsxDir, 'dist/esm/api/index.mjs')).href;
  const target = new URL('./verify-worker.ts', here).href;
  const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(target)}); })`;
  return { filename: code, eval: true };
}

/**
 * A pool of worker threads verifying raw event JSON. Results come back one per input, in
 * input order. Idle workers do not keep the process alive; call {@link close} when done.
 */
export class VerifyPool implements BatchVerifier {
  readonly size: number;
  readonly verifier: EventVerifier;
  readonly #clock: Clock;
  readonly #chunkSize: number;
  readonly #slots: Slot[] = [];
  readonly #queue: Job[] = [];
  #seq = 0;
  #closed = false;
  #failure: unknown;

  constructor(options: VerifyPoolOptions = {}) {
    this.size = Math.max(1, Math.floor(options.size ?? availableParallelism()));
    this.#clock = options.clock ?? systemClock;
    this.verifier = options.verifier ?? new EventVerifier({ limits: options.limits ?? {}, clock: this.#clock });
    this.#chunkSize = Math.max(1, options.chunkSize ?? 256);
    // The workers may load the native BIP-340 addon (src/events/schnorr.ts) because this pool
    // never ends a worker before its ready message: a worker torn down while the addon
    // initialises aborts the process. So a starting worker stays referenced (the process cannot
    // exit under it) and close() waits for it.
    const data: VerifyWorkerData & { [NATIVE_SCHNORR_WORKER_FLAG]: true } = {
      limits: { ...this.verifier.limits },
      cacheSize: options.cacheSize ?? 20_000,
      [NATIVE_SCHNORR_WORKER_FLAG]: true,
    };
    const src = workerSource();
    for (let i = 0; i < this.size; i++) {
      const worker = new Worker(src.filename, { eval: src.eval, workerData: data });
      let started!: () => void;
      const slot: Slot = { worker, job: undefined, backend: undefined, started: new Promise((r) => (started = r)) };
      worker.on('message', (msg: VerifyResponse | VerifyReady) => {
        if ('ready' in msg) {
          slot.backend = msg.ready;
          started();
          // Idle workers must not keep the process alive; a busy one must (see #pump).
          if (!slot.job) worker.unref();
          return;
        }
        const job = slot.job;
        slot.job = undefined;
        if (slot.backend) worker.unref();
        if (job && job.req.seq === msg.seq) job.resolve(msg.results);
        this.#pump();
      });
      worker.on('error', (err) => this.#fail(err));
      worker.on('exit', (code) => {
        started();
        if (!this.#closed) this.#fail(new Error(`verify worker exited with code ${code}`));
      });
      this.#slots.push(slot);
    }
  }

  /**
   * The Schnorr backend of each worker, once all have started (`native-libsecp256k1` where the
   * optional addon is installed). A worker that died before starting is missing from the list.
   */
  async backends(): Promise<SchnorrBackend['name'][]> {
    await Promise.all(this.#slots.map((s) => s.started));
    return this.#slots.flatMap((s) => (s.backend ? [s.backend] : []));
  }

  /**
   * Verify raw JSON texts on the workers; one result per input, in input order.
   * @throws OtP2pError `closed` after {@link close}; `internal` when a worker died.
   */
  async verifyBatch(raws: readonly string[]): Promise<RawVerifyResult[]> {
    if (this.#closed) throw new OtP2pError('closed', 'verify pool is closed');
    if (this.#failure !== undefined) throw this.#internal(this.#failure);
    if (raws.length === 0) return [];
    // Spread small batches over all workers too, but never below 16 texts per message.
    const per = Math.min(this.#chunkSize, Math.max(16, Math.ceil(raws.length / this.size)));
    const now = this.#clock.now();
    const parts: Promise<RawVerifyResult[]>[] = [];
    for (let i = 0; i < raws.length; i += per) {
      const req: VerifyRequest = { seq: ++this.#seq, now, raws: raws.slice(i, i + per) };
      parts.push(new Promise((resolve, reject) => this.#queue.push({ req, resolve, reject })));
    }
    this.#pump();
    const results = (await Promise.all(parts)).flat();
    for (const r of results) if (r.ok) this.verifier.remember(r.event.id, r.event.sig);
    return results;
  }

  /** Stop the workers. Pending batches fail with `closed`. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const err = new OtP2pError('closed', 'verify pool is closed');
    for (const job of this.#queue.splice(0)) job.reject(err);
    for (const s of this.#slots) s.job?.reject(err);
    // Never terminate a worker that is still loading its modules (see the constructor).
    await Promise.all(
      this.#slots.map(async (s) => {
        await s.started;
        await s.worker.terminate();
      }),
    );
  }

  #pump(): void {
    for (const slot of this.#slots) {
      if (slot.job) continue;
      const job = this.#queue.shift();
      if (!job) return;
      slot.job = job;
      slot.worker.ref();
      slot.worker.postMessage(job.req);
    }
  }

  #internal(cause: unknown): OtP2pError {
    return new OtP2pError('internal', `verify worker failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }

  #fail(cause: unknown): void {
    if (this.#failure !== undefined) return;
    this.#failure = cause;
    const err = this.#internal(cause);
    for (const job of this.#queue.splice(0)) job.reject(err);
    for (const s of this.#slots) {
      s.job?.reject(err);
      s.job = undefined;
    }
  }
}
