/** The process-backed {@link CliIo}, and output helpers shared by commands. */
import type { CliIo, CommandContext } from './command.ts';
import { escapeJsonText, sanitizeLine } from './sanitize.ts';
import { askTerminal } from './terminal.ts';

/** Streams of the current process. */
export function processIo(): CliIo {
  return {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    stdin: () => process.stdin,
    isTTY: process.stderr.isTTY === true,
    terminal: (t) => void process.stderr.write(t),
    stdoutIsTTY: process.stdout.isTTY === true,
    askTerminal: askTerminal,
    env: process.env,
  };
}

/**
 * Print one JSON value as a line on stdout. bigint values become decimal strings; characters a
 * terminal may act on are escaped (the line stays exact JSON).
 */
export function printJson(ctx: Pick<CommandContext, 'io'>, value: unknown): void {
  ctx.io.stdout(
    `${escapeJsonText(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)))}\n`,
  );
}

/**
 * Print `rows` as an aligned text table on stdout. Every cell is shown on one line with its
 * control characters visible (cells often hold network data: names, ids, message text).
 */
export function printTable(ctx: Pick<CommandContext, 'io'>, header: string[], cells: string[][]): void {
  const rows = cells.map((r) => r.map(sanitizeLine));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  ctx.io.stdout(`${[line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')}\n`);
}

/**
 * A progress reporter for long work: rewrites one line on an interactive terminal, stays
 * silent when stderr is piped or `--json` is on.
 */
export function progress(
  ctx: Pick<CommandContext, 'io' | 'json'>,
  label: string,
): { update(done: number, total?: number): void; done(): void } {
  const active = ctx.io.isTTY && !ctx.json;
  let last = 0;
  return {
    update(done, total) {
      if (!active) return;
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      (ctx.io.terminal ?? ctx.io.stderr)(`\r${label}: ${done}${total !== undefined ? `/${total}` : ''}`);
    },
    done() {
      if (active) (ctx.io.terminal ?? ctx.io.stderr)('\r\x1b[K');
    },
  };
}
