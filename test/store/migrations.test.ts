/** Every migration runs up on a fresh file, and down again where defined, then up once more. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { migrations } from '../../migrations/index.ts';
import { migratorFor, openStore } from '../../src/store/db.ts';
import { tmpDir } from '../helpers/tmp.ts';

async function tables(store: Awaited<ReturnType<typeof openStore>>): Promise<string[]> {
  const r = await sql<{
    name: string;
  }>`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'kysely_%' AND name NOT LIKE 'sqlite_%' ORDER BY name`.execute(
    store.db,
  );
  return r.rows.map((x) => x.name);
}

describe('migrations', () => {
  it('open applies all of them; down and up again round-trip on a fresh file', async () => {
    const store = await openStore(join(tmpDir(), 'm.db'));
    try {
      const names = Object.keys(migrations).sort();
      const migrator = migratorFor(store.db);
      const applied = (await migrator.getMigrations()).filter((m) => m.executedAt !== undefined).map((m) => m.name);
      expect(applied).toEqual(names);
      const full = await tables(store);
      expect(full).toEqual(
        expect.arrayContaining(['cursors', 'deletions', 'event_relays', 'events', 'outbox', 'outbox_targets']),
      );
      expect(store.raw.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(store.raw.pragma('synchronous', { simple: true })).toBe(2); // FULL
      // Down one at a time, newest first, as far as `down` is defined.
      for (const name of [...names].reverse()) {
        if (typeof migrations[name]?.down !== 'function') break;
        const r = await migrator.migrateDown();
        expect(r.error).toBeUndefined();
        expect(r.results?.[0]).toMatchObject({ migrationName: name, direction: 'Down', status: 'Success' });
      }
      if (names.every((n) => typeof migrations[n]?.down === 'function')) expect(await tables(store)).toEqual([]);
      const up = await migrator.migrateToLatest();
      expect(up.error).toBeUndefined();
      expect(await tables(store)).toEqual(full);
    } finally {
      await store.close();
    }
  });
});
