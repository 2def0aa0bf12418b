/**
 * Fuzzing the command line: every command (walked from the command tree) with random
 * positionals, options and values, run in-process with `runCli` against a fresh temporary data
 * folder, no identity and no reachable relay (`--relay` is always a closed port on 127.0.0.1, and
 * never generated). The only outcomes allowed are exit 0, or exit 1/2/3 with one typed error line
 * on stderr (a known, non-`internal` code); never a stack trace, never a hang (per-case deadline).
 *
 * Runs: `OTP2P_FUZZ_RUNS` (default 1000, 20-50 s on two cores; the nightly-size run is
 * 100000), seed: `OTP2P_FUZZ_SEED` (printed either way, to replay a failure).
 * Long-running commands (relay, ui, daemon, demo) get an already-aborted signal, so they stop at
 * their first check instead of serving. Path-like values are confined to the temporary folder,
 * devices and the fixtures, so a case never writes outside it.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { root } from '../../src/cli/main.ts';
import type { CommandDef, OptionDef } from '../../src/cli/command.ts';
import { GLOBAL_OPTIONS } from '../../src/cli/command.ts';
import { isErrorCode } from '../../src/core/errors.ts';
import { runCli } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';

const RUNS = Number(process.env.OTP2P_FUZZ_RUNS ?? '1000');
const SEED = process.env.OTP2P_FUZZ_SEED !== undefined ? Number(process.env.OTP2P_FUZZ_SEED) : Date.now() % 2 ** 31;
/** A case taking longer than this is a hang. */
const CASE_DEADLINE_MS = 30_000;
const CLOSED_RELAY = 'ws://127.0.0.1:1';
const PASSWORD = 'fuzz password';
const LONG_RUNNING = new Set(['relay', 'ui', 'daemon', 'demo']);
/** Options whose value names a file or folder: confined to the sandbox. */
const PATH_OPTIONS = new Set(['dir', 'file', 'ot-data', 'db', 'offers', 'events', 'mint', 'other']);
/** Options that would bind or listen: only values that fail validation or ask for any free port. */
const PORT_OPTIONS = new Set(['port', 'ui-port']);
/** Options never generated: the harness sets them (`home`, `relay`) or they would listen elsewhere (`host`). */
const FIXED_OPTIONS = new Set(['home', 'relay', 'host']);
/**
 * Commands whose exit status reports a result printed on stdout rather than an error (documented
 * in their help): `event verify` exits 3 when a line failed verification, `mint check` 3 on
 * equivocation, `pay` and the publishing commands 1 when something is still queued or failed.
 */
const STATUS_EXITS: Record<string, number[]> = {
  'event verify': [3],
  'mint check': [1, 3],
  pay: [1],
  offer: [1],
  'mint attest': [1],
  'mint evidence': [1],
  'follow add': [1],
  'follow remove': [1],
  'follow list': [1],
  'relays set': [1],
  'relays publish': [1],
  // Documented in each command's help: a relay that did not answer in full, or nothing delivered yet.
  sync: [1],
  'offer list': [1],
  'catalog publish': [1],
  'dm send': [1],
  'dm read': [1],
  negotiate: [1],
};

interface Leaf {
  path: string[];
  def: CommandDef;
}

async function leaves(def: CommandDef, path: string[]): Promise<Leaf[]> {
  const out: Leaf[] = def.run ? [{ path, def }] : [];
  for (const [name, entry] of Object.entries(def.subcommands ?? {}))
    out.push(...(await leaves(await entry.load(), [...path, name])));
  return out;
}

