/**
 * `otp2p daemon`: keep this peer online. It opens the peer (vault, configuration, OT wallet),
 * announces its relay lists, syncs the follows' catalogs and offers and keeps that subscription
 * live, keeps the DM inbox, the outbox and in-flight payments going (the Peer does once started),
 * runs the mint check on an interval and logs alarms, and writes `status.json` for
 * `otp2p status`. Relay outages are weathered: the pool reconnects, the outbox retries (at once
 * when a relay comes back), and every periodic task catches its own failures so nothing escapes
 * to the event loop. SIGINT/SIGTERM stop it cleanly: pending outbox targets and payments are in
 * the database already and resume on the next start.
 */
import { performance } from 'node:perf_hooks';
import { OtP2pError, describeValue, isOtP2pError } from '../../core/errors.ts';
import { Kind } from '../../events/kinds.ts';
import { npubEncode } from '../../keys/nip19.ts';
import type { MintVerdict } from '../../mint/verdict.ts';
import type { Peer, PeerStatus } from '../../peer.ts';
import { peerInternals } from '../../peer/internals.ts';
import type { Subscription, Transport } from '../../relays/transport.ts';
import type { CommandContext } from '../command.ts';
import { defineCommand } from '../command.ts';
import { printJson, progress } from '../io.ts';
import { openPeer } from '../peer.ts';
import { PASSWORD_OPTION, STDIN_SECRETS_HELP } from '../secrets.ts';
import type { AlarmSnapshot, DaemonSnapshot, RelaySnapshot } from './status.ts';
import { daemonRunning, readSnapshot, writeSnapshot } from './status.ts';

type Level = 'info' | 'warn' | 'error';

/** One structured log line: JSON on stdout with `--json`, else human text on stderr. */
type Logger = (level: Level, event: string, message: string, fields?: Record<string, unknown>) => void;

function makeLogger(ctx: CommandContext): Logger {
  return (level, event, message, fields = {}) => {
    const ts = new Date().toISOString();
    if (ctx.json) printJson(ctx, { ts, level, event, ...fields, message });
    else ctx.io.stderr(`${ts} ${level.padEnd(5)} ${message}\n`);
  };
}

function seconds(ctx: CommandContext, name: string, fallback: number, min: number, max: number): number {
  const text = ctx.options[name];
  if (text === undefined) return fallback;
  const n = Number(text);
  if (typeof text !== 'string' || !/^\d+$/.test(text) || n < min || n > max) {
    throw new OtP2pError('usage', `--${name} must be an integer number of seconds in ${min}..${max}, got ${describeValue(text)}`, { context: { option: name } });
  }
  return n;
}

function errorText(err: unknown): string {
  return isOtP2pError(err) ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
}

const PROBE_ID = '0'.repeat(64);

/**
 * Latency of one relay: the round trip of a REQ that matches nothing, to its EOSE (null when the
 * relay does not answer within `timeoutMs`).
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

function alarmSnapshot(v: MintVerdict): AlarmSnapshot {
  return { d: v.d, verdict: v.verdict, fingerprint: v.fingerprint, attesters: v.attesters.length, conflicts: v.conflicts.length };
}

function iso(unixSeconds: number | null): string | null {
  return unixSeconds === null ? null : new Date(unixSeconds * 1000).toISOString();
}

/** Everything the daemon tracks between ticks. */
class DaemonState {
  readonly startedAt = new Date().toISOString();
  state: DaemonSnapshot['state'] = 'starting';
  sync: DaemonSnapshot['sync'] = { state: 'idle', done: 0, total: 0, web: 0, offers: 0, catalogs: 0, lastSyncAt: null };
  mint: DaemonSnapshot['mint'];
  latency = new Map<string, number | null>();
  connected = new Map<string, boolean>();
  alarms: AlarmSnapshot[] = [];
  seenAlarms = new Set<string>();
  dms = 0;
  lastOutbox = '';
  lastPayments = '';
  lastGraph = '';
  constructor(mintIntervalSeconds: number) {
    this.mint = { checks: 0, lastCheckAt: null, nextCheckAt: null, intervalSeconds: mintIntervalSeconds };
  }

