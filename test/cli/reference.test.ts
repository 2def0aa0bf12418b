/** docs/cli.md is generated from the command tree: it must match what `--help` prints today. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderReference } from '../../scripts/cli-reference.ts';
import { PROJECT_ROOT } from '../helpers/shared.ts';

describe('docs/cli.md', () => {
  it('is up to date with the commands (regenerate: npx tsx scripts/cli-reference.ts)', async () => {
    const current = readFileSync(join(PROJECT_ROOT, 'docs/cli.md'), 'utf8');
    expect(current).toBe(await renderReference());
  });
});
