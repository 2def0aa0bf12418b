/** `otp2p event verify`: one JSON line per input line, bad lines never stop the run, exit 0/3. */
import { describe, expect, it } from 'vitest';
import { signEvent } from '../../src/events/sign.ts';
import { runCli } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';

const SK = new Uint8Array(32).fill(6);
const now = Math.floor(Date.now() / 1000);
const good = signEvent({ created_at: now - 60, kind: 1, tags: [], content: 'hello' }, SK);
const good2 = signEvent({ created_at: now - 30, kind: 1, tags: [['t', 'x']], content: 'again' }, SK);
const env = () => ({ OTP2P_HOME: tmpDir() });

describe('otp2p event verify', () => {
  it('prints { id, ok, code } per line and exits 0 when all verify', async () => {
    const r = await runCli(['event', 'verify'], {
      stdin: `${JSON.stringify(good)}\n\n${JSON.stringify(good2)}\n`,
      env: env(),
    });
    expect(r.code).toBe(0);
    expect(r.json).toEqual([
      { id: good.id, ok: true, code: null },
      { id: good2.id, ok: true, code: null },
    ]);
  });

  it('reports bad-json and other codes, keeps going, and exits 3', async () => {
    const lines = [
      JSON.stringify(good),
      'this is not json',
      JSON.stringify({ ...good, content: 'tampered' }),
      JSON.stringify({ ...good, sig: good2.sig }),
      '{"id":"x"}',
      JSON.stringify(good2),
    ];
    for (const workers of ['0', '2']) {
      const r = await runCli(['event', 'verify', '--workers', workers], { stdin: lines.join('\n'), env: env() });
      expect(r.code).toBe(3);
      expect(
        r.json.map((x) => {
          const { message: _m, ...rest } = x as Record<string, unknown>;
          return rest;
        }),
      ).toEqual([
        { id: good.id, ok: true, code: null },
        { id: null, ok: false, code: 'bad-json' },
        { id: good.id, ok: false, code: 'bad-id' },
        { id: good.id, ok: false, code: 'bad-sig' },
        { id: 'x', ok: false, code: 'bad-shape' },
        { id: good2.id, ok: true, code: null },
      ]);
    }
  });

  it('documents the exit status in --help, and `event` lists verify', async () => {
    const h = await runCli(['event', 'verify', '--help'], { env: env() });
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('Exit status: 0 when every event verified, 3 when any line failed');
    const g = await runCli(['event', '--help'], { env: env() });
    expect(g.stdout).toMatch(/verify\s+verify events/);
  });

  it('refuses a bad --workers value as a usage error', async () => {
    const r = await runCli(['event', 'verify', '--workers', 'many'], { env: env() });
    expect(r.code).toBe(2);
  });
});
