/**
 * {@link PeerDaemon}: keeps a {@link Peer} online for as long as a process runs. It starts the
 * peer and announces its relay lists, syncs the web of follows and keeps that subscription live,
 * runs the mint check on an interval (and soon after a new attestation arrives), retries the
 * outbox at once when a relay comes back, measures relay latency, and reports a
 * {@link DaemonSnapshot} and structured log lines. Every periodic task catches its own failures
 * so nothing escapes to the event loop. Where the snapshot and the log lines go is the
 * embedder's choice (`otp2p daemon` writes `status.json` and prints lines).
 *
 * ```ts
 * const daemon = new PeerDaemon({ peer, log: (level, event, message) => console.log(level, message) });
 * await daemon.start();
 * // ... on shutdown:
 * await daemon.stop();
 * ```
 */
import type { Clock } from '../core/clock.ts';
import { systemClock } from '../core/clock.ts';
import { OtP2pError, describeValue, isOtP2pError } from '../core/errors.ts';
import { Kind } from '../events/kinds.ts';
import { npubEncode } from '../keys/nip19.ts';
import type { MintVerdict } from '../mint/verdict.ts';
import type { Peer, PeerStatus } from '../peer.ts';
import { peerInternals } from '../peer/internals.ts';
import type { Subscription } from '../relays/transport.ts';
import { probeLatency } from './latency.ts';
import type { AlarmSnapshot, DaemonSnapshot, DaemonState, RelaySnapshot } from './snapshot.ts';

/** Severity of a daemon log line. */
export type DaemonLogLevel = 'info' | 'warn' | 'error';

/**
 * One structured log line: a stable `event` name, a human `message`, and fields for machines.
 * Never carries secrets or message texts.
 */
export type DaemonLog = (
  level: DaemonLogLevel,
  event: string,
  message: string,
  fields?: Record<string, unknown>,
) => void;

/** A progress sink for the sync (e.g. a terminal progress bar). */
export interface DaemonProgress {
  update(done: number, total?: number): void;
  done(): void;
}

/** Options for {@link PeerDaemon}. */
export interface PeerDaemonOptions {
  /** The peer to keep online (created, not necessarily started). */
  peer: Peer;
  /** Seconds between mint checks (default 600, 5..604800). */
  mintIntervalSeconds?: number;
  /** Seconds between re-syncs of the web of follows (default 900, 5..604800). */
  syncIntervalSeconds?: number;
  /** Seconds between status ticks (relay changes, outbox re-arm, snapshot) (default 5, 1..3600). */
  statusIntervalSeconds?: number;
  /** Where log lines go (default: nowhere). */
  log?: DaemonLog;
  /** Called with every new snapshot (each tick, and at start and stop). Its failures are logged. */
  onSnapshot?: (snapshot: DaemonSnapshot) => void;
  /** A progress sink per sync run. */
  progress?: () => DaemonProgress;
  /**
   * How to close the peer and whatever the embedder opened with it (default `peer.stop()`);
   * called once by {@link PeerDaemon.stop}.
   */
  close?: () => Promise<void>;
  /** The process id written in snapshots (default `process.pid`). */
  pid?: number;
  clock?: Clock;
}

/** The seconds options' bounds. */
export const DAEMON_INTERVALS = {
  mintIntervalSeconds: { fallback: 600, min: 5, max: 7 * 86400 },
  syncIntervalSeconds: { fallback: 900, min: 5, max: 7 * 86400 },
  statusIntervalSeconds: { fallback: 5, min: 1, max: 3600 },
} as const;

/** Wait after a new attestation before checking mints (several usually arrive together). */
const ATTESTATION_DEBOUNCE_MS = 5_000;
/** Most time a stop waits for running tasks, then for the outbox. */
const STOP_GRACE_MS = 2_000;

function errorText(err: unknown): string {
  return isOtP2pError(err) ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
}

function alarmSnapshot(v: MintVerdict): AlarmSnapshot {
  return {
    d: v.d,
    verdict: v.verdict,
    fingerprint: v.fingerprint,
    attesters: v.attesters.length,
    conflicts: v.conflicts.length,
  };
}

function iso(unixSeconds: number | null): string | null {
  return unixSeconds === null ? null : new Date(unixSeconds * 1000).toISOString();
}

