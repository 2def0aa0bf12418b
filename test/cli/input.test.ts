/**
 * Bounded input: files and stdin are read with a cap, so /dev/zero, a directory or a 600 MB line
 * end in a typed error (never a RangeError, std::bad_alloc or `internal: EISDIR`), and reads stop
 * when the command is aborted.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { boundedLines, readChunks, readFileBounded } from '../../src/cli/input.ts';
import { OtP2pError } from '../../src/core/errors.ts';
import { runCli } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';

const HAS_DEV_ZERO = process.platform === 'linux';
const HEX = 'ab'.repeat(32);

async function codeOfAsync(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'no-error';
  } catch (e) {
    return e instanceof OtP2pError ? e.code : 'foreign-error';
  }
}

/** `total` bytes of 'x' (no newline) in 1 MiB chunks, produced on demand; counts what was pulled. */
function hugeLine(total: number, pulled: { bytes: number }): () => AsyncIterable<Uint8Array> {
  const chunk = Buffer.alloc(1 << 20, 0x78);
  return async function* () {
    for (let sent = 0; sent < total; sent += chunk.length) {
      pulled.bytes += chunk.length;
      yield chunk;
    }
    yield Buffer.from('\n');
  };
}

function jsonError(r: { json: unknown[] }): { code: string; message: string } | undefined {
  return (r.json[0] as { error?: { code: string; message: string } } | undefined)?.error;
}

describe('readFileBounded', () => {
  it('reads a small file, refuses a large one before reading, types missing files and directories', async () => {
    const dir = tmpDir();
    const f = join(dir, 'f');
    writeFileSync(f, 'hello');
    expect((await readFileBounded(f, 5, 'file')).toString()).toBe('hello');
    expect(await codeOfAsync(readFileBounded(f, 4, 'file'))).toBe('too-large');
    expect(await codeOfAsync(readFileBounded(join(dir, 'none'), 4, 'file'))).toBe('not-found');
    expect(await codeOfAsync(readFileBounded(dir, 4, 'file'))).toBe('io-error');
  });

  it.skipIf(!HAS_DEV_ZERO)('stops /dev/zero at the cap, and stops when aborted', async () => {
    expect(await codeOfAsync(readFileBounded('/dev/zero', 1 << 20, 'file'))).toBe('too-large');
    const c = new AbortController();
    c.abort();
    expect(await codeOfAsync(readFileBounded('/dev/zero', 1 << 30, 'file', c.signal))).toBe('aborted');
  });
});

describe('readChunks / boundedLines', () => {
  it('refuses stdin beyond the cap without pulling the rest', async () => {
    const pulled = { bytes: 0 };
    expect(await codeOfAsync(readChunks(hugeLine(600 << 20, pulled)(), 4 << 20, 'stdin'))).toBe('too-large');
    expect(pulled.bytes).toBeLessThanOrEqual(5 << 20);
  });

  it('splits lines across chunks, strips CR, and reports an overlong line by its size', async () => {
    const chunks = async function* () {
      yield Buffer.from('ab');
      yield Buffer.from('c\r\n\nxxxxxxxx');
      yield Buffer.from('xx\nlast');
    };
    const got: unknown[] = [];
    for await (const l of boundedLines(chunks(), 5)) got.push(l);
    expect(got).toEqual(['abc', '', { overlong: true, bytes: 10 }, 'last']);
  });
});

describe('commands on unbounded input', () => {
  it('event verify answers a 600 MB line too-large and keeps going (no RangeError)', async () => {
    const pulled = { bytes: 0 };
    const big = hugeLine(600 << 20, pulled);
    const r = await runCli(['event', 'verify'], {
      stdin: async function* () {
        yield* big();
        yield Buffer.from('{"not":"an event"}\n');
      },
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('');
    expect(r.json).toEqual([
      expect.objectContaining({ id: null, ok: false, code: 'too-large' }),
      expect.objectContaining({ ok: false, code: 'bad-shape' }),
    ]);
    expect(pulled.bytes).toBeGreaterThanOrEqual(600 << 20); // streamed through, never held
  }, 120_000);

  it.skipIf(!HAS_DEV_ZERO)('route --offers /dev/zero and mint fingerprint /dev/zero are too-large', async () => {
    const route = await runCli([
      'route',
      '--offers',
      '/dev/zero',
      '--from',
      HEX,
      '--to',
      HEX,
      '--unit',
      'usd@n1',
      '--amount',
      '1',
      '--json',
    ]);
    expect([route.code, jsonError(route)?.code]).toEqual([3, 'too-large']);
    const mint = await runCli(['mint', 'fingerprint', '/dev/zero', '--json']);
    expect([mint.code, jsonError(mint)?.code]).toEqual([3, 'too-large']);
  });

  it('a directory is io-error, a missing file not-found', async () => {
    const dir = tmpDir();
    const mint = await runCli(['mint', 'fingerprint', dir, '--json']);
    expect([mint.code, jsonError(mint)?.code]).toEqual([1, 'io-error']);
    expect(jsonError(mint)?.message).toContain('directory');
    const route = await runCli([
      'route',
      '--offers',
      dir,
      '--from',
      HEX,
      '--to',
      HEX,
      '--unit',
      'usd@n1',
      '--amount',
      '1',
      '--json',
    ]);
    expect([route.code, jsonError(route)?.code]).toEqual([1, 'io-error']);
    const list = await runCli(['offer', 'list', '--events', dir, '--json']);
    expect([list.code, jsonError(list)?.code]).toEqual([1, 'io-error']);
    const missing = await runCli(['mint', 'fingerprint', join(dir, 'none'), '--json']);
    expect([missing.code, jsonError(missing)?.code]).toEqual([1, 'not-found']);
  });

  it('secrets on stdin are capped too', async () => {
    const pulled = { bytes: 0 };
    const r = await runCli(['init', '--mnemonic-stdin', '--password-stdin', '--home', join(tmpDir(), 'h'), '--json'], {
      stdin: hugeLine(600 << 20, pulled),
    });
    expect([r.code, jsonError(r)?.code]).toEqual([3, 'too-large']);
    expect(pulled.bytes).toBeLessThanOrEqual(2 << 20);
  });
});
