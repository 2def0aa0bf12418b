/**
 * Owner-only permissions for what holds secrets and private data: the data folder (vault,
 * configuration, database) 0700, the database and its `-wal`/`-shm` files 0600 (the database holds
 * decrypted DMs). Enforced on every start, not only on creation: a folder made by hand with
 * `mkdir -m755`, or files left by an older version, are tightened the next time they are used.
 *
 * SQLite gives the `-wal` and `-shm` files it creates the permissions of the database file, so
 * creating the database 0600 before SQLite opens it covers them; existing ones are tightened too.
 * On Windows, POSIX modes do not apply and these are no-ops beyond creating the folder.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { OtP2pError } from '../core/errors.ts';

const POSIX = process.platform !== 'win32';

function tighten(path: string, mode: number, what: string): void {
  if (!POSIX) return;
  let current: number;
  try {
    current = statSync(path).mode & 0o777;
  } catch (cause) {
    throw new OtP2pError('io-error', `cannot read the permissions of ${what} ${path}`, { cause, context: { path } });
  }
  if (current === mode) return;
  try {
    chmodSync(path, mode);
  } catch (cause) {
    throw new OtP2pError(
      'io-error',
      `cannot set ${what} ${path} to mode ${mode.toString(8)} (it is ${current.toString(8)}): owner-only access is required`,
      { cause, context: { path } },
    );
  }
}

/**
 * Create `dir` (and its parents) if missing, and make it 0700 whether it was just made or not.
 * @throws OtP2pError `io-error` when the folder cannot be created or its mode cannot be set.
 */
export function ensurePrivateDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (cause) {
    throw new OtP2pError('io-error', `cannot create the folder ${dir}`, { cause, context: { path: dir } });
  }
  tighten(dir, 0o700, 'the folder');
}

/**
 * Make `path` 0600: created empty with that mode when `create` is set and it is missing, tightened
 * when it exists, left alone when it is missing and `create` is not set.
 * @throws OtP2pError `io-error` when the file cannot be created or its mode cannot be set.
 */
export function ensurePrivateFile(path: string, create = false): void {
  if (!existsSync(path)) {
    if (!create) return;
    try {
      // 'a' never truncates: a file created between the check and the open is kept as it is.
      closeSync(openSync(path, 'a', 0o600));
    } catch (cause) {
      throw new OtP2pError('io-error', `cannot create ${path}`, { cause, context: { path } });
    }
  }
  tighten(path, 0o600, 'the file');
}

/** Whether `path` names a database file on disk (not `:memory:`, an empty temporary one or a URI). */
export function isDatabaseFile(path: string): boolean {
  return path !== '' && path !== ':memory:' && !path.startsWith('file:');
}

/**
 * Make a SQLite database and its `-wal`, `-shm` and `-journal` files 0600, creating the database
 * file first when `create` is set so SQLite never creates it (or its companions) with looser modes.
 * @throws OtP2pError `io-error` when a mode cannot be set.
 */
export function ensurePrivateDatabase(path: string, create = false): void {
  if (!isDatabaseFile(path)) return;
  ensurePrivateFile(path, create);
  for (const suffix of ['-wal', '-shm', '-journal']) ensurePrivateFile(`${path}${suffix}`);
}
