/**
 * Writes docs/cli.md from the command tree, so the CLI reference can never drift from `--help`.
 * `npx tsx scripts/cli-reference.ts` rewrites it; `--check` exits 1 when it is out of date
 * (test/cli/reference.test.ts runs the same comparison).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandDef } from '../src/cli/command.ts';
import { root } from '../src/cli/main.ts';
import { renderHelp } from '../src/cli/run.ts';

/** Render the whole reference as Markdown. */
export async function renderReference(): Promise<string> {
  const out: string[] = [
    '# otp2p command reference',
    '',
    'Generated from the commands themselves (`npx tsx scripts/cli-reference.ts`); every command also',
    'answers `--help`. Exit codes: 0 ok, 1 runtime failure, 2 usage error, 3 verification or',
    'security failure. With `--json`, stdout carries only JSON (a failure prints',
    '`{ "error": { "code", "message" } }`) and diagnostics go to stderr.',
    '',
  ];
  const walk = async (def: CommandDef, path: string[]): Promise<void> => {
    out.push(`## \`${path.join(' ')}\``, '', '```text', renderHelp(def, path).trimEnd(), '```', '');
    for (const [name, entry] of Object.entries(def.subcommands ?? {})) await walk(await entry.load(), [...path, name]);
  };
  await walk(root, [root.name]);
  return `${out.join('\n')}`;
}

const target = join(dirname(fileURLToPath(import.meta.url)), '../docs/cli.md');
if (import.meta.url === `file://${process.argv[1]}`) {
  const text = await renderReference();
  if (process.argv.includes('--check')) {
    const current = readFileSync(target, 'utf8');
    if (current !== text) {
      console.error('docs/cli.md is out of date: run npx tsx scripts/cli-reference.ts');
      process.exit(1);
    }
  } else {
    writeFileSync(target, text);
    console.error(`wrote ${target}`);
  }
  process.exit(0);
}
