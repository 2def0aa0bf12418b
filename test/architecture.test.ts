/**
 * The map of the house (CONTRIBUTING.md, "Map of the house"), checked: every import in `src/`
 * goes to its own area or to an area the map lets it use. An upward import (a layer reaching
 * into one above it) fails here with the file, the import and the rule it breaks, so the map in
 * CONTRIBUTING.md and the code cannot drift apart silently.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from './helpers/shared.ts';

const SRC = join(PROJECT_ROOT, 'src');

/**
 * What each area may import besides itself. An area is a folder under `src/`, or a top-level
 * file's name without `.ts`. Keep in step with CONTRIBUTING.md.
 */
const MAY_IMPORT: Record<string, readonly string[]> = {
  core: [],
  keys: ['core'],
  events: ['core', 'keys'],
  config: ['core', 'events'],
  store: ['core', 'events', 'migrations'],
  relays: ['core', 'events', 'store', 'keys', 'config'],
  web: ['core', 'events', 'store', 'relays'],
  otapi: ['core'],
  bitcoin: ['core', 'keys', 'store', 'config', 'events'],
  pathing: ['core', 'events'],
  messaging: ['core', 'events', 'relays', 'store', 'keys'],
  catalog: ['core', 'events', 'messaging', 'otapi', 'relays'],
  mint: ['core', 'events', 'otapi', 'relays', 'store', 'keys'],
  payments: ['core', 'events', 'messaging', 'otapi', 'pathing', 'bitcoin', 'store', 'relays', 'keys', 'config'],
  signers: ['core', 'keys', 'events', 'messaging', 'relays'],
  peer: [
    'core',
    'keys',
    'events',
    'config',
    'store',
    'relays',
    'otapi',
    'bitcoin',
    'pathing',
    'messaging',
    'catalog',
    'mint',
    'payments',
    'signers',
    'web',
  ],
  daemon: [
    'core',
    'keys',
    'events',
    'config',
    'store',
    'relays',
    'otapi',
    'bitcoin',
    'pathing',
    'messaging',
    'catalog',
    'mint',
    'payments',
    'signers',
    'web',
    'peer',
  ],
  ui: [
    'core',
    'keys',
    'events',
    'config',
    'store',
    'relays',
    'otapi',
    'bitcoin',
    'pathing',
    'messaging',
    'catalog',
    'mint',
    'payments',
    'signers',
    'web',
    'peer',
  ],
  demo: [
    'core',
    'keys',
    'events',
    'config',
    'store',
    'relays',
    'otapi',
    'bitcoin',
    'pathing',
    'messaging',
    'catalog',
    'mint',
    'payments',
    'signers',
    'web',
    'peer',
    'daemon',
    'ui',
    'testing',
  ],
  testing: [
    'core',
    'keys',
    'events',
    'config',
    'store',
    'relays',
    'otapi',
    'bitcoin',
    'pathing',
    'messaging',
    'catalog',
    'mint',
    'payments',
    'signers',
    'web',
    'peer',
  ],
  cli: ['*'],
  index: ['*'],
};

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** The area of a path under the project: `src/<area>/...` or `src/<area>.ts`; `migrations` for migrations/. */
function areaOf(file: string): string | null {
  const rel = relative(PROJECT_ROOT, file).split('\\').join('/');
  if (rel.startsWith('migrations/')) return 'migrations';
  if (!rel.startsWith('src/')) return null;
  const first = rel.slice(4).split('/')[0] as string;
  return first.replace(/\.ts$/, '');
}

const IMPORT_RE = /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*'([^']+)'|import\(\s*'([^']+)'\s*\)/g;

function violations(): string[] {
  const found: string[] = [];
  for (const file of walk(SRC)) {
    const from = areaOf(file);
    if (from === null) continue;
    const allowed = MAY_IMPORT[from];
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT_RE)) {
      const spec = m[1] ?? m[2];
      if (spec === undefined || !spec.startsWith('.')) continue;
      const to = areaOf(resolve(dirname(file), spec));
      if (to === null) {
        found.push(`${relative(PROJECT_ROOT, file)} imports ${spec}, outside src/ and migrations/`);
        continue;
      }
      if (to === from) continue;
      if (allowed === undefined) {
        found.push(
          `${relative(PROJECT_ROOT, file)}: area ${from} is not in the map (add it to MAY_IMPORT and CONTRIBUTING.md)`,
        );
        break;
      }
      if (!allowed.includes('*') && !allowed.includes(to)) {
        found.push(
          `${relative(PROJECT_ROOT, file)} (${from}) imports ${spec} (${to}): ${from} may import ${allowed.join(', ') || 'nothing'}`,
        );
      }
    }
  }
  return found;
}

describe('the map of the house', () => {
  it('has no upward or undeclared import in src/', () => {
    expect(violations()).toEqual([]);
  });

  it('detects an upward import (the check can fail)', () => {
    const file = join(SRC, 'core', 'errors.ts');
    const spec = '../peer.ts';
    expect(areaOf(file)).toBe('core');
    expect(areaOf(resolve(dirname(file), spec))).toBe('peer');
    expect(MAY_IMPORT.core).not.toContain('peer');
    // The regex finds the specifiers the check relies on, in every import form we use.
    const sample =
      "import { a } from './x.ts';\nimport type { B } from '../y.ts';\nexport { c } from './z.ts';\nconst m = await import('../w.ts');";
    expect([...sample.matchAll(IMPORT_RE)].map((m) => m[1] ?? m[2])).toEqual([
      './x.ts',
      '../y.ts',
      './z.ts',
      '../w.ts',
    ]);
  });
});
