/** The process-backed {@link CliIo}, and output helpers shared by commands. */
import { createInterface } from 'node:readline';
import type { CliIo, CommandContext } from './command.ts';

/** Streams of the current process. */
export function processIo(): CliIo {
  return {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    stdinLines: () => createInterface({ input: process.stdin, crlfDelay: Infinity }),
    isTTY: process.stderr.isTTY === true,
    env: process.env,
  };
}

/** Print one JSON value as a line on stdout. bigint values become decimal strings. */
export function printJson(ctx: Pick<CommandContext, 'io'>, value: unknown): void {
  ctx.io.stdout(`${JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}\n`);
}

/** Print `rows` as an aligned text table on stdout. */
export function printTable(ctx: Pick<CommandContext, 'io'>, header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  ctx.io.stdout(`${[line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')}\n`);
}

/**
 * A progress reporter for long work: rewrites one line on an interactive terminal, stays
 * silent when stderr is piped or `--json` is on.
 */
export function progress(ctx: Pick<CommandContext, 'io' | 'json'>, label: string): { update(done: number, total?: number): void; done(): void } {
  const active = ctx.io.isTTY && !ctx.json;
  let last = 0;
  return {
    update(done, total) {
      if (!active) return;
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      ctx.io.stderr(`\r${label}: ${done}${total !== undefined ? `/${total}` : ''}`);
    },
    done() {
      if (active) ctx.io.stderr('\r\x1b[K');
    },
  };
}
