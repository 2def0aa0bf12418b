/**
 * The public surface, pinned: every entry point listed in package.json "exports" is imported from
 * its source file and the sorted names it exports are compared with test/exports.snapshot.json.
 * Adding, renaming or removing a public name changes that file, so it shows up as an explicit,
 * reviewed diff (update it with `npx vitest run test/exports.test.ts -u`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from './helpers/shared.ts';

type Target = string | { types?: string; default?: string; import?: string };

const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { exports: Record<string, Target> };

/** `./dist/src/x/index.js` or `.d.ts` -> `src/x/index.ts`; anything outside dist/src is not a module entry. */
function sourceOf(path: string): string | undefined {
  const m = /^\.\/dist\/(src\/.+?)(\.d\.ts|\.js)$/.exec(path);
  return m ? `${m[1]}.ts` : undefined;
}

const entries = Object.entries(pkg.exports).filter(([key]) => key !== './package.json');

describe('package.json exports', () => {
  it('lists a root entry and maps every entry to one existing source file (types and default agree)', () => {
    expect(entries.map(([k]) => k)).toContain('.');
    for (const [key, target] of entries) {
      expect(typeof target, key).toBe('object');
      const t = target as Exclude<Target, string>;
      const fromTypes = t.types === undefined ? undefined : sourceOf(t.types);
      const fromDefault = t.default === undefined ? undefined : sourceOf(t.default);
      expect(fromDefault, `${key}: default must point into ./dist/src`).toBeDefined();
      expect(fromTypes, `${key}: types and default name different modules`).toBe(fromDefault);
      expect(existsSync(join(PROJECT_ROOT, fromDefault as string)), `${key}: ${fromDefault} is missing`).toBe(true);
    }
  });

  it('exports exactly the names in test/exports.snapshot.json', async () => {
    const surface: Record<string, string[]> = {};
    for (const [key, target] of [...entries].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const src = sourceOf((target as { default: string }).default) as string;
      const mod = (await import(pathToFileURL(join(PROJECT_ROOT, src)).href)) as Record<string, unknown>;
      surface[key] = Object.keys(mod).sort();
    }
    // Each entry exports something, and nothing public is a default export.
    for (const [key, names] of Object.entries(surface)) {
      expect(names.length, key).toBeGreaterThan(0);
      expect(names, key).not.toContain('default');
    }
    await expect(`${JSON.stringify(surface, null, 2)}\n`).toMatchFileSnapshot('./exports.snapshot.json');
  });

  it('keeps test aids behind otp2p/testing only, and the internal accessor of the Peer behind none', async () => {
    const names = async (key: string): Promise<string[]> => {
      const target = pkg.exports[key] as { default: string };
      return Object.keys(
        (await import(pathToFileURL(join(PROJECT_ROOT, sourceOf(target.default) as string)).href)) as object,
      );
    };
    const aids = new Set(await names('./testing'));
    expect(aids.has('SimulatedNotary') && aids.has('MemoryTransport')).toBe(true);
    for (const [key] of entries) {
      if (key === './testing') continue;
      const exported = await names(key);
      expect(
        exported.filter((n) => aids.has(n)),
        key,
      ).toEqual([]);
      expect(exported, key).not.toContain('peerInternals');
    }
  });
});
