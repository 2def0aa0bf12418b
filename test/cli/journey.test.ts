/**
 * The newcomer's stumbles on the command line (issue 20, items 1, 2 and 7), each checked through
 * the same code path as the binary (`runMain`): global options before the command, plain `otp2p`,
 * `--version`, `negotiate --amount --unit`, mistyped options, negative values, missing `--amount`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveIdentity } from '../../src/keys/index.ts';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import type { EmbeddedRelay } from '../../src/relays/embedded.ts';
import { runCli } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';

const PW = 'correct horse battery staple';
const ALICE = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const BOB = 'legal winner thank year wave sausage worth useful legal winner thank yellow';
const HEX = 'ab'.repeat(32);

function errorOf(r: { json: unknown[] }): { code: string; message: string } | undefined {
  return (
    r.json.find((j) => (j as { error?: unknown }).error !== undefined) as
      | { error: { code: string; message: string } }
      | undefined
  )?.error;
}

describe('global options and the bare command', () => {
  it('otp2p --home DIR init creates the identity in DIR', async () => {
    const home = join(tmpDir(), 'h');
    const r = await runCli(['--home', home, 'init', '--mnemonic-stdin', '--password-stdin', '--json'], {
      stdin: `${ALICE}\n${PW}\n`,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(home, 'vault.json'))).toBe(true);
    const who = await runCli(['--json', `--home=${home}`, 'whoami'], { env: { OTP2P_PASSWORD: PW } });
    expect(who.code, who.stderr).toBe(0);
    expect(who.json[0]).toMatchObject({ npub: deriveIdentity(ALICE).npub });
  });

  it('plain otp2p prints the help and exits 2; --version prints the version', async () => {
    const bare = await runCli([]);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toContain('Usage: otp2p <command>');
    const v = await runCli(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^otp2p \d+\.\d+\.\d+/);
    expect((await runCli(['--help'])).code).toBe(0);
  });

  it('an empty --home is refused, not taken as the current directory', async () => {
    const r = await runCli(['--home', '', 'init', '--json'], { env: { OTP2P_PASSWORD: PW } });
    expect(r.code).toBe(2);
    expect(errorOf(r)).toMatchObject({ code: 'usage', context: { option: 'home' } });
  });
});

describe('mistyped options', () => {
  it('an unknown option names the closest one, with balanced quotes', async () => {
    const r = await runCli(['config', 'list', '--jsn']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--jsn' (did you mean --json?)");
    const line = r.stderr.split('\n')[0] as string;
    expect((line.match(/'/g) ?? []).length % 2).toBe(0);
    expect(line).not.toContain('"');
    const cmd = await runCli(['dn', 'read']);
    expect(cmd.stderr).toContain("unknown command 'dn' (did you mean dm?)");
  });

  it('--fund -5 says how to write a negative value, and that value is refused as an amount', async () => {
    const dir = join(tmpDir(), 'n');
    expect((await runCli(['notary', 'init', dir, '--unit', 'USD'])).code).toBe(0);
    const r = await runCli(['notary', 'account', dir, '--owner', 'x', '--unit', 'USD', '--fund', '-5', '--json']);
    expect(r.code).toBe(2);
    expect(errorOf(r)).toMatchObject({ code: 'usage' });
    expect(r.stderr).toContain("--fund needs a value; for a value starting with '-', write --fund=-5");
    expect(r.stderr).not.toContain('ambiguous');
    const neg = await runCli(['notary', 'account', dir, '--owner', 'x', '--unit', 'USD', '--fund=-5', '--json']);
    expect(errorOf(neg)).toMatchObject({
      code: 'bad-amount',
      message: '--fund must be a non-negative integer string, got "-5"',
    });
    const missing = await runCli(['notary', 'account', dir, '--owner', 'x', '--unit']);
    expect(missing.stderr).toContain('--unit needs a value (TLA)');
  });

  it('route without --amount says it is required', async () => {
    const r = await runCli(['route', '--offers', 'x.json', '--from', HEX, '--to', HEX, '--unit', 'usd@n1', '--json']);
    expect(r.code).toBe(2);
    expect(errorOf(r)).toEqual({ code: 'usage', message: '--amount A is required', context: { option: 'amount' } });
  });
});

describe('negotiate --amount with --unit', () => {
  let relay: EmbeddedRelay;
  const dir = tmpDir();
  const homes = { alice: join(dir, 'alice'), bob: join(dir, 'bob') };
  const alice = deriveIdentity(ALICE);
  const cli = (who: 'alice' | 'bob', args: string[]) =>
    runCli([...args, '--home', homes[who], '--relay', relay.url], { env: { OTP2P_PASSWORD: PW } });

  beforeAll(async () => {
    relay = await startEmbeddedRelay();
    for (const [who, m] of [
      ['alice', ALICE],
      ['bob', BOB],
    ] as const) {
      expect(
        (
          await runCli(['init', '--mnemonic-stdin', '--password-stdin', '--home', homes[who]], {
            stdin: `${m}\n${PW}\n`,
          })
        ).code,
      ).toBe(0);
    }
    const pub = await cli('alice', ['catalog', 'publish', '--unit', 'usd@n1:USD:100', '--force', '--json']);
    expect(pub.code, pub.stderr).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await relay.close();
  });

  it('takes the amount unit beside the catalog units, and prints one JSON document without a common asset', async () => {
    const ok = await cli('bob', [
      'negotiate',
      alice.npub,
      '--amount',
      '1000',
      '--unit',
      'USD',
      '--unit',
      'usd@n1:USD:100',
      '--json',
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.json).toEqual([
      expect.objectContaining({ ok: true, options: [expect.objectContaining({ asset: 'usd@n1' })] }),
    ]);
    const twice = await cli('bob', [
      'negotiate',
      alice.npub,
      '--amount',
      '1000',
      '--unit',
      'USD',
      '--unit',
      'EUR',
      '--unit',
      'usd@n1:USD:100',
      '--json',
    ]);
    expect(errorOf(twice)).toMatchObject({ code: 'usage' });
    const none = await cli('bob', ['negotiate', alice.npub, '--unit', 'gld@n3:GLD', '--json']);
    expect(none.code).toBe(1);
    expect(none.json).toEqual([expect.objectContaining({ ok: false, code: 'no-common-asset' })]);
    expect(none.stderr).toContain('otp2p: no-common-asset: ');
    // Read by a person: what each side takes, and the next step (a path across offers).
    const said = await cli('bob', ['negotiate', alice.npub, '--unit', 'gld@n3:GLD']);
    expect(said.code).toBe(1);
    expect(said.stdout).toContain('you can pay in:  GLD@n3');
    expect(said.stdout).toContain('accepts: USD@n1');
    expect(said.stdout).toContain(`otp2p route --to ${alice.npub} --amount A`);
  });
});
