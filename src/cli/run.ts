/**
 * `runMain`: parse argv against the command tree, run the command, and map errors to exit
 * codes (0 ok, 1 runtime failure, 2 usage error, 3 verification/security failure). With
 * `--json`, a failure prints `{ "error": { code, message } }` on stdout as well.
 */
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { OtP2pError, exitCodeFor } from '../core/errors.ts';
import type { CliIo, CommandContext, CommandDef, OptionDef } from './command.ts';
import { GLOBAL_OPTIONS } from './command.ts';
import { Home } from './home.ts';
import { checkRelayUrl } from '../config.ts';
import { escapeJsonText, sanitizeStream } from './sanitize.ts';

/** Render help for a command at `path` (e.g. ['otp2p', 'mint', 'scan']). */
export function renderHelp(def: CommandDef, path: string[]): string {
  const lines: string[] = [];
  const pos = (def.positionals ?? []).map((p) => {
    const n = p.variadic ? `${p.name}...` : p.name;
    return p.required ? `<${n}>` : `[${n}]`;
  });
  const sub = def.subcommands ? ' <command>' : '';
  lines.push(`${def.description}`, '', `Usage: ${path.join(' ')}${sub}${pos.length ? ` ${pos.join(' ')}` : ''} [options]`);
  if (def.details) lines.push('', def.details);
  if (def.subcommands) {
    lines.push('', 'Commands:');
    for (const [name, entry] of Object.entries(def.subcommands)) lines.push(`  ${name.padEnd(14)} ${entry.summary}`);
    lines.push('', `Run '${path.join(' ')} <command> --help' for a command's options.`);
  }
  if (def.positionals?.length) {
    lines.push('', 'Arguments:');
    for (const p of def.positionals) lines.push(`  ${p.name.padEnd(22)} ${p.description}`);
  }
  const fmt = (name: string, o: OptionDef): string => {
    const flag = `${o.short ? `-${o.short}, ` : ''}--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;
    const extra = [o.multiple ? 'repeatable' : '', o.default !== undefined ? `default ${o.default}` : ''].filter(Boolean).join(', ');
    return `  ${flag.padEnd(30)} ${o.description}${extra ? ` (${extra})` : ''}`;
  };
  if (def.options && Object.keys(def.options).length) {
    lines.push('', 'Options:');
    for (const [n, o] of Object.entries(def.options)) lines.push(fmt(n, o));
  }
  lines.push('', 'Global options:');
  for (const [n, o] of Object.entries(GLOBAL_OPTIONS)) lines.push(fmt(n, o));
  return `${lines.join('\n')}\n`;
}

function usage(message: string, context: Record<string, unknown> = {}): OtP2pError {
  return new OtP2pError('usage', message, { context });
}

/** Resolve the command path from argv (subcommand names come first). */
async function resolveCommand(root: CommandDef, argv: string[]): Promise<{ def: CommandDef; path: string[]; rest: string[] }> {
  let def = root;
  const path = [root.name];
  let i = 0;
  while (def.subcommands && i < argv.length) {
    const word = argv[i] as string;
    if (word.startsWith('-')) break;
    const entry = def.subcommands[word];
    if (!entry) {
      throw new OtP2pError('unknown-command', `unknown command '${[...path.slice(1), word].join(' ')}'; run '${path.join(' ')} --help'`, {
        context: { command: word },
      });
    }
    def = await entry.load();
    path.push(word);
    i++;
  }
  return { def, path, rest: argv.slice(i) };
}

/**
 * `io` with every write to stdout and stderr passed through the output sanitizer: whatever a
 * command prints (network data in tables, messages, errors quoting bad input), no control
 * character reaches the terminal raw. JSON lines are unaffected (they hold no raw controls).
 */
function safeIo(io: CliIo): CliIo {
  return { ...io, stdout: (t) => io.stdout(sanitizeStream(t)), stderr: (t) => io.stderr(sanitizeStream(t)) };
}

/**
 * Run the CLI with `argv` (without `node` and the script). Never throws; returns the exit code.
 */
export async function runMain(root: CommandDef, argv: string[], rawIo: CliIo, signal: AbortSignal): Promise<number> {
  const io = safeIo(rawIo);
  const wantsJson = argv.includes('--json');
  try {
    const { def, path, rest } = await resolveCommand(root, argv);
    const optionDefs = { ...GLOBAL_OPTIONS, ...def.options };
    const config: ParseArgsConfig['options'] = {};
    for (const [name, o] of Object.entries(optionDefs)) {
      config[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
    }
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({ args: rest, options: config, allowPositionals: true, strict: true });
    } catch (cause) {
      throw usage(`${(cause as Error).message}; run '${path.join(' ')} --help'`);
    }
    const values = parsed.values as CommandContext['options'];
    if (values.help || !def.run) {
      if (!values.help && def.subcommands && rest.length === 0 && !def.run) {
        io.stdout(renderHelp(def, path));
        return path.length === 1 ? 0 : 2;
      }
      io.stdout(renderHelp(def, path));
      return 0;
    }
    const args: CommandContext['args'] = {};
    const positionals = [...parsed.positionals];
    for (const p of def.positionals ?? []) {
      if (p.variadic) {
        args[p.name] = positionals.splice(0);
        if (p.required && (args[p.name] as string[]).length === 0) throw usage(`missing argument <${p.name}>; run '${path.join(' ')} --help'`);
      } else {
        const v = positionals.shift();
        if (v === undefined && p.required) throw usage(`missing argument <${p.name}>; run '${path.join(' ')} --help'`, { argument: p.name });
        args[p.name] = v;
      }
    }
    if (positionals.length) throw usage(`unexpected argument '${positionals[0]}'; run '${path.join(' ')} --help'`);
    const relays = values.relay as string[] | undefined;
    relays?.forEach((r, idx) => checkRelayUrl(r, `--relay[${idx}]`));
    const ctx: CommandContext = {
      options: values,
      args,
      json: values.json === true,
      home: Home.resolve(values.home as string | undefined, io.env),
      relays: relays && relays.length ? relays : undefined,
      io,
      signal,
    };
    const code = await def.run(ctx);
    return code ?? 0;
  } catch (err) {
    const e =
      err instanceof OtP2pError ? err : new OtP2pError('internal', `unexpected failure: ${(err as Error)?.message ?? String(err)}`, { cause: err });
    if (wantsJson) io.stdout(`${escapeJsonText(JSON.stringify({ error: e.toJSON() }))}\n`);
    io.stderr(`otp2p: ${e.code}: ${e.message}\n`);
    if (e.code === 'internal' && io.env.OTP2P_DEBUG) io.stderr(`${(err as Error)?.stack ?? ''}\n`);
    return exitCodeFor(e);
  }
}
