/**
 * Worker-thread side of {@link VerifyPool} (`verify-pool.ts`): parses and verifies batches of
 * raw JSON texts with its own {@link EventVerifier} (own (id, sig) cache; the id is always
 * recomputed before that cache is consulted). Loaded only through `VerifyPool`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { schnorrBackend } from './schnorr.ts';
import type { SchnorrBackend } from './schnorr.ts';
import { EventVerifier } from './verify.ts';
import type { EventLimits, RawVerifyResult } from './verify.ts';

/** What the pool sends at start-up. */
export interface VerifyWorkerData {
  limits: EventLimits;
  cacheSize: number;
}

/** One batch request: `now` is the pool's clock in milliseconds, so every thread judges `created_at` alike. */
export interface VerifyRequest {
  seq: number;
  now: number;
  raws: string[];
}

/** One batch answer, results in input order. */
export interface VerifyResponse {
  seq: number;
  results: RawVerifyResult[];
}

/** Sent once, after every module (the native addon included) has loaded. */
export interface VerifyReady {
  ready: SchnorrBackend['name'];
}

if (parentPort) {
  const port = parentPort;
  const data = workerData as VerifyWorkerData;
  let now = 0;
  const verifier = new EventVerifier({ limits: data.limits, cacheSize: data.cacheSize, clock: { now: () => now } });
  port.on('message', (req: VerifyRequest) => {
    now = req.now;
    const results = req.raws.map((raw) => verifier.verifyJson(raw));
    port.postMessage({ seq: req.seq, results } satisfies VerifyResponse);
  });
  port.postMessage({ ready: schnorrBackend.name } satisfies VerifyReady);
}
