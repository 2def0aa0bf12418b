/**
 * otp2p/daemon: a supervisor that keeps a {@link Peer} online in a long-running process (sync,
 * live graph, mint checks, outbox retries on relay return, relay latency) and reports a status
 * snapshot and structured log lines. `otp2p daemon` is a thin command over it.
 */
export { DAEMON_INTERVALS, PeerDaemon } from './daemon.ts';
export type { DaemonLog, DaemonLogLevel, DaemonProgress, PeerDaemonOptions } from './daemon.ts';
export { probeLatency } from './latency.ts';
export { STATUS_FILE, daemonRunning, pidAlive, readSnapshot, writeSnapshot } from './snapshot-file.ts';
export type { AlarmSnapshot, DaemonSnapshot, DaemonState, RelaySnapshot } from './snapshot.ts';