const HEX = 'ab'.repeat(32);
const NPUB = 'npub1h8nk2346qezka5cpm8jjh3yl5j88pf4ly2ptu7s6uu55wcfqy0wq36rpev';
const WORDS = [
  '0',
  '1',
  '-1',
  '-5',
  '007',
  '1e400',
  '1e10',
  '0x10',
  '1.5',
  'abc',
  '',
  ' ',
  '9'.repeat(30),
  '18446744073709551616',
  'NaN',
  'Infinity',
  HEX,
  HEX.toUpperCase(),
  NPUB,
  'npub1qqqq',
  'nprofile1qqqq',
  'usd@n1',
  'usd@n1:USD:100',
  'eur@n2:EUR',
  'btc@bitcoin',
  'bitcoin',
  'regtest',
  'USD',
  'USD:100',
  '92/100',
  '0/1',
  '1/0',
  'open',
  'paused',
  'closed',
  'payer',
  'hop',
  'payee',
  'core',
  'bcoin',
  'otx',
  'base62',
  'show',
  'publish',
  'send',
  'read',
  'add',
  'list',
  'withdraw',
  'get',
  'set',
  'address',
  'balance',
  'relays',
  'network',
  'maxHops',
  '["ws://127.0.0.1:1"]',
  '{"a":1}',
  'null',
  'true',
  '\x1b[2J\x07',
  '\u202e',
  'a\nb',
  '--',
  '-',
  '--json',
  'é'.repeat(3),
];

