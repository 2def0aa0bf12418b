/**
 * The shape of a CLI command. One file per subcommand under `commands/` exports a
 * {@link CommandDef}; `main.ts` lists them lazily so `otp2p --help` loads almost nothing.
 */
import type { Home } from './home.ts';

/** A command-line option. */
export interface OptionDef {
  type: 'string' | 'boolean';
  description: string;
  short?: string;
  multiple?: boolean;
  /** Shown in help; applied by the command, not by the parser. */
  default?: string;
  /** Placeholder shown in help, e.g. `URL`. */
  value?: string;
}

/** A positional argument. */
export interface PositionalDef {
  name: string;
  description: string;
  required?: boolean;
  /** Takes all remaining positionals. */
  variadic?: boolean;
}

/** What a command's `run` receives. */
export interface CommandContext {
  /** Parsed option values (strings, booleans, or string arrays for `multiple`). */
  options: Record<string, string | boolean | string[] | undefined>;
  /** Positionals by name (variadic ones joined into an array under their name). */
  args: Record<string, string | string[] | undefined>;
  /** `--json` was given: print machine output on stdout only. */
  json: boolean;
  /** The data folder (created lazily on first use). */
  home: Home;
  /** Relays from `--relay` (repeatable), or undefined to use the configured list. */
  relays: string[] | undefined;
  io: CliIo;
  /** Aborted on SIGINT/SIGTERM: long-running commands stop cleanly when it fires. */
  signal: AbortSignal;
}

/** Standard streams, injected so commands run in-process in tests. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /**
   * The bytes of stdin as they arrive. Read it through `cli/input.ts` (`readStdinText`,
   * `boundedLines`), which caps what is held in memory.
   */
  stdin: () => AsyncIterable<Uint8Array>;
  /** Whether stderr is an interactive terminal (progress output only then). */
  isTTY: boolean;
  /**
   * Writes to stderr without sanitizing, for the progress line's own carriage return and
   * erase-line sequence only; never pass it text that came from the network or the user.
   */
  terminal?: (text: string) => void;
  /** Whether stdout is an interactive terminal (secrets are printed in clear only then, or with --yes). */
  stdoutIsTTY?: boolean;
  /**
   * Ask the user on the controlling terminal (not stdin, which may carry secrets or data) and
   * return the line typed, or undefined when there is no terminal.
   */
  askTerminal?: (question: string) => Promise<string | undefined>;
  env: Record<string, string | undefined>;
}

/** A command or a group of subcommands. */
export interface CommandDef {
  name: string;
  description: string;
  /** Longer help text shown under the usage line. */
  details?: string;
  options?: Record<string, OptionDef>;
  positionals?: PositionalDef[];
  /** Subcommands: a one-line summary for help, and a lazy loader. */
  subcommands?: Record<string, SubcommandEntry>;
  /** Returns the exit code (0 when undefined). Errors are mapped by `runMain`. */
  run?: (ctx: CommandContext) => Promise<number | void>;
}

/** A subcommand as listed by its parent. */
export interface SubcommandEntry {
  summary: string;
  load: () => Promise<CommandDef>;
}

/** Helper for type inference in command files. */
export function defineCommand(def: CommandDef): CommandDef {
  return def;
}

/** Options every command accepts. */
export const GLOBAL_OPTIONS: Record<string, OptionDef> = {
  home: { type: 'string', description: 'data folder (default $OTP2P_HOME or ~/.otp2p)', value: 'DIR' },
  json: { type: 'boolean', description: 'print JSON on stdout (diagnostics go to stderr)' },
  relay: {
    type: 'string',
    multiple: true,
    description: 'relay URL, repeatable; overrides the configured list',
    value: 'URL',
  },
  help: { type: 'boolean', short: 'h', description: 'show help' },
};
