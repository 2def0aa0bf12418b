/**
 * `otp2p status` without a daemon (database only), with a stale status.json (dead pid), and with
 * a live one (this test's own pid stands in for the daemon): never asks for the password.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DaemonSnapshot, RelaySnapshot } from '../../src/cli/commands/status.ts';
import { pidAlive, readSnapshot, writeSnapshot } from '../../src/daemon/snapshot-file.ts';
import { runCli } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';

function snapshot(pid: number, state: DaemonSnapshot['state']): DaemonSnapshot {
  return {
    version: 1,
    pid,
    state,
    npub: 'npub1example',
    startedAt: '2026-11-24T00:00:00.000Z',
    updatedAt: '2026-11-24T00:00:05.000Z',
    relays: [
      {
        url: 'ws://127.0.0.1:7777',
        connected: true,
        latencyMs: 3,
        degraded: false,
        unconfirmed: [],
        failures: { disconnects: 1, invalid: 0, invalidByCode: {}, badFrames: 0, oversizedFrames: 0 },
        connects: 2,
        received: 10,
      },
    ],
    outbox: { pending: 9, acked: 9, failed: 9 },
    sync: { state: 'live', done: 4, total: 4, web: 3, offers: 2, catalogs: 3, lastSyncAt: '2026-11-24T00:00:04.000Z' },
    alarms: [{ d: 'n:u:1', verdict: 'equivocation', fingerprint: 'ab', attesters: 1, conflicts: 1 }],
    mint: { checks: 1, lastCheckAt: '2026-11-24T00:00:04.000Z', nextCheckAt: null, intervalSeconds: 600 },
    payments: { total: 0, inFlight: 0 },
    dms: { received: 0 },
  };
}

/** A pid that no process has (pids are below 2^22 on Linux). */
const DEAD_PID = 2 ** 22 + 17;

describe('otp2p status', () => {
  it('reports from the database and says the daemon is not running when there is no status.json', async () => {
    const home = tmpDir();
    const r = await runCli(['status', '--home', home, '--json'], { env: {} });
    expect(r.code).toBe(0);
    expect(r.json[0]).toMatchObject({
      daemon: { running: false, pid: null, state: null },
      outbox: { pending: 0, acked: 0, failed: 0 },
      payments: { total: 0, inFlight: 0 },
      sync: null,
      alarms: [],
    });
    const human = await runCli(['status', '--home', home], { env: {} });
    expect(human.stdout).toContain('daemon: not running');
    expect(human.stdout).toContain('ws://127.0.0.1:7777');
  });

  it('treats a snapshot whose pid is gone as not running, but keeps its alarms; outbox counts come from the database', async () => {
    const home = tmpDir();
    writeSnapshot(home, snapshot(DEAD_PID, 'running'));
    expect(pidAlive(DEAD_PID)).toBe(false);
    const r = await runCli(['status', '--home', home, '--json'], { env: {} });
    expect(r.json[0]).toMatchObject({
      daemon: { running: false, state: 'stopped' },
      outbox: { pending: 0 },
      sync: null,
      alarms: [{ verdict: 'equivocation' }],
    });
    const human = await runCli(['status', '--home', home], { env: {} });
    expect(human.stdout).toContain('EQUIVOCATION n:u:1');
  });

  it('reads the snapshot of a running daemon', async () => {
    const home = tmpDir();
    writeSnapshot(home, snapshot(process.pid, 'running'));
    const r = await runCli(['status', '--home', home, '--json'], { env: {} });
    expect(r.json[0]).toMatchObject({
      daemon: { running: true, pid: process.pid, state: 'running' },
      npub: 'npub1example',
      relays: [{ latencyMs: 3, connected: true }],
      sync: { state: 'live', web: 3 },
    });
    const human = await runCli(['status', '--home', home], { env: {} });
    expect(human.stdout).toContain(`daemon: running (pid ${process.pid}`);
    expect(human.stdout).toMatch(/ws:\/\/127\.0\.0\.1:7777\s+yes\s+3 ms/);
  });

  it('shows a relay whose live subscriptions are unconfirmed as degraded, and dropped events by code', async () => {
    const home = tmpDir();
    const s = snapshot(process.pid, 'running');
    s.relays = [
      {
        ...(s.relays[0] as RelaySnapshot),
        degraded: true,
        unconfirmed: ['sub-inbox'],
        failures: {
          disconnects: 0,
          invalid: 3,
          invalidByCode: { 'too-large': 1, 'bad-sig': 2 },
          badFrames: 0,
          oversizedFrames: 0,
        },
      },
    ];
    writeSnapshot(home, s);
    const r = await runCli(['status', '--home', home, '--json'], { env: {} });
    expect(r.json[0]).toMatchObject({
      relays: [
        { degraded: true, unconfirmed: ['sub-inbox'], failures: { invalidByCode: { 'bad-sig': 2, 'too-large': 1 } } },
      ],
    });
    const human = await runCli(['status', '--home', home], { env: {} });
    expect(human.stdout).toMatch(/ws:\/\/127\.0\.0\.1:7777\s+yes\s+3 ms\s+DEGRADED \(1 unconfirmed\)/);
    expect(human.stdout).toContain('bad-sig 2, too-large 1');
    expect(human.stdout).toContain('warning: ws://127.0.0.1:7777 has not confirmed 1 live subscription(s)');
  });

  it('fills in the relay fields a snapshot of an older daemon lacks', async () => {
    const home = tmpDir();
    const s = snapshot(process.pid, 'running');
    const old = {
      ...s,
      relays: [
        {
          url: 'ws://127.0.0.1:7777',
          connected: true,
          latencyMs: 3,
          connects: 1,
          received: 0,
          failures: { disconnects: 0, invalid: 0, badFrames: 0, oversizedFrames: 0 },
        },
      ],
    };
    writeFileSync(join(home, 'status.json'), JSON.stringify(old));
    const r = await runCli(['status', '--home', home, '--json'], { env: {} });
    expect(r.json[0]).toMatchObject({
      relays: [{ degraded: false, unconfirmed: [], failures: { invalidByCode: {} } }],
    });
    const human = await runCli(['status', '--home', home], { env: {} });
    expect(human.stdout).toMatch(/ws:\/\/127\.0\.0\.1:7777\s+yes\s+3 ms\s+confirmed/);
  });

  it('ignores an unreadable status.json and fails with not-found when the data folder is missing', async () => {
    const home = tmpDir();
    writeFileSync(join(home, 'status.json'), '{"version":1,"pid":');
    expect(readSnapshot(home)).toBeUndefined();
    expect((await runCli(['status', '--home', home, '--json'], { env: {} })).json[0]).toMatchObject({
      daemon: { running: false },
    });
    const missing = await runCli(['status', '--home', join(home, 'nope'), '--json'], { env: {} });
    expect(missing.code).toBe(1);
    expect(missing.json[0]).toMatchObject({ error: { code: 'not-found' } });
  });
});
