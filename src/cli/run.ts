/**
 * `runMain`: parse argv against the command tree, run the command, and map errors to exit
 * codes (0 ok, 1 runtime failure, 2 usage error, 3 verification/security failure). With
 * `--json`, a failure prints `{ "error": { code, message } }` on stdout as well.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { OtP2pError, exitCodeFor } from '../core/errors.ts';
import type { CliIo, CommandContext, CommandDef, OptionDef } from './command.ts';
import { GLOBAL_OPTIONS } from './command.ts';
import { Home } from './home.ts';
import { normalizeRelayUrl } from '../core/relay-url.ts';
import { escapeJsonText, sanitizeStream } from './sanitize.ts';

/** Render help for a command at `path` (e.g. ['otp2p', 'mint', 'scan']). */
export function renderHelp(def: CommandDef, path: string[]): string {
  const lines: string[] = [];
  const pos = (def.positionals ?? []).map((p) => {
    const n = p.variadic ? `${p.name}...` : p.name;
    return p.required ? `<${n}>` : `[${n}]`;
  });
  const sub = def.subcommands ? ' <command>' : '';
  lines.push(
    `${def.description}`,
    '',
    `Usage: ${path.join(' ')}${sub}${pos.length ? ` ${pos.join(' ')}` : ''} [options]`,
  );
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
    const extra = [o.multiple ? 'repeatable' : '', o.default !== undefined ? `default ${o.default}` : '']
      .filter(Boolean)
      .join(', ');
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

/** Edit distance, for "did you mean" (names are short: the quadratic table is nothing). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(
        (prev[j] as number) + 1,
        (cur[j - 1] as number) + 1,
        (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    prev = cur;
  }
  return prev[b.length] as number;
}

/** ` (did you mean X?)` for the closest of `names` within two edits (or a prefix), else ''. */
export function didYouMean(word: string, names: readonly string[], prefix = ''): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const n of names) {
    const d = n.startsWith(word) && word.length >= 2 ? 1 : distance(word, n);
    if (d < bestDistance) [best, bestDistance] = [n, d];
  }
  return best === undefined ? '' : ` (did you mean ${prefix}${best}?)`;
}

/**
 * Resolve the command path from argv. Subcommand names come first, but global options (`--home
 * DIR`, `--json`, `--relay URL`, `--help`) may stand before or between them, as in
 * `otp2p --home /tmp/x init`: they are moved after the command path.
 */
async function resolveCommand(
  root: CommandDef,
  argv: string[],
): Promise<{ def: CommandDef; path: string[]; rest: string[] }> {
  let def = root;
  const path = [root.name];
  const globals: string[] = [];
  let i = 0;
  while (def.subcommands && i < argv.length) {
    const word = argv[i] as string;
    if (word.startsWith('-')) {
      const name = word.startsWith('--')
        ? (word.slice(2).split('=')[0] as string)
        : Object.keys(GLOBAL_OPTIONS).find((n) => GLOBAL_OPTIONS[n]?.short === word.slice(1));
      const o = name === undefined ? undefined : GLOBAL_OPTIONS[name];
      if (o === undefined || word === '--') break;
      globals.push(word);
      if (o.type === 'string' && !word.includes('=') && i + 1 < argv.length) globals.push(argv[++i] as string);
      i++;
      continue;
    }
    const entry = def.subcommands[word];
    if (!entry) {
      const hint = didYouMean(word, Object.keys(def.subcommands));
      throw new OtP2pError(
        'unknown-command',
        `unknown command '${[...path.slice(1), word].join(' ')}'${hint}; run '${path.join(' ')} --help'`,
        {
          context: { command: word },
        },
      );
    }
    def = await entry.load();
    path.push(word);
    i++;
  }
  return { def, path, rest: [...globals, ...argv.slice(i)] };
}

/**
 * Check the option tokens before `parseArgs` does, to say plainly what is wrong: an unknown option
 * with the closest known one, a string option missing its value, or a value starting with `-`
 * (which `parseArgs` calls "ambiguous": `--fund -5` is written `--fund=-5`).
 * @throws OtP2pError `usage`.
 */
