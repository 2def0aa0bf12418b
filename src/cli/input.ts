/**
 * Bounded input for commands: files and stdin are read in chunks that stop at a size cap, so
 * `/dev/zero`, a 600 MB line or a huge file ends in a typed `too-large` instead of exhausting
 * memory (a `RangeError` or `std::bad_alloc`), and the read checks the command's abort signal
 * between chunks so Ctrl-C and SIGTERM still work. A regular file's size is checked before the
 * first byte is read; a directory or an unreadable path is `io-error`, a missing one `not-found`.
 */
import { open } from 'node:fs/promises';
import { OtP2pError } from '../core/errors.ts';
import type { CommandContext } from './command.ts';

/** Most bytes read from stdin for secrets (a mnemonic, a password, a passphrase: a few lines). */
export const MAX_SECRETS_STDIN_BYTES = 64 << 10;

const CHUNK = 1 << 20;

/** A stream in text mode (`setEncoding`) yields strings: count and split them as UTF-8 bytes. */
const asBytes = (chunk: Uint8Array | string): Uint8Array =>
  typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;

function aborted(what: string): OtP2pError {
  return new OtP2pError('aborted', `stopped reading ${what}: interrupted`, { context: { what } });
}

function tooLarge(what: string, max: number): OtP2pError {
  return new OtP2pError('too-large', `${what} is larger than ${max} bytes`, { context: { what, max } });
}

/**
 * `source` until `signal` fires: a pending read (stdin waiting for input that may never come) is
 * abandoned at once, so SIGTERM stops a command blocked on its input. Yields nothing after that.
 */
export async function* untilAborted<T>(source: AsyncIterable<T>, signal?: AbortSignal): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  if (signal === undefined) {
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
    return;
  }
  let onAbort: (() => void) | undefined;
  const stop = new Promise<'aborted'>((resolve) => {
    onAbort = () => resolve('aborted');
    if (signal.aborted) resolve('aborted');
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    for (;;) {
      const r = await Promise.race([it.next(), stop]);
      if (r === 'aborted' || r.done) break;
      yield r.value;
    }
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
    if (signal.aborted) void Promise.resolve(it.return?.()).catch(() => undefined);
  }
}

/**
 * All of `chunks` as one buffer, refusing more than `max` bytes (stops reading at the cap).
 * @throws OtP2pError `too-large`, `aborted` when `signal` fires.
 */
export async function readChunks(
  chunks: AsyncIterable<Uint8Array | string>,
  max: number,
  what: string,
  signal?: AbortSignal,
): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const raw of untilAborted(chunks, signal)) {
    const chunk = asBytes(raw);
    total += chunk.length;
    if (total > max) throw tooLarge(what, max);
    parts.push(chunk);
  }
  if (signal?.aborted) throw aborted(what);
  return Buffer.concat(parts, total);
}

/**
 * All of stdin as UTF-8 text, at most `max` bytes.
 * @throws OtP2pError `too-large`, `aborted`.
 */
export async function readStdinText(
  ctx: Pick<CommandContext, 'io' | 'signal'>,
  max: number,
  what = 'stdin',
): Promise<string> {
  return (await readChunks(ctx.io.stdin(), max, what, ctx.signal)).toString('utf8');
}

/** A line longer than the cap: skipped (its bytes discarded as they arrive), with its length. */
export interface OverlongLine {
  overlong: true;
  /** Bytes in the line (without the newline). */
  bytes: number;
}

/**
 * The lines of `chunks` (split on `\n`, a trailing `\r` removed), each at most `maxLineBytes`
 * bytes; a longer line is yielded as an {@link OverlongLine} and never held in memory whole.
 * Ends (without the unfinished last line) when `signal` fires, even while waiting for input.
 */
export async function* boundedLines(
  chunks: AsyncIterable<Uint8Array | string>,
  maxLineBytes: number,
  signal?: AbortSignal,
): AsyncGenerator<string | OverlongLine> {
  let held: Uint8Array[] = [];
  let heldBytes = 0;
  let overlong = 0; // bytes of the current line once it went over the cap, 0 before
  const add = (part: Uint8Array): void => {
    if (overlong > 0) overlong += part.length;
    else if (heldBytes + part.length > maxLineBytes) {
      overlong = heldBytes + part.length;
      held = [];
      heldBytes = 0;
    } else if (part.length > 0) {
      held.push(part);
      heldBytes += part.length;
    }
  };
  const finish = (): string | OverlongLine => {
    if (overlong > 0) {
      const bytes = overlong;
      overlong = 0;
      return { overlong: true, bytes };
    }
    const line = Buffer.concat(held, heldBytes).toString('utf8');
    held = [];
    heldBytes = 0;
    return line.endsWith('\r') ? line.slice(0, -1) : line;
  };
  for await (const raw of untilAborted(chunks, signal)) {
    const chunk = asBytes(raw);
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      add(chunk.subarray(start, nl));
      yield finish();
      start = nl + 1;
    }
    add(chunk.subarray(start));
  }
  if (!signal?.aborted && (overlong > 0 || heldBytes > 0)) yield finish();
}

/**
 * A file's bytes, at most `max`: the size of a regular file is checked before reading, and any
 * other file (a device, a pipe) is read in chunks that stop at the cap.
 * @throws OtP2pError `not-found` (no such file), `io-error` (a directory, no permission, a read
 *   error), `too-large`, `aborted` when `signal` fires.
 */
export async function readFileBounded(path: string, max: number, what: string, signal?: AbortSignal): Promise<Buffer> {
  const ioError = (cause: unknown): OtP2pError => {
    const code = (cause as NodeJS.ErrnoException)?.code;
    if (code === 'ENOENT')
      return new OtP2pError('not-found', `no file ${path} (${what})`, { context: { path }, cause });
    return new OtP2pError('io-error', `cannot read ${what} ${path}: ${code ?? 'error'}`, {
      context: { path, errno: code ?? null },
      cause,
    });
  };
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (cause) {
    throw ioError(cause);
  }
  try {
    let stat;
    try {
      stat = await handle.stat();
    } catch (cause) {
      throw ioError(cause);
    }
    if (stat.isDirectory())
      throw new OtP2pError('io-error', `cannot read ${what} ${path}: it is a directory`, {
        context: { path, errno: 'EISDIR' },
      });
    if (stat.isFile() && stat.size > max) throw tooLarge(`${what} ${path}`, max);
    const parts: Buffer[] = [];
    let total = 0;
    for (;;) {
      if (signal?.aborted) throw aborted(`${what} ${path}`);
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, max + 1 - total));
      let n: number;
      try {
        n = (await handle.read(buf, 0, buf.length, null)).bytesRead;
      } catch (cause) {
        throw ioError(cause);
      }
      if (n === 0) break;
      total += n;
      if (total > max) throw tooLarge(`${what} ${path}`, max);
      parts.push(buf.subarray(0, n));
    }
    return Buffer.concat(parts, total);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/**
 * A file as UTF-8 text (see {@link readFileBounded}).
 * @throws OtP2pError as {@link readFileBounded}.
 */
export async function readTextFileBounded(
  path: string,
  max: number,
  what: string,
  signal?: AbortSignal,
): Promise<string> {
  return (await readFileBounded(path, max, what, signal)).toString('utf8');
}
