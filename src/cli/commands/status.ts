/**
 * `otp2p status`: what the daemon is doing, without the password. A running daemon writes
 * `status.json` in the data folder every few seconds (relays, sync progress, alarms, payments);
 * this command reads it when the daemon's pid is alive, and otherwise reports from the database
 * alone (outbox and payments) and says the daemon is not running. The outbox counts always come
 * from the database, which is the source of truth for "nothing lost".
 */
import { existsSync } from 'node:fs';
import { OtP2pError } from '../../core/errors.ts';
import { isTerminal } from '../../payments/states.ts';
import { listPayments } from '../../payments/store.ts';
import { openStore } from '../../store/db.ts';
import { OutboxStore } from '../../store/outbox.ts';
import type { AlarmSnapshot, DaemonSnapshot, RelaySnapshot } from '../../daemon/snapshot.ts';
import { daemonRunning, readSnapshot } from '../../daemon/snapshot-file.ts';
import type { Home } from '../home.ts';
import { defineCommand } from '../command.ts';
import { printJson, printTable } from '../io.ts';

export type { AlarmSnapshot, DaemonSnapshot, RelaySnapshot } from '../../daemon/snapshot.ts';

/** What `otp2p status` reports. */
export interface StatusReport {
  daemon: { running: boolean; pid: number | null; state: DaemonSnapshot['state'] | null; updatedAt: string | null };
  npub: string | null;
  relays: RelaySnapshot[];
  outbox: { pending: number; acked: number; failed: number };
  sync: DaemonSnapshot['sync'] | null;
  alarms: AlarmSnapshot[];
  mint: DaemonSnapshot['mint'] | null;
  payments: { total: number; inFlight: number };
}

/**
 * A relay of the snapshot with the fields a daemon of an older version did not write (no
 * subscription confirmation, no counts by code) filled in, so human and JSON output agree.
 */
function relayOf(r: RelaySnapshot): RelaySnapshot {
  const unconfirmed = Array.isArray(r.unconfirmed) ? r.unconfirmed : [];
  return {
    ...r,
    degraded: r.degraded === true || unconfirmed.length > 0,
    unconfirmed,
    failures: { ...r.failures, invalidByCode: r.failures?.invalidByCode ?? {} },
  };
}

/** `invalidByCode` as `bad-sig 2, too-large 1`, or `-` when nothing was dropped. */
function droppedText(byCode: Record<string, number>): string {
  const parts = Object.entries(byCode)
    .filter(([, n]) => n > 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([code, n]) => `${code} ${n}`);
  return parts.length === 0 ? '-' : parts.join(', ');
}

/**
 * Build the status report from the snapshot (when its daemon runs) and the database.
 * @throws OtP2pError `db-error` when the database cannot be opened.
 */
export async function statusReport(home: Home): Promise<StatusReport> {
  const snapshot = readSnapshot(home.ensure());
  const running = daemonRunning(snapshot);
  const store = await openStore(home.dbPath);
  let outbox: StatusReport['outbox'];
  let payments: StatusReport['payments'];
  try {
    const c = new OutboxStore(store).counts();
    outbox = { pending: c.pending, acked: c.acked, failed: c.failed };
    const rows = await listPayments(store.db, 100_000);
    payments = { total: rows.length, inFlight: rows.filter((p) => !isTerminal(p.role, p.state)).length };
  } finally {
    await store.close();
  }
  const configured = home.config().relays;
  return {
    daemon: {
      running,
      pid: running && snapshot ? snapshot.pid : null,
      state: snapshot ? (running ? snapshot.state : 'stopped') : null,
      updatedAt: snapshot?.updatedAt ?? null,
    },
    npub: snapshot?.npub ?? null,
    relays:
      running && snapshot
        ? snapshot.relays.map(relayOf)
        : configured.map((url) => ({
            url,
            connected: false,
            latencyMs: null,
            degraded: false,
            unconfirmed: [],
            failures: { disconnects: 0, invalid: 0, invalidByCode: {}, badFrames: 0, oversizedFrames: 0 },
            connects: 0,
            received: 0,
          })),
    outbox,
    sync: running && snapshot ? snapshot.sync : null,
    // Alarms stay true after the daemon stops: the last ones seen are still worth showing.
    alarms: snapshot?.alarms ?? [],
    mint: snapshot?.mint ?? null,
    payments,
  };
}

export default defineCommand({
  name: 'status',
  description:
    'Report relays, outbox, sync progress, mint alarms and payments (from the running daemon, or the database)',
  details:
    'Reads status.json written by a running `otp2p daemon` (no password needed) and the outbox and payments\n' +
    'from the database. Without a running daemon it says so and reports what the database holds.\n' +
    'Example: otp2p status --json',
  run: async (ctx) => {
    if (!existsSync(ctx.home.dir))
      throw new OtP2pError('not-found', `no data folder at ${ctx.home.dir}; run otp2p init first`, {
        context: { home: ctx.home.dir },
      });
    const r = await statusReport(ctx.home);
    if (ctx.json) {
      printJson(ctx, r);
      return;
    }
    const out = (line: string): void => ctx.io.stdout(`${line}\n`);
    out(
      r.daemon.running
        ? `daemon: running (pid ${r.daemon.pid}, ${r.daemon.state}, updated ${r.daemon.updatedAt})`
        : `daemon: not running${r.daemon.updatedAt ? ` (last seen ${r.daemon.updatedAt})` : ''}`,
    );
    if (r.npub) out(`identity: ${r.npub}`);
    out(`outbox: ${r.outbox.pending} pending, ${r.outbox.failed} failed, ${r.outbox.acked} acknowledged`);
    out(`payments: ${r.payments.inFlight} in flight, ${r.payments.total} in total`);
    if (r.sync)
      out(
        `sync: ${r.sync.state} (${r.sync.done}/${r.sync.total} authors), web ${r.sync.web}, ${r.sync.offers} offers, ${r.sync.catalogs} catalogs, last ${r.sync.lastSyncAt ?? 'never'}`,
      );
    if (r.mint)
      out(
        `mint checks: ${r.mint.checks}, last ${r.mint.lastCheckAt ?? 'never'}${r.mint.error ? ` (last error: ${r.mint.error})` : ''}`,
      );
    out(r.alarms.length === 0 ? 'alarms: none' : `alarms: ${r.alarms.length}`);
    for (const a of r.alarms)
      out(
        `  ${a.verdict.toUpperCase()} ${a.d} (${a.attesters} attesters agree, ${a.conflicts} conflicting fingerprints)`,
      );
    printTable(
      ctx,
      ['relay', 'connected', 'latency', 'subscriptions', 'connects', 'disconnects', 'dropped'],
      r.relays.map((x) => [
        x.url,
        r.daemon.running ? (x.connected ? 'yes' : 'no') : '-',
        x.latencyMs === null ? '-' : `${x.latencyMs} ms`,
        !r.daemon.running ? '-' : x.degraded ? `DEGRADED (${x.unconfirmed.length} unconfirmed)` : 'confirmed',
        String(x.connects),
        String(x.failures.disconnects),
        droppedText(x.failures.invalidByCode),
      ]),
    );
    // A degraded relay may be missing DMs and payment messages: say so outside the table too.
    for (const x of r.relays)
      if (r.daemon.running && x.degraded)
        out(
          `warning: ${x.url} has not confirmed ${x.unconfirmed.length} live subscription(s): events from it may be missed`,
        );
  },
});