  snapshot(peer: Peer, status: PeerStatus): DaemonSnapshot {
    const stats = peerInternals(peer).transport.stats?.() ?? {};
    const relays: RelaySnapshot[] = status.relays.map((r) => {
      const s = stats[r.url];
      return {
        url: r.url,
        connected: r.connected,
        latencyMs: this.latency.get(r.url) ?? null,
        failures: { disconnects: s?.disconnects ?? 0, invalid: s?.invalid ?? 0, badFrames: s?.badFrames ?? 0, oversizedFrames: s?.oversizedFrames ?? 0 },
        connects: s?.connects ?? 0,
        received: s?.received ?? 0,
      };
    });
    return {
      version: 1,
      pid: process.pid,
      state: this.state,
      npub: status.npub,
      startedAt: this.startedAt,
      updatedAt: new Date().toISOString(),
      relays,
      outbox: status.outbox,
      sync: { ...this.sync, web: status.sync.web, offers: status.sync.offers, catalogs: status.sync.catalogs, lastSyncAt: iso(status.sync.lastSyncAt) },
      alarms: this.alarms,
      mint: this.mint,
      payments: status.payments,
      dms: { received: this.dms },
    };
  }
}

/**
 * Run the daemon until `ctx.signal` aborts.
 * @throws OtP2pError `daemon-running` when another daemon serves this data folder, `usage` for bad
 *   intervals, and `openPeer`'s codes (`no-password`, `no-identity`, `bad-password`, `bad-config`).
 */
