/**
 * `npm run bench -- <name> [args]`: runs `bench/<name>.ts`, whose default export takes the
 * remaining arguments. Benchmarks print figures; they never assert on time.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const [name, ...rest] = process.argv.slice(2);
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'))
  .map((f) => f.slice(0, -3));
if (!name || !existsSync(join(here, `${name}.ts`))) {
  console.error(`usage: npm run bench -- <${available.join('|')}> [--json]`);
  process.exit(2);
}
const mod = (await import(join(here, `${name}.ts`))) as { default: (args: string[]) => Promise<void> };
await mod.default(rest);
process.exit(0);