function interval(options: PeerDaemonOptions, name: keyof typeof DAEMON_INTERVALS): number {
  const { fallback, min, max } = DAEMON_INTERVALS[name];
  const v = options[name];
  if (v === undefined) return fallback;
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new OtP2pError(
      'bad-input',
      `${name} must be an integer number of seconds in ${min}..${max}, got ${describeValue(v)}`,
      { context: { field: name } },
    );
  }
  return v;
}

/** The supervisor of one peer. Start it once; stop it once. */
export class PeerDaemon {
  readonly #peer: Peer;
  readonly #log: DaemonLog;
  readonly #o: PeerDaemonOptions;
  readonly #clock: Clock;
  readonly #mintSeconds: number;
  readonly #syncSeconds: number;
  readonly #statusSeconds: number;
  readonly #startedAt: string;
  #state: DaemonState = 'starting';
  #sync: DaemonSnapshot['sync'] = {
    state: 'idle',
    done: 0,
    total: 0,
    web: 0,
    offers: 0,
    catalogs: 0,
    lastSyncAt: null,
  };
  #mint: DaemonSnapshot['mint'];
  readonly #latency = new Map<string, number | null>();
  readonly #connected = new Map<string, boolean>();
  #alarms: AlarmSnapshot[] = [];
  readonly #seenAlarms = new Set<string>();
  #dms = 0;
  #lastOutbox = '';
  #lastPayments = '';
  #lastGraph = '';
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #running = new Set<Promise<unknown>>();
  readonly #busy = new Set<string>();
  #attestations: Subscription | undefined;
  #soon: NodeJS.Timeout | undefined;
  #stopping = false;
  /** The peer started under this daemon (so there is an outbox to drain at stop). */
  #peerStarted = false;
  #stopped: Promise<boolean> | undefined;
  readonly #unlisten: (() => void)[] = [];

  /** @throws OtP2pError `bad-input` for an interval out of its bounds ({@link DAEMON_INTERVALS}). */
  constructor(options: PeerDaemonOptions) {
    this.#o = options;
    this.#peer = options.peer;
    this.#log = options.log ?? (() => {});
    this.#clock = options.clock ?? systemClock;
    this.#mintSeconds = interval(options, 'mintIntervalSeconds');
    this.#syncSeconds = interval(options, 'syncIntervalSeconds');
    this.#statusSeconds = interval(options, 'statusIntervalSeconds');
    this.#startedAt = this.#iso();
    this.#mint = { checks: 0, lastCheckAt: null, nextCheckAt: null, intervalSeconds: this.#mintSeconds };
  }

  /** Where the daemon is in its life cycle. */
  get state(): DaemonState {
    return this.#state;
  }

  /**
   * Start the peer, announce its relay lists and arm the periodic tasks; the first sync (which
   * opens the live subscription) and the first mint check run in the background.
   * @throws OtP2pError from `peer.start()` / `peer.announceRelays()`; the daemon is then stopped.
   */
  async start(): Promise<void> {
    const peer = this.#peer;
    this.#listen();
    this.#emitSnapshot(await peer.status());
    const relays = peer.relayHealth().map((r) => r.url);
    this.#log('info', 'starting', `daemon starting for ${peer.npub} (pid ${this.#pid()}) on ${relays.join(', ')}`, {
      pid: this.#pid(),
      npub: peer.npub,
      relays,
    });
    await peer.start();
    this.#peerStarted = true;
    await peer.announceRelays();
    this.#log('info', 'started', 'peer started: inbox, outbox and payments are live; relay lists queued', {});
    this.#every(this.#statusSeconds * 1000, () => this.#task('status', () => this.#tick()));
    this.#every(Math.max(15, this.#statusSeconds) * 1000, () => this.#task('latency', () => this.#probe()));
    this.#every(this.#syncSeconds * 1000, () => this.#task('sync', () => this.#runSync(false)));
    this.#every(this.#mintSeconds * 1000, () => this.#task('mint-check', () => this.#mintCheck()));
    this.#state = 'syncing';
    this.#task('status', () => this.#tick());
    this.#task('latency', () => this.#probe());
    this.#task('sync', async () => {
      await this.#runSync(true).catch((err: unknown) => {
        this.#log('warn', 'sync-failed', `initial sync failed (${errorText(err)}); retrying in ${this.#syncSeconds} s`);
      });
      if (!this.#stopping) this.#state = 'running';
      this.#task('mint-check', () => this.#mintCheck());
    });
  }

  /**
   * Stop cleanly: cancel the timers, wait briefly for running tasks and the outbox, close the
   * peer, and report the final snapshot. Pending outbox targets and payments are in the
   * database already and resume on the next start. Idempotent; never throws.
   * @returns false when closing the peer failed (logged).
   */
  stop(): Promise<boolean> {
    this.#stopped ??= this.#stop();
    return this.#stopped;
  }

  /** The current snapshot (relays, sync, alarms, mint checks, outbox and payments). @throws OtP2pError `db-error`. */
  async snapshot(): Promise<DaemonSnapshot> {
    return this.#snapshotOf(await this.#peer.status());
  }

  async #stop(): Promise<boolean> {
    const peer = this.#peer;
    this.#stopping = true;
    this.#state = 'stopping';
    for (const t of this.#timers) clearInterval(t);
    clearTimeout(this.#soon);
    this.#attestations?.close();
    this.#log('info', 'stopping', 'stopping: waiting briefly for running tasks and the outbox');
    const grace = (): Promise<void> => new Promise((r) => setTimeout(r, STOP_GRACE_MS).unref());
    await Promise.race([Promise.allSettled([...this.#running]), grace()]);
    if (this.#peerStarted) await Promise.race([peer.flush(), grace()]).catch(() => undefined);
    let status: PeerStatus | undefined;
    try {
      status = await peer.status();
    } catch (err) {
      this.#log('error', 'status-failed', `could not read the final status: ${errorText(err)}`);
    }
    for (const off of this.#unlisten.splice(0)) off();
    let ok = true;
    try {
      await (this.#o.close ?? (() => peer.stop()))();
    } catch (err) {
      this.#log('error', 'stop-failed', `stopping the peer failed: ${errorText(err)}`);
      ok = false;
    }
    this.#state = 'stopped';
    if (status) {
      this.#emitSnapshot(status);
      this.#log(
        'info',
        'stopped',
        `stopped; ${status.outbox.pending} outbox target(s) pending and ${status.payments.inFlight} payment(s) in flight resume on the next start`,
        { outbox: status.outbox, payments: status.payments },
      );
    } else {
      this.#log('info', 'stopped', 'stopped');
    }
    return ok;
  }

  #pid(): number {
    return this.#o.pid ?? process.pid;
  }

  #iso(): string {
    return new Date(this.#clock.now()).toISOString();
  }

  /** Run a named task unless it is already running; failures are logged, never thrown. */
  #task(name: string, fn: () => Promise<void>): void {
    if (this.#stopping || this.#busy.has(name)) return;
    this.#busy.add(name);
    const p = fn()
      .catch((err: unknown) =>
        this.#log('error', `${name}-failed`, `${name} failed: ${errorText(err)}`, {
          code: isOtP2pError(err) ? err.code : 'internal',
        }),
      )
      .finally(() => {
        this.#busy.delete(name);
        this.#running.delete(p);
      });
    this.#running.add(p);
  }

  #every(ms: number, fn: () => void): void {
    this.#timers.push(setInterval(fn, ms));
  }

  #emitSnapshot(status: PeerStatus): void {
    try {
      this.#o.onSnapshot?.(this.#snapshotOf(status));
    } catch (err) {
      this.#log('error', 'snapshot-failed', `could not write the status snapshot: ${errorText(err)}`, {
        code: isOtP2pError(err) ? err.code : 'internal',
      });
    }
  }

  #snapshotOf(status: PeerStatus): DaemonSnapshot {
    const unconfirmed = new Map<string, string[]>();
    for (const u of peerInternals(this.#peer).transport.unconfirmed?.() ?? []) {
      const ids = unconfirmed.get(u.relay) ?? [];
      ids.push(u.subscription);
      unconfirmed.set(u.relay, ids);
    }
    const relays: RelaySnapshot[] = status.relays.map((r) => {
      const s = r.stats;
      const ids = unconfirmed.get(r.url) ?? [];
      return {
        url: r.url,
        connected: r.connected,
        latencyMs: this.#latency.get(r.url) ?? null,
        degraded: ids.length > 0,
        unconfirmed: ids,
        failures: {
          disconnects: s?.disconnects ?? 0,
          invalid: s?.invalid ?? 0,
          invalidByCode: { ...(s?.invalidByCode ?? {}) },
          badFrames: s?.badFrames ?? 0,
          oversizedFrames: s?.oversizedFrames ?? 0,
        },
        connects: s?.connects ?? 0,
        received: s?.received ?? 0,
      };
    });
    return {
      version: 1,
      pid: this.#pid(),
      state: this.#state,
      npub: status.npub,
      startedAt: this.#startedAt,
      updatedAt: this.#iso(),
      relays,
      outbox: status.outbox,
      sync: {
        ...this.#sync,
        web: status.sync.web,
        offers: status.sync.offers,
        catalogs: status.sync.catalogs,
        lastSyncAt: iso(status.sync.lastSyncAt),
      },
      alarms: this.#alarms,
      mint: this.#mint,
      payments: status.payments,
      dms: { received: this.#dms },
    };
  }

  async #tick(): Promise<void> {
    const peer = this.#peer;
    const status = await peer.status();
    for (const r of status.relays) {
      const was = this.#connected.get(r.url);
      this.#connected.set(r.url, r.connected);
      if (was === r.connected) continue;
      if (r.connected) {
        this.#log('info', 'relay-up', `relay ${r.url} connected`, { relay: r.url });
        // Retry at once what waited for this relay, instead of at the end of its backoff.
        if (was === false) peer.retryOutbox(r.url);
        // A sync that ran while every relay was unreachable saw nothing: run it again now.
        if (this.#sync.state === 'error') this.#task('sync', () => this.#runSync(true));
      } else if (was !== undefined) {
        this.#log('warn', 'relay-down', `relay ${r.url} disconnected; reconnecting with backoff`, { relay: r.url });
        this.#latency.set(r.url, null);
      } else {
        this.#log('warn', 'relay-down', `relay ${r.url} not reachable yet; retrying with backoff`, { relay: r.url });
      }
    }
    // Another otp2p process may have queued events in the same outbox: send what is due.
    peer.retryOutbox();
    const outbox = JSON.stringify(status.outbox);
    if (outbox !== this.#lastOutbox) {
      this.#lastOutbox = outbox;
      this.#log(
        'info',
        'outbox',
        `outbox: ${status.outbox.pending} pending, ${status.outbox.failed} failed, ${status.outbox.acked} acknowledged`,
        { outbox: status.outbox },
      );
    }
    const payments = JSON.stringify(status.payments);
    if (payments !== this.#lastPayments) {
      this.#lastPayments = payments;
      this.#log(
        'info',
        'payments',
        `payments: ${status.payments.inFlight} in flight, ${status.payments.total} in total`,
        { payments: status.payments },
      );
    }
    this.#emitSnapshot(status);
  }

  async #probe(): Promise<void> {
    const transport = peerInternals(this.#peer).transport;
    await Promise.all(
      this.#peer.relayHealth().map(async (r) => {
        this.#latency.set(r.url, r.connected ? await probeLatency(transport, r.url) : null);
      }),
    );
  }

  /**
   * Attestations and evidence from the web of follows, live: a new one triggers a mint check
   * soon (debounced), so an equivocation shows up without waiting for the next interval.
   */
  #watchAttestations(): void {
    const peer = this.#peer;
    const authors = [...new Set([peer.pubkey, ...peer.web().keys()])];
    this.#attestations?.close();
    this.#attestations = peerInternals(peer).transport.subscribe(
      [{ kinds: [Kind.MintAttestation, Kind.MintEvidence], authors, since: Math.floor(this.#clock.now() / 1000) }],
      {
        onevent: (e) => {
          if (e.pubkey === peer.pubkey || this.#soon) return;
          this.#soon = setTimeout(() => {
            this.#soon = undefined;
            this.#task('mint-check', () => this.#mintCheck());
          }, ATTESTATION_DEBOUNCE_MS);
        },
      },
      { cursorKey: `daemon-attestations:${peer.pubkey}` },
    );
  }

  async #runSync(live: boolean): Promise<void> {
    const peer = this.#peer;
    const bar = this.#o.progress?.();
    this.#sync = { ...this.#sync, state: 'syncing', done: 0, total: 0 };
    try {
      const r = await peer.sync({
        live,
        onProgress: (done, total) => {
          this.#sync = { ...this.#sync, done, total };
          bar?.update(done, total);
        },
      });
      if (this.#stopping) return;
      this.#watchAttestations();
      if (!peer.relayHealth().some((h) => h.connected)) {
        this.#sync = { ...this.#sync, state: 'error', error: 'no relay was connected' };
        this.#log(
          'warn',
          'sync-incomplete',
          'synced while no relay was connected: nothing was fetched; syncing again when one connects',
        );
        return;
      }
      this.#sync = { ...this.#sync, state: 'live' };
      delete this.#sync.error;
      this.#log(
        'info',
        'synced',
        `synced the web of follows: ${r.web} peers, ${r.offers} offers, ${r.catalogs} catalogs`,
        { web: r.web, offers: r.offers, catalogs: r.catalogs },
      );
    } catch (err) {
      this.#sync = { ...this.#sync, state: 'error', error: errorText(err) };
      throw err;
    } finally {
      bar?.done();
    }
  }

  async #mintCheck(): Promise<void> {
    const peer = this.#peer;
    try {
      const r = await peer.mint.check();
      this.#mint = { ...this.#mint, checks: this.#mint.checks + 1, lastCheckAt: this.#iso() };
      delete this.#mint.error;
      this.#alarms = peer.mint.alarms().map(alarmSnapshot);
      const counts: Record<string, number> = {};
      for (const v of r.verdicts) counts[v.verdict] = (counts[v.verdict] ?? 0) + 1;
      const summary =
        Object.entries(counts)
          .map(([k, n]) => `${n} ${k}`)
          .join(', ') || 'none held';
      this.#log('info', 'mint-check', `mint check: ${r.verdicts.length} mints (${summary}), web of ${r.webSize}`, {
        verdicts: counts,
        web: r.webSize,
      });
    } catch (err) {
      this.#mint = { ...this.#mint, error: errorText(err) };
      throw err;
    } finally {
      this.#mint = { ...this.#mint, nextCheckAt: new Date(this.#clock.now() + this.#mintSeconds * 1000).toISOString() };
    }
  }

  #listen(): void {
    const peer = this.#peer;
    const on = <K extends 'mint-alarm' | 'dm' | 'payment' | 'warning' | 'graph'>(
      name: K,
      fn: Parameters<typeof peer.on<K>>[1],
    ): void => {
      peer.on(name, fn);
      this.#unlisten.push(() => peer.off(name, fn));
    };
    on('mint-alarm', (v) => {
      const key = `${v.d} ${v.verdict} ${v.fingerprint}`;
      if (this.#seenAlarms.has(key)) return;
      this.#seenAlarms.add(key);
      this.#log(
        'warn',
        'mint-alarm',
        `MINT ALARM: ${v.verdict} for ${v.d}: ${v.conflicts.length} conflicting fingerprint(s), ${v.attesters.length} attester(s) agree with ours`,
        { alarm: alarmSnapshot(v) },
      );
    });
    on('dm', (m) => {
      this.#dms++;
      // The text stays out of the log (logs get shipped around); `otp2p dm read` shows it.
      this.#log('info', 'dm', `direct message from ${npubEncode(m.sender)} (${m.text.length} characters)`, {
        from: npubEncode(m.sender),
        id: m.id,
      });
    });
    on('payment', (p) =>
      this.#log('info', 'payment', `payment ${p.id.slice(0, 12)} (${p.role}) is ${p.state}`, {
        id: p.id,
        role: p.role,
        state: p.state,
      }),
    );
    on('warning', (message) => this.#log('warn', 'warning', message));
    on('graph', (g) => {
      const key = `${g.offers}/${g.peers}`;
      if (key === this.#lastGraph) return;
      this.#lastGraph = key;
      this.#log('info', 'graph', `offer graph: ${g.offers} offers from a web of ${g.peers} peers`, g);
    });
  }
}
