/**
 * The daemon's snapshot on disk (`status.json` in the data folder): written atomically by a
 * running daemon, read by `otp2p status` and by a second daemon deciding whether one runs.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OtP2pError } from '../core/errors.ts';
import { isRecord } from '../core/json.ts';
import type { DaemonSnapshot } from './snapshot.ts';

/** File name of the daemon's status snapshot inside the data folder. */
export const STATUS_FILE = 'status.json';

/**
 * Atomically replace the snapshot (temp file + rename, mode 0600).
 * @throws OtP2pError `io-error` when the data folder cannot be written.
 */
export function writeSnapshot(dir: string, snapshot: DaemonSnapshot): void {
  const path = join(dir, STATUS_FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, `${JSON.stringify(snapshot, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, path);
  } catch (cause) {
    throw new OtP2pError('io-error', `cannot write ${path}`, { cause, context: { path } });
  }
}

/** The snapshot in `dir`, or undefined when absent or unreadable (a torn file cannot happen: writes rename). */
export function readSnapshot(dir: string): DaemonSnapshot | undefined {
  const path = join(dir, STATUS_FILE);
  if (!existsSync(path)) return undefined;
  try {
    const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (!isRecord(value) || value.version !== 1 || typeof value.pid !== 'number' || typeof value.state !== 'string')
      return undefined;
    return value as unknown as DaemonSnapshot;
  } catch {
    return undefined;
  }
}

/** Whether a process with this pid exists (EPERM: it exists but belongs to someone else). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the snapshot belongs to a daemon that is still running. */
export function daemonRunning(snapshot: DaemonSnapshot | undefined): boolean {
  return snapshot !== undefined && snapshot.state !== 'stopped' && pidAlive(snapshot.pid);
}