function checkOptionTokens(rest: readonly string[], defs: Record<string, OptionDef>, path: string[]): void {
  const help = `; run '${path.join(' ')} --help'`;
  const names = Object.keys(defs);
  for (let i = 0; i < rest.length; i++) {
    const t = rest[i] as string;
    if (t === '--') return;
    if (!t.startsWith('-') || t === '-') continue;
    let name: string | undefined;
    let inline: boolean;
    if (t.startsWith('--')) {
      const eq = t.indexOf('=');
      name = t.slice(2, eq === -1 ? undefined : eq);
      inline = eq !== -1;
    } else {
      name = names.find((n) => defs[n]?.short === t.slice(1, 2));
      inline = t.length > 2;
      if (name === undefined) throw usage(`unknown option '${t.slice(0, 2)}'${help}`, { option: t.slice(0, 2) });
    }
    const o = defs[name];
    if (o === undefined)
      throw usage(`unknown option '--${name}'${didYouMean(name, names, '--')}${help}`, { option: name });
    if (o.type === 'boolean' && inline) throw usage(`--${name} takes no value${help}`, { option: name });
    if (o.type === 'string' && !inline) {
      const v = rest[i + 1];
      if (v === undefined) throw usage(`--${name} needs a value (${o.value ?? 'VALUE'})${help}`, { option: name });
      if (v.startsWith('-') && v !== '-')
        throw usage(`--${name} needs a value; for a value starting with '-', write --${name}=${v}${help}`, {
          option: name,
        });
      i++;
    }
  }
}

/** The package version, for `--version`. */
function packageVersion(): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    const v = (pkg as { version?: unknown }).version;
    return typeof v === 'string' ? v : 'unknown';
  } catch {
    return 'unknown';
  }
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
      config[name] = {
        type: o.type,
        ...(o.short ? { short: o.short } : {}),
        ...(o.multiple ? { multiple: true } : {}),
      };
    }
    if (path.length === 1 && rest.length === 1 && rest[0] === '--version') {
      io.stdout(`otp2p ${packageVersion()}\n`);
      return 0;
    }
    checkOptionTokens(rest, optionDefs, path);
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({ args: rest, options: config, allowPositionals: true, strict: true });
    } catch (cause) {
      throw usage(`${(cause as Error).message}; run '${path.join(' ')} --help'`);
    }
    const values = parsed.values as CommandContext['options'];
    if (values.help || !def.run) {
      if (!values.help && def.subcommands && !def.run) {
        // No command named: the help, and a usage exit (a script calling `otp2p` alone is a mistake).
        io.stdout(renderHelp(def, path));
        return 2;
      }
      io.stdout(renderHelp(def, path));
      return 0;
    }
    const args: CommandContext['args'] = {};
    const positionals = [...parsed.positionals];
    for (const p of def.positionals ?? []) {
      if (p.variadic) {
        args[p.name] = positionals.splice(0);
        if (p.required && (args[p.name] as string[]).length === 0)
          throw usage(`missing argument <${p.name}>; run '${path.join(' ')} --help'`);
      } else {
        const v = positionals.shift();
        if (v === undefined && p.required)
          throw usage(`missing argument <${p.name}>; run '${path.join(' ')} --help'`, { argument: p.name });
        args[p.name] = v;
      }
    }
    if (positionals.length) throw usage(`unexpected argument '${positionals[0]}'; run '${path.join(' ')} --help'`);
    // An empty --home would resolve to the current directory: a vault written where the user stands.
    if (values.home === '')
      throw usage(`--home needs a folder, got ""; run '${path.join(' ')} --help'`, { option: 'home' });
    // Canonical form, as in config.json: one relay spelled two ways is one relay (one connection).
    const relays = (values.relay as string[] | undefined)?.map((r, idx) => normalizeRelayUrl(r, `--relay[${idx}]`));
    const ctx: CommandContext = {
      options: values,
      args,
      json: values.json === true,
      home: Home.resolve(values.home as string | undefined, io.env),
      relays: relays?.length ? relays : undefined,
      io,
      signal,
    };
    const code = await def.run(ctx);
    return code ?? 0;
  } catch (err) {
    const e =
      err instanceof OtP2pError
        ? err
        : new OtP2pError('internal', `unexpected failure: ${(err as Error)?.message ?? String(err)}`, { cause: err });
    if (wantsJson) io.stdout(`${escapeJsonText(JSON.stringify({ error: e.toJSON() }))}\n`);
    io.stderr(`otp2p: ${e.code}: ${e.message}\n`);
    if (e.code === 'internal' && io.env.OTP2P_DEBUG) io.stderr(`${(err as Error)?.stack ?? ''}\n`);
    return exitCodeFor(e);
  }
}
