/**
 * Never publish what was not read: a catalog replaces the published one on every relay, so an
 * OT folder that yields nothing must not erase the user's real catalog.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { HAS_SHARED, SHARED_MISSING, sharedPath } from '../helpers/shared.ts';
import { tmpDir } from '../helpers/tmp.ts';

describe('otp2p catalog publish --ot-data', () => {
  it('refuses an empty catalog (empty-catalog, exit 2) and says how many files it could not read', async () => {
    const dir = tmpDir();
    mkdirSync(join(dir, 'client_data', 'accounts'), { recursive: true });
    writeFileSync(join(dir, 'client_data', 'accounts', 'acct1'), 'garbage');
    writeFileSync(join(dir, 'client_data', 'wallet.xml'), 'garbage');
    const r = await runCli([
      'catalog',
      'publish',
      '--ot-data',
      dir,
      '--json',
      '--home',
      tmpDir(),
      '--relay',
      'ws://127.0.0.1:9',
    ]);
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).toContain('empty-catalog');
    expect(r.stdout + r.stderr).toContain('2 file(s) could not be read');
  });

  it.skipIf(!HAS_SHARED)(
    `builds the real classic wallet's catalog: four units on one notary ${HAS_SHARED ? '' : SHARED_MISSING}`,
    async () => {
      const r = await runCli([
        'catalog',
        'show',
        '--ot-data',
        sharedPath('fixtures', 'ot', 'classic-2013', 'ot-sample-data'),
        '--json',
        '--home',
        tmpDir(),
      ]);
      expect(r.code).toBe(0);
      const out = r.json[0] as { catalog: { units: Array<{ tla: string }>; notaries: Array<{ id: string }> } };
      expect(out.catalog.units.map((u) => u.tla).sort()).toEqual(['BTC', 'GRAM', 'TOKEN', 'USD']);
      expect(out.catalog.notaries.map((n) => n.id)).toEqual(['r1fUoHwJOWCuK3WBAAySjmKYqsG6G2TYIxdqY6YNuuG']);
    },
  );
});
