/**
 * SIGTERM stops a command blocked on its input: the real binary (a child process), `event verify`
 * reading a stdin pipe that stays open. It answers the line it got, then exits when signalled
 * instead of waiting for input forever.
 */
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { spawnCli } from '../helpers/cli.ts';

describe('signals', () => {
  it('event verify exits on SIGTERM while stdin is still open', { timeout: 120_000 }, async () => {
    const child = spawnCli(['event', 'verify']);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const lines = createInterface({ input: child.stdout! });
    const first = new Promise<string>((resolve) => lines.once('line', resolve));
    child.stdin!.write('{"id":"x"}\n'); // and the pipe stays open
    expect(JSON.parse(await first)).toMatchObject({ ok: false, code: 'bad-shape' });
    child.kill('SIGTERM');
    // Exit 3: the one line it read failed verification; a hang would end in the test's timeout.
    expect(await exited).toBe(3);
  });
});
