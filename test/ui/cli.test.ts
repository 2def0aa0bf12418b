import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { runCli, spawnCli } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { KEYS, writeOffersFile } from './fixture.ts';

function uiDir(): string {
  const dir = join(tmpDir('otp2p-ui-cli-'), 'ui');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>cli</title>');
  return dir;
}

describe('otp2p ui', () => {
  it('serves the offline view, prints the URL with its token, and stops on SIGTERM', async () => {
    const home = tmpDir();
    const child = spawnCli([
      'ui',
      '--offers',
      writeOffersFile(home),
      '--from',
      KEYS.Alice,
      '--port',
      '0',
      '--dir',
      uiDir(),
      '--json',
      '--home',
      home,
    ]);
    const lines = createInterface({ input: child.stdout! });
    const first = await new Promise<string>((resolve) => lines.once('line', resolve));
    const { url, port, token } = JSON.parse(first) as { url: string; port: number; token: string };
    expect(url).toBe(`http://127.0.0.1:${port}/?token=${token}`);
    expect((await fetch(`http://127.0.0.1:${port}/api/identity`)).status).toBe(401);
    const id = await (
      await fetch(`http://127.0.0.1:${port}/api/identity`, { headers: { Authorization: `Bearer ${token}` } })
    ).json();
    expect(id).toMatchObject({ pubkey: KEYS.Alice, name: 'Alice' });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('says to run npm run build:ui when the page is not built (ui-not-built, exit 2)', async () => {
    const home = tmpDir();
    const r = await runCli([
      'ui',
      '--offers',
      writeOffersFile(home),
      '--from',
      KEYS.Alice,
      '--dir',
      join(home, 'missing'),
      '--json',
      '--home',
      home,
    ]);
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).toContain('ui-not-built');
    expect(r.stdout + r.stderr).toContain('npm run build:ui');
  });

  it('refuses a bad port and --from without --offers (usage, exit 2)', async () => {
    const home = tmpDir();
    const bad = await runCli(['ui', '--port', '70000', '--dir', uiDir(), '--json', '--home', home]);
    expect(bad.code).toBe(2);
    expect(bad.stdout + bad.stderr).toContain('--port');
    const from = await runCli(['ui', '--from', KEYS.Alice, '--dir', uiDir(), '--json', '--home', home]);
    expect(from.code).toBe(2);
    expect(from.stdout + from.stderr).toContain('--from goes with --offers');
  });
});