describe('fuzzing the command line', () => {
  it(`${RUNS} random invocations end in exit 0 or a typed error (seed ${SEED})`, {
    timeout: Math.max(120_000, RUNS * 2_000),
  }, async () => {
    console.log(`cli fuzz: OTP2P_FUZZ_SEED=${SEED} OTP2P_FUZZ_RUNS=${RUNS}`);
    const all = (await leaves(root, [])).filter((l) => l.path.length > 0);
    expect(all.map((l) => l.path.join(' '))).toEqual(
      expect.arrayContaining(['dm', 'route', 'mint fingerprint', 'event verify', 'pay', 'notary init']),
    );
    const sandbox = tmpDir('otp2p-fuzz-');
    const files = {
      empty: join(sandbox, 'empty.json'),
      json: join(sandbox, 'offers.json'),
      garbage: join(sandbox, 'garbage'),
      folder: join(sandbox, 'folder'),
    };
    writeFileSync(files.empty, '');
    writeFileSync(files.json, JSON.stringify({ offers: [], follows: {}, accepts: {} }));
    writeFileSync(files.garbage, '\x00\x01{[not json');
    mkdirSync(files.folder);
    // One identity, copied into the data folder of some cases (with the password, they get past
    // the vault: to the relays, which are closed).
    const vaultHome = join(sandbox, 'vault-home');
    const init = await runCli(['init', '--mnemonic-stdin', '--home', vaultHome], {
      stdin: `${'abandon '.repeat(11)}about\n`,
      env: { OTP2P_PASSWORD: PASSWORD },
    });
    expect(init.code, init.stderr).toBe(0);
    let n = 0;
    // Relative paths land in the sandbox: a value-less `--db` or `notary init` takes the next word
    // as its path (the forks pool runs each test file in its own process, so chdir is local).
    const cwd = process.cwd();
    process.chdir(sandbox);
    const pathValue = fc.oneof(
      fc.constantFrom(
        ...Object.values(files),
        join(sandbox, 'missing'),
        '/dev/null',
        ...(process.platform === 'linux' ? ['/dev/zero'] : []),
      ),
      fc.stringMatching(/^[a-z0-9]{1,8}$/).map((s) => join(sandbox, 'p', s)),
    );
    const word = fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...WORDS) },
      { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
      { weight: 1, arbitrary: fc.nat().map(String) },
    );
    const valueFor = (name: string): fc.Arbitrary<string> =>
      PATH_OPTIONS.has(name)
        ? pathValue
        : PORT_OPTIONS.has(name)
          ? fc.constantFrom('0', '', 'abc', '-1', '65536', '1e3', '9'.repeat(20))
          : word;

    const invocation = fc.constantFrom(...all).chain((leaf) => {
      const options: Record<string, OptionDef> = { ...GLOBAL_OPTIONS, ...leaf.def.options };
      const names = Object.keys(options).filter((k) => !FIXED_OPTIONS.has(k));
      const optionArg = fc.oneof(
        {
          weight: 8,
          arbitrary: fc.constantFrom(...names).chain((name) => {
            const o = options[name] as OptionDef;
            if (o.type === 'boolean') return fc.constantFrom([`--${name}`], [`--${name}=x`]);
            return valueFor(name).chain((v) => fc.constantFrom([`--${name}`, v], [`--${name}=${v}`], [`--${name}`]));
          }),
        },
        {
          weight: 1,
          arbitrary: fc.constantFrom(['--jsn'], ['-x'], ['--'], ['--help'], ['-h'], ['--no-such-option=1']),
        },
      );
      // Positionals: the command's own, path-like ones confined to the sandbox.
      const positionals = (leaf.def.positionals ?? []).map((p) => (PATH_OPTIONS.has(p.name) ? pathValue : word));
      return fc.record({
        path: fc.constant(leaf.path),
        positionals: fc.tuple(...positionals.map((a) => fc.option(a, { nil: undefined }))),
        extra: fc.array(word, { maxLength: 1 }),
        options: fc.array(optionArg, { maxLength: 5 }),
        stdin: fc.oneof(
          fc.constant(''),
          fc.string({ maxLength: 200 }),
          fc.constantFrom('{"id":"x"}\n\n[]\n', `${'abandon '.repeat(11)}about\npw\n`),
        ),
        password: fc.boolean(),
        identity: fc.nat(9).map((k) => k === 0),
        globalsFirst: fc.boolean(),
      });
    });

    await fc
      .assert(
        fc.asyncProperty(invocation, async (inv) => {
          const home = join(sandbox, `home-${n++}`);
          if (inv.identity) {
            mkdirSync(home, { mode: 0o700 });
            copyFileSync(join(vaultHome, 'vault.json'), join(home, 'vault.json'));
          }
          const positionals = inv.positionals.filter((p): p is string => p !== undefined);
          // Positionals that look like options would be parsed as options: keep them after `--` only when generated as extra.
          // $OTP2P_HOME too: after a generated `--`, `--home` is a positional and must not fall back to ~/.otp2p.
          const fixed = ['--home', home, '--relay', CLOSED_RELAY];
          const args = [
            ...positionals.filter((p) => !p.startsWith('-')),
            ...inv.options.flat(),
            ...inv.extra.filter((p) => !p.startsWith('-')),
          ];
          // Global options may also come before the command (otp2p --home DIR init).
          // (Before a generated `--` they would turn positional: then they go first.)
          const argv =
            inv.globalsFirst || args.includes('--')
              ? [...fixed, ...inv.path, ...args]
              : [...inv.path, ...args, ...fixed];
          const controller = new AbortController();
          if (LONG_RUNNING.has(inv.path[0] as string)) controller.abort();
          let timer: NodeJS.Timeout | undefined;
          const r = await Promise.race([
            runCli(argv, {
              stdin: inv.stdin,
              env: { OTP2P_HOME: home, ...(inv.password ? { OTP2P_PASSWORD: PASSWORD } : {}) },
              signal: controller.signal,
            }),
            new Promise<'hang'>((resolve) => (timer = setTimeout(() => resolve('hang'), CASE_DEADLINE_MS))),
          ]).finally(() => clearTimeout(timer));
          if (r === 'hang') throw new Error(`no answer within ${CASE_DEADLINE_MS} ms: ${JSON.stringify(argv)}`);
          const what = `${JSON.stringify(argv)} -> exit ${r.code}\n${r.stderr}`;
          expect([0, 1, 2, 3], what).toContain(r.code);
          expect(r.stderr, what).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/); // no stack trace
          expect(r.stderr + r.stdout, what).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/); // nothing raw reaches the terminal
          if (r.code !== 0) {
            const m = /(?:^|\n)otp2p: ([a-z0-9-]+): /.exec(r.stderr);
            if (m === null) {
              // A result, not an error: only where documented, and with the result on stdout.
              expect(STATUS_EXITS[inv.path.join(' ')] ?? [], what).toContain(r.code);
              expect(r.stdout.length, what).toBeGreaterThan(0);
            } else {
              const code = m[1] as string;
              expect(isErrorCode(code) && code !== 'internal', what).toBe(true);
            }
          }
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      )
      .finally(() => process.chdir(cwd));
  });
});
