/**
 * Numbered persistence points for crash testing. Each point is reached right after a commit that
 * matters (a state transition with the steps it queues) or right after an effect left the process
 * but before its completion was recorded. A crash test kills the process at each point in turn and
 * checks that the restarted process neither loses nor repeats a transfer.
 */

/** Every persistence point, numbered by position. Role-qualified: a process reaches only its role's. */
export const CRASH_POINTS = [
  'payer:created', // payment row and the payee's quote.request committed, nothing sent
  'payer:quoted', // every quote in; prepares committed, not sent
  'payer:prepared', // every ack in; the leg-0 transfer step committed, not executed
  'payer:transferred', // leg 0 done at the notary, not yet recorded
  'payer:transfer-recorded', // receipt committed with the transfer.notice step, not sent
  'payer:sent', // a message handed to the channel, not yet marked done
  'payer:settled', // terminal state committed (succeeded / failed / refunded)
  'hop:prepared', // prepare accepted, ack step committed
  'hop:received', // incoming funds verified, forward (or refund) transfer step committed
  'hop:transferred', // forward or refund done at the notary, not yet recorded
  'hop:transfer-recorded', // receipt committed with its notices, not sent
  'hop:sent',
  'payee:invoiced', // preimage and quote step committed
  'payee:prepared',
  'payee:received', // funds verified, fulfill step committed
  'payee:sent',
] as const;

/** A persistence point. */
export type CrashPoint = (typeof CRASH_POINTS)[number];

/** Called at every persistence point. */
export type CrashHook = (point: CrashPoint) => void;

/** A hook that does nothing (production). */
export const noCrash: CrashHook = () => {};

/**
 * A hook that kills this process with SIGKILL (no cleanup, no flush: like a power cut for the
 * process) the `occurrence`-th time `point` is reached.
 */
export function killAt(point: CrashPoint, occurrence = 1): CrashHook {
  let seen = 0;
  return (p) => {
    if (p !== point) return;
    seen++;
    if (seen === occurrence) process.kill(process.pid, 'SIGKILL');
  };
}

/**
 * The hook named by the environment: `OTP2P_CRASH_AT=<point>` or `<point>#<occurrence>`; no-op
 * when unset. An unknown point is ignored rather than fatal so a typo cannot crash production.
 */
export function crashHookFromEnv(env: Record<string, string | undefined> = process.env): CrashHook {
  const spec = env.OTP2P_CRASH_AT;
  if (!spec) return noCrash;
  const [name, occ] = spec.split('#');
  if (!(CRASH_POINTS as readonly string[]).includes(name ?? '')) return noCrash;
  const n = occ === undefined ? 1 : Number.parseInt(occ, 10);
  return killAt(name as CrashPoint, Number.isInteger(n) && n > 0 ? n : 1);
}
