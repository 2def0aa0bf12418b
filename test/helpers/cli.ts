/**
 * Running the CLI in tests: in-process through `runMain` (fast, same code path as the binary)
 * or as a child process (for kill -9 and signal tests).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { root } from '../../src/cli/main.ts';
import { runMain } from '../../src/cli/run.ts';
import type { CliIo } from '../../src/cli/command.ts';
import { PROJECT_ROOT } from './shared.ts';

/** What an in-process run printed and returned. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON lines (non-JSON lines are skipped). */
  json: unknown[];
}

/**
 * Run `otp2p <argv>` in-process with the given stdin (text, or chunks produced on demand) and
 * environment.
 */
export async function runCli(
  argv: string[],
  options: {
    stdin?: string | (() => AsyncIterable<Uint8Array>);
    env?: Record<string, string | undefined>;
    signal?: AbortSignal;
    /** A terminal for the command: stdout is a TTY, and questions get these answers. */
    terminal?: Pick<CliIo, 'stdoutIsTTY' | 'askTerminal'>;
    /** Sees stderr as it is written (e.g. a pairing URI the test must answer while the command waits). */
    onStderr?: (text: string) => void;
  } = {},
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const stdin = options.stdin;
  const io: CliIo = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
      options.onStderr?.(t);
    },
    stdin:
      typeof stdin === 'function'
        ? stdin
        : async function* () {
            if (stdin) yield Buffer.from(stdin, 'utf8');
          },
    isTTY: false,
    ...options.terminal,
    env: { ...options.env },
  };
  const code = await runMain(root, argv, io, options.signal ?? new AbortController().signal);
  const json: unknown[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.trim()) continue;
    try {
      json.push(JSON.parse(line));
    } catch {
      // human output line
    }
  }
  return { code, stdout, stderr, json };
}

/** Spawn `otp2p <argv>` as a child process running the TypeScript sources through tsx. */
export function spawnCli(argv: string[], env: Record<string, string | undefined> = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'src/cli/main.ts'), ...argv], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}
