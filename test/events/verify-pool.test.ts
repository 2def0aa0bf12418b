/**
 * VerifyPool: worker threads give the same per-item results as the in-thread verifier, in
 * input order, and load from the TypeScript sources under vitest and under a tsx child process.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.ts';
import { nativeBackend } from '../../src/events/schnorr.ts';
import { signEvent } from '../../src/events/sign.ts';
import { EventVerifier } from '../../src/events/verify.ts';
import { VerifyPool } from '../../src/events/verify-pool.ts';
import { PROJECT_ROOT } from '../helpers/shared.ts';
import { tmpDir } from '../helpers/tmp.ts';

const NOW = 1_700_000_000;
const clock = new ManualClock(NOW * 1000);
const SK = new Uint8Array(32).fill(5);

function mixedBatch(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const e = signEvent({ created_at: NOW - i, kind: 1, tags: [['t', String(i)]], content: `n${i}` }, SK);
    switch (i % 7) {
      case 1:
        out.push(JSON.stringify({ ...e, content: 'forged' }));
        break;
      case 2:
        out.push('not json');
        break;
      case 3:
        out.push(JSON.stringify({ ...e, created_at: NOW + 3600 }));
        break;
      case 4:
        out.push(JSON.stringify({ ...e, sig: signEvent({ created_at: 1, kind: 1, tags: [], content: '' }, SK).sig }));
        break;
      default:
        out.push(JSON.stringify(e));
    }
  }
  return out;
}

describe('VerifyPool', () => {
  const pool = new VerifyPool({ size: 2, clock, chunkSize: 37 });
  afterAll(() => pool.close());

  it('returns exactly what EventVerifier returns, item by item, in input order', async () => {
    const raws = mixedBatch(500);
    const expected = raws.map((r) => {
      const x = new EventVerifier({ clock }).verifyJson(r);
      return x.ok ? { ok: true, id: x.event.id } : { ok: false, code: x.code };
    });
    const got = (await pool.verifyBatch(raws)).map((x) =>
      x.ok ? { ok: true, id: x.event.id } : { ok: false, code: x.code },
    );
    expect(got).toEqual(expected);
    expect(new Set(expected.map((e) => (e.ok ? 'ok' : e.code)))).toEqual(
      new Set(['ok', 'bad-id', 'bad-json', 'created-at-future', 'bad-sig']),
    );
  });

  it('tells the main-thread verifier about accepted pairs, which still recomputes the id', async () => {
    const e = signEvent({ created_at: NOW, kind: 1, tags: [], content: 'cached' }, SK);
    const [r] = await pool.verifyBatch([JSON.stringify(e)]);
    expect(r?.ok).toBe(true);
    expect(pool.verifier.isCached(e.id, e.sig)).toBe(true);
    const forged = pool.verifier.verify({ ...e, content: 'other' });
    expect(forged.ok ? 'ok' : forged.code).toBe('bad-id');
  });

  it('handles empty and concurrent batches', async () => {
    expect(await pool.verifyBatch([])).toEqual([]);
    const [a, b] = await Promise.all([pool.verifyBatch(mixedBatch(50)), pool.verifyBatch(['x', ...mixedBatch(3)])]);
    expect(a).toHaveLength(50);
    expect(b.map((x) => (x.ok ? 'ok' : x.code))).toEqual(['bad-json', 'ok', 'bad-id', 'bad-json']);
  });

  it('verifies with the native addon in every worker where it is installed', async () => {
    const expected = nativeBackend()?.name ?? 'wasm-libsecp256k1';
    expect(await pool.backends()).toEqual([expected, expected]);
  });

  it('refuses work after close with `closed`', async () => {
    const p = new VerifyPool({ size: 1, clock });
    await p.close();
    await expect(p.verifyBatch(['{}'])).rejects.toMatchObject({ code: 'closed' });
  });

  it('starts its workers from a plain `node --import tsx` process too, and idle workers let it exit', () => {
    const script = join(tmpDir(), 'pool.mts');
    writeFileSync(
      script,
      `import { VerifyPool } from ${JSON.stringify(join(PROJECT_ROOT, 'src/events/verify-pool.ts'))};
const pool = new VerifyPool({ size: 2 });
const r = await pool.verifyBatch(['{}', 'x']);
console.log(JSON.stringify(r.map((x) => (x.ok ? 'ok' : x.code))));
// no close(): the process must still exit on its own
`,
    );
    const out = spawnSync(process.execPath, ['--import', 'tsx', script], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(out.stderr).toBe('');
    expect(out.stdout.trim()).toBe('["bad-shape","bad-json"]');
    expect(out.status).toBe(0);
  });

  it('closes pools while their workers still start, without aborting the process', () => {
    // A worker torn down while the native addon initialises aborts the process; close() must
    // wait for each worker's ready message. Closes land at several points of the start-up.
    const script = join(tmpDir(), 'churn.mts');
    writeFileSync(
      script,
      `import { VerifyPool } from ${JSON.stringify(join(PROJECT_ROOT, 'src/events/verify-pool.ts'))};
for (const delay of [0, 5, 40, 150, 400]) {
  const pool = new VerifyPool({ size: 2 });
  await new Promise((r) => setTimeout(r, delay));
  await pool.close();
}
new VerifyPool({ size: 2 }); // never closed, never used: the process must wait for it to start, then exit
console.log('done');
`,
    );
    const out = spawnSync(process.execPath, ['--import', 'tsx', script], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(out.stderr).toBe('');
    expect(out.stdout.trim()).toBe('done');
    expect(out.status).toBe(0);
  });

  it('starts its workers from compiled JavaScript (the dist/ layout) without tsx', () => {
    // Compile verify-pool.ts and everything it imports, as tsc -p tsconfig.build.json would,
    // into a temporary tree beside a link to node_modules, then run it with plain node.
    const out = tmpDir();
    const todo = [join(PROJECT_ROOT, 'src/events/verify-pool.ts')];
    const done = new Set<string>();
    while (todo.length) {
      const file = todo.pop() as string;
      if (done.has(file)) continue;
      done.add(file);
      const js = ts.transpileModule(readFileSync(file, 'utf8'), {
        compilerOptions: {
          module: ts.ModuleKind.ESNext,
          target: ts.ScriptTarget.ES2022,
          verbatimModuleSyntax: true,
          rewriteRelativeImportExtensions: true,
        },
      }).outputText;
      const target = join(out, relative(PROJECT_ROOT, file)).replace(/\.ts$/, '.js');
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, js);
      for (const m of js.matchAll(/from ['"](\.[^'"]+)\.js['"]|new URL\('(\.[^']+)\.js'/g))
        todo.push(resolve(dirname(file), `${m[1] ?? m[2]}.ts`));
    }
    expect(done.has(join(PROJECT_ROOT, 'src/events/verify-worker.ts'))).toBe(true);
    writeFileSync(join(out, 'package.json'), '{"type":"module"}');
    symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(out, 'node_modules'));
    const e = signEvent({ created_at: Math.floor(Date.now() / 1000), kind: 1, tags: [], content: 'dist' }, SK);
    const script = `import { VerifyPool } from './src/events/verify-pool.js';
const pool = new VerifyPool({ size: 2 });
const r = await pool.verifyBatch([${JSON.stringify(JSON.stringify(e))}, 'x']);
console.log(JSON.stringify(r.map((x) => (x.ok ? 'ok' : x.code))));
await pool.close();
`;
    writeFileSync(join(out, 'run.mjs'), script);
    const res = spawnSync(process.execPath, [join(out, 'run.mjs')], { cwd: out, encoding: 'utf8', timeout: 30_000 });
    expect(res.stderr).toBe('');
    expect(res.stdout.trim()).toBe('["ok","bad-json"]');
    expect(res.status).toBe(0);
  });
});
