/** The daemon's status snapshot: what a supervisor reports about a running peer (`status.json` for the CLI). */

/** One relay as the daemon saw it. */
export interface RelaySnapshot {
  url: string;
  connected: boolean;
  /** Round trip of a one-filter REQ to its EOSE, in ms; null when unmeasured or timed out. */
  latencyMs: number | null;
  /**
   * Live subscriptions the relay has not confirmed: connected or not, events from it may be
   * missed (a REQ it dropped or never answered, AUTH it waits for), so the relay is not healthy.
   */
  degraded: boolean;
  /** Ids of the live subscriptions the relay has not confirmed (empty when `degraded` is false). */
  unconfirmed: string[];
  /**
   * Connection failures and refused input since the daemon started. `invalidByCode` splits
   * `invalid` (events dropped by verification) by code (`bad-sig`, `too-large`, ...).
   */
  failures: {
    disconnects: number;
    invalid: number;
    invalidByCode: Record<string, number>;
    badFrames: number;
    oversizedFrames: number;
  };
  connects: number;
  received: number;
}

/** A mint alarm in the snapshot (no nym or account IDs: only what attestations carry). */
export interface AlarmSnapshot {
  d: string;
  verdict: string;
  fingerprint: string;
  attesters: number;
  conflicts: number;
}

/** The daemon's life cycle. */
export type DaemonState = 'starting' | 'syncing' | 'running' | 'stopping' | 'stopped';

/** What a {@link PeerDaemon} reports (written by `otp2p daemon` to `status.json`, version 1). */
export interface DaemonSnapshot {
  version: 1;
  pid: number;
  state: DaemonState;
  npub: string;
  startedAt: string;
  updatedAt: string;
  relays: RelaySnapshot[];
  outbox: { pending: number; acked: number; failed: number };
  sync: {
    state: 'idle' | 'syncing' | 'live' | 'error';
    done: number;
    total: number;
    web: number;
    offers: number;
    catalogs: number;
    lastSyncAt: string | null;
    error?: string;
  };
  alarms: AlarmSnapshot[];
  mint: {
    checks: number;
    lastCheckAt: string | null;
    nextCheckAt: string | null;
    intervalSeconds: number;
    error?: string;
  };
  payments: { total: number; inFlight: number };
  dms: { received: number };
}