async function runDaemon(ctx: CommandContext): Promise<number> {
  const mintInterval = seconds(ctx, 'mint-interval', 600, 5, 7 * 86400);
  const syncInterval = seconds(ctx, 'sync-interval', 900, 5, 7 * 86400);
  const statusInterval = seconds(ctx, 'status-interval', 5, 1, 3600);
  const dir = ctx.home.ensure();
  const prior = readSnapshot(dir);
  if (prior && prior.pid !== process.pid && daemonRunning(prior)) {
    throw new OtP2pError('daemon-running', `a daemon (pid ${prior.pid}) already serves ${dir}; stop it first (or remove status.json if that pid is not otp2p)`, { context: { pid: prior.pid } });
  }
  const log = makeLogger(ctx);
  const { peer, close } = await openPeer(ctx);
  const st = new DaemonState(mintInterval);
  const timers: NodeJS.Timeout[] = [];
  const running = new Set<Promise<unknown>>();
  let stopping = false;

  // Last line of defence: a rejection nobody awaited (a relay dying mid-call) is logged, not fatal.
  const onUnhandled = (reason: unknown): void => log('error', 'unhandled', `unhandled failure: ${errorText(reason)}`);
  process.on('unhandledRejection', onUnhandled);

  /** Run a named task unless it is already running; failures are logged, never thrown. */
  const busy = new Set<string>();
  const task = (name: string, fn: () => Promise<void>): void => {
    if (stopping || busy.has(name)) return;
    busy.add(name);
    const p = fn()
      .catch((err: unknown) => log('error', `${name}-failed`, `${name} failed: ${errorText(err)}`, { code: isOtP2pError(err) ? err.code : 'internal' }))
      .finally(() => {
        busy.delete(name);
        running.delete(p);
      });
    running.add(p);
  };
  const every = (ms: number, fn: () => void): void => {
    const t = setInterval(fn, ms);
    timers.push(t);
  };

  const writeStatus = async (): Promise<void> => {
    writeSnapshot(dir, st.snapshot(peer, await peer.status()));
  };

  const tick = async (): Promise<void> => {
    const status = await peer.status();
    for (const r of status.relays) {
      const was = st.connected.get(r.url);
      st.connected.set(r.url, r.connected);
      if (was === r.connected) continue;
      if (r.connected) {
        log('info', 'relay-up', `relay ${r.url} connected`, { relay: r.url });
        // Retry at once what waited for this relay, instead of at the end of its backoff.
        if (was === false) peer.retryOutbox(r.url);
        // A sync that ran while every relay was unreachable saw nothing: run it again now.
        if (st.sync.state === 'error') task('sync', () => sync(true));
      } else if (was !== undefined) {
        log('warn', 'relay-down', `relay ${r.url} disconnected; reconnecting with backoff`, { relay: r.url });
        st.latency.set(r.url, null);
      } else {
        log('warn', 'relay-down', `relay ${r.url} not reachable yet; retrying with backoff`, { relay: r.url });
      }
    }
    // Another otp2p process may have queued events in the same outbox: re-arm when any is due.
    const due = peerInternals(peer).outboxStore.nextDueAt();
    if (due !== undefined && due <= Date.now()) peer.retryOutbox();
    const outbox = JSON.stringify(status.outbox);
    if (outbox !== st.lastOutbox) {
      st.lastOutbox = outbox;
      log('info', 'outbox', `outbox: ${status.outbox.pending} pending, ${status.outbox.failed} failed, ${status.outbox.acked} acknowledged`, { outbox: status.outbox });
    }
    const payments = JSON.stringify(status.payments);
    if (payments !== st.lastPayments) {
      st.lastPayments = payments;
      log('info', 'payments', `payments: ${status.payments.inFlight} in flight, ${status.payments.total} in total`, { payments: status.payments });
    }
    writeSnapshot(dir, st.snapshot(peer, status));
  };

  const probe = async (): Promise<void> => {
    await Promise.all(
      peer.relayHealth().map(async (r) => {
        st.latency.set(r.url, r.connected ? await probeLatency(peerInternals(peer).transport, r.url) : null);
      }),
    );
  };

  // Attestations and evidence from the web of follows, live: a new one triggers a mint check soon
  // (debounced), so an equivocation shows up without waiting for the next interval.
  let attestations: Subscription | undefined;
  let soon: NodeJS.Timeout | undefined;
  const watchAttestations = (): void => {
    const authors = [...new Set([peer.pubkey, ...peer.web().keys()])];
    attestations?.close();
    attestations = peerInternals(peer).transport.subscribe(
      [{ kinds: [Kind.MintAttestation, Kind.MintEvidence], authors, since: Math.floor(Date.now() / 1000) }],
      {
        onevent: (e) => {
          if (e.pubkey === peer.pubkey || soon) return;
          soon = setTimeout(() => {
            soon = undefined;
            task('mint-check', mintCheck);
          }, 5_000);
        },
      },
      { cursorKey: `daemon-attestations:${peer.pubkey}` },
    );
  };

  const sync = async (live: boolean): Promise<void> => {
    const bar = progress(ctx, 'syncing follows');
    st.sync = { ...st.sync, state: 'syncing', done: 0, total: 0 };
    try {
      const r = await peer.sync({
        live,
        onProgress: (done, total) => {
          st.sync = { ...st.sync, done, total };
          bar.update(done, total);
        },
      });
      watchAttestations();
      if (!peer.relayHealth().some((h) => h.connected)) {
        st.sync = { ...st.sync, state: 'error', error: 'no relay was connected' };
        log('warn', 'sync-incomplete', 'synced while no relay was connected: nothing was fetched; syncing again when one connects');
        return;
      }
      st.sync = { ...st.sync, state: 'live' };
      delete st.sync.error;
      log('info', 'synced', `synced the web of follows: ${r.web} peers, ${r.offers} offers, ${r.catalogs} catalogs`, { web: r.web, offers: r.offers, catalogs: r.catalogs });
    } catch (err) {
      st.sync = { ...st.sync, state: 'error', error: errorText(err) };
      throw err;
    } finally {
      bar.done();
    }
  };

  const mintCheck = async (): Promise<void> => {
    try {
      const r = await peer.mint.check();
      st.mint = { ...st.mint, checks: st.mint.checks + 1, lastCheckAt: new Date().toISOString() };
      delete st.mint.error;
      st.alarms = peer.mint.alarms().map(alarmSnapshot);
      const counts: Record<string, number> = {};
      for (const v of r.verdicts) counts[v.verdict] = (counts[v.verdict] ?? 0) + 1;
      log('info', 'mint-check', `mint check: ${r.verdicts.length} mints (${Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(', ') || 'none held'}), web of ${r.webSize}`, { verdicts: counts, web: r.webSize });
    } catch (err) {
      st.mint = { ...st.mint, error: errorText(err) };
      throw err;
    } finally {
      st.mint = { ...st.mint, nextCheckAt: new Date(Date.now() + mintInterval * 1000).toISOString() };
    }
  };

  peer.on('mint-alarm', (v) => {
    const key = `${v.d} ${v.verdict} ${v.fingerprint}`;
    if (st.seenAlarms.has(key)) return;
    st.seenAlarms.add(key);
    log('warn', 'mint-alarm', `MINT ALARM: ${v.verdict} for ${v.d}: ${v.conflicts.length} conflicting fingerprint(s), ${v.attesters.length} attester(s) agree with ours`, { alarm: alarmSnapshot(v) });
  });
  peer.on('dm', (m) => {
    st.dms++;
    // The text stays out of the log (logs get shipped around); `otp2p dm read` shows it.
    log('info', 'dm', `direct message from ${npubEncode(m.sender)} (${m.text.length} characters)`, { from: npubEncode(m.sender), id: m.id });
  });
  peer.on('payment', (p) => log('info', 'payment', `payment ${p.id.slice(0, 12)} (${p.role}) is ${p.state}`, { id: p.id, role: p.role, state: p.state }));
  peer.on('warning', (message) => log('warn', 'warning', message));
  peer.on('graph', (g) => {
    const key = `${g.offers}/${g.peers}`;
    if (key === st.lastGraph) return;
    st.lastGraph = key;
    log('info', 'graph', `offer graph: ${g.offers} offers from a web of ${g.peers} peers`, g);
  });

  let code = 0;
  try {
    await writeStatus();
    log('info', 'starting', `daemon starting for ${peer.npub} (pid ${process.pid}) on ${peer.relayHealth().map((r) => r.url).join(', ')}`, { pid: process.pid, npub: peer.npub, relays: peer.relayHealth().map((r) => r.url) });
    await peer.start();
    await peer.announceRelays();
    log('info', 'started', 'peer started: inbox, outbox and payments are live; relay lists queued', {});
    every(statusInterval * 1000, () => task('status', tick));
    every(Math.max(15, statusInterval) * 1000, () => task('latency', probe));
    every(syncInterval * 1000, () => task('sync', () => sync(false)));
    every(mintInterval * 1000, () => task('mint-check', mintCheck));
    st.state = 'syncing';
    task('status', tick);
    task('latency', probe);
    // The first sync opens the live subscription; the first mint check follows it.
    task('sync', async () => {
      await sync(true).catch((err: unknown) => {
        log('warn', 'sync-failed', `initial sync failed (${errorText(err)}); retrying in ${syncInterval} s`);
      });
      if (!stopping) st.state = 'running';
      task('mint-check', mintCheck);
    });
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) resolve();
      else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } catch (err) {
    log('error', 'failed', `daemon failed: ${errorText(err)}`);
    code = 1;
  } finally {
    stopping = true;
    st.state = 'stopping';
    for (const t of timers) clearInterval(t);
    clearTimeout(soon);
    attestations?.close();
    log('info', 'stopping', 'stopping: waiting briefly for running tasks and the outbox');
    const grace = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref());
    await Promise.race([Promise.allSettled([...running]), grace(2_000)]);
    await Promise.race([peer.flush(), grace(2_000)]).catch(() => undefined);
    let status: PeerStatus | undefined;
    try {
      status = await peer.status();
    } catch (err) {
      log('error', 'status-failed', `could not read the final status: ${errorText(err)}`);
    }
    try {
      await close();
    } catch (err) {
      log('error', 'stop-failed', `stopping the peer failed: ${errorText(err)}`);
      code = 1;
    }
    st.state = 'stopped';
    if (status) {
      writeSnapshot(dir, st.snapshot(peer, status));
      log('info', 'stopped', `stopped; ${status.outbox.pending} outbox target(s) pending and ${status.payments.inFlight} payment(s) in flight resume on the next start`, { outbox: status.outbox, payments: status.payments });
    } else {
      log('info', 'stopped', 'stopped');
    }
    process.off('unhandledRejection', onUnhandled);
  }
  return code;
}

export default defineCommand({
  name: 'daemon',
  description: 'Keep this peer online: sync follows, keep the DM inbox, outbox and payments alive, check mints; logs structured lines',
  details:
    'Runs until SIGINT/SIGTERM, then stops cleanly (pending outbox targets and payments are in the database and\n' +
    'resume on the next start). Writes status.json in the data folder every few seconds for `otp2p status`.\n' +
    'Logs are human lines on stderr, or one JSON object per line on stdout with --json (fields ts, level, event, message).\n' +
    'Example: OTP2P_PASSWORD=... otp2p daemon --json --mint-interval 300\n\n' +
    STDIN_SECRETS_HELP,
  options: {
    'password-stdin': PASSWORD_OPTION,
    'mint-interval': { type: 'string', value: 'SECONDS', default: '600', description: 'how often to run the mint check' },
    'sync-interval': { type: 'string', value: 'SECONDS', default: '900', description: 'how often to re-sync the web of follows (new follows, missed events)' },
    'status-interval': { type: 'string', value: 'SECONDS', default: '5', description: 'how often to write status.json' },
  },
  run: runDaemon,
});
