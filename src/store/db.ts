/**
 * Opening the otp2p database: better-sqlite3 under kysely, WAL with synchronous=FULL (the outbox
 * and money tables rely on every commit being on disk before a message or transfer leaves), and
 * every migration applied on open. The file and its WAL companions are owner-only (0600) on every
 * open: the database holds decrypted DMs.
 */
import Database from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import type { MigrationProvider, MigrationResultSet } from 'kysely';
import { migrations } from '../../migrations/index.ts';
import { OtP2pError, isOtP2pError } from '../core/errors.ts';
import { ensurePrivateDatabase } from './private-files.ts';
import type { DatabaseSchema } from './schema.ts';

/** An open otp2p database: the kysely handle for queries and the raw handle for bulk statements. */
export interface Store {
  readonly db: Kysely<DatabaseSchema>;
  readonly raw: Database.Database;
  readonly path: string;
  close(): Promise<void>;
}

const provider: MigrationProvider = { getMigrations: async () => migrations };

function check(result: MigrationResultSet): void {
  if (result.error !== undefined) {
    const failed = result.results?.find((r) => r.status === 'Error');
    throw new OtP2pError('migration-failed', `migration ${failed?.migrationName ?? '(unknown)'} failed`, {
      context: { migration: failed?.migrationName },
      cause: result.error,
    });
  }
}

/**
 * Open (creating if needed) the database at `path` (`:memory:` for throwaway use) and migrate it
 * to the latest schema.
 * @throws OtP2pError `db-error` if the file cannot be opened or made owner-only, `migration-failed` if a migration fails.
 */
export async function openStore(path: string): Promise<Store> {
  let raw: Database.Database;
  try {
    // Created 0600 before SQLite sees it, so SQLite gives -wal and -shm the same mode.
    ensurePrivateDatabase(path, true);
    raw = new Database(path);
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = FULL');
    raw.pragma('foreign_keys = ON');
    raw.pragma('busy_timeout = 5000');
    ensurePrivateDatabase(path);
  } catch (cause) {
    const why = isOtP2pError(cause) ? `: ${cause.message}` : '';
    throw new OtP2pError('db-error', `cannot open database ${path}${why}`, { context: { path }, cause });
  }
  const db = new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database: raw }) });
  try {
    check(await new Migrator({ db, provider }).migrateToLatest());
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return {
    db,
    raw,
    path,
    close: async () => {
      await db.destroy();
    },
  };
}

/** The migrator for this database (used by tests and `otp2p` maintenance). */
export function migratorFor(db: Kysely<DatabaseSchema>): Migrator {
  return new Migrator({ db, provider });
}
