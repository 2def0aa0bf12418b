/**
 * `otp2p dm` against hostile input, in-process on an embedded relay (127.0.0.1): a stranger's
 * message full of terminal escape sequences is shown visibly, never interpreted; numeric options
 * are validated before anything runs, with exact codes.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shortNpub } from '../../src/events/names.ts';
import { deriveIdentity } from '../../src/keys/index.ts';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import type { EmbeddedRelay } from '../../src/relays/embedded.ts';
import { runCli } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';

const PW = 'correct horse battery staple';
const ALICE = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const BOB = 'legal winner thank year wave sausage worth useful legal winner thank yellow';
const env = { OTP2P_PASSWORD: PW };
/** Clear screen, red, cursor home, a fake "from" column, bell, an OSC title, C1 CSI and a bidi override. */
const HOSTILE = '\x1b[2J\x1b[31mhi\rnpub1friend\x1b[H\x07\x1b]0;pwned\x07\u009b2J\u202eevil\nsecond line';
/** Every byte a terminal could act on, except the newline ending each output line. */
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('otp2p dm with hostile input', () => {
  let relay: EmbeddedRelay;
  const dir = tmpDir();
  const homes = { alice: join(dir, 'alice'), bob: join(dir, 'bob') };
  const alice = deriveIdentity(ALICE);
  const bob = deriveIdentity(BOB);
  const cli = (who: 'alice' | 'bob', args: string[]) =>
    runCli([...args, '--home', homes[who], '--relay', relay.url], { env });

  beforeAll(async () => {
    relay = await startEmbeddedRelay();
    for (const [who, m] of [
      ['alice', ALICE],
      ['bob', BOB],
    ] as const) {
      const r = await runCli(['init', '--mnemonic-stdin', '--password-stdin', '--json', '--home', homes[who]], {
        stdin: `${m}\n${PW}\n`,
      });
      expect(r.code, r.stderr).toBe(0);
    }
  }, 60_000);
  afterAll(async () => {
    await relay.close();
  });

  it('dm read shows escape sequences, BEL, C1 and bidi controls visibly, one row per message', {
    timeout: 180_000,
  }, async () => {
    const sent = await cli('alice', ['dm', 'send', bob.npub, HOSTILE]);
    expect(sent.code, sent.stderr).toBe(0);
    const read = await cli('bob', ['dm', 'read']);
    expect(read.code, read.stderr).toBe(0);
    expect(read.stdout).not.toMatch(RAW_CONTROL);
    expect(read.stderr).not.toMatch(RAW_CONTROL);
    expect(read.stdout).toContain('␛[2J␛[31mhi␍npub1friend␛[H␇␛]0;pwned␇\\u{9b}2J\\u{202e}evil␊second line');
    // header, rule, one message: the newline inside the text does not forge a second row
    const lines = read.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    // The sender by name: no profile, no petname, so a short npub (never hex).
    expect(lines[2]).toContain(shortNpub(alice.pubkey));

    // JSON stays exact: the text parses back byte for byte, and no raw control is on stdout.
    const json = await cli('bob', ['dm', 'read', '--json']);
    expect(json.stdout).not.toMatch(RAW_CONTROL);
    expect(json.json).toEqual([expect.objectContaining({ from: alice.npub, text: HOSTILE })]);
  });

  it('validates --limit and --timeout before reading, with exact codes', { timeout: 180_000 }, async () => {
    for (const [opt, value] of [
      ['--limit', '1e400'],
      ['--limit', '0'],
      ['--limit', '-1'],
      ['--limit', '100001'],
      ['--timeout', '1e10'],
      ['--timeout', 'abc'],
      ['--timeout', '0x10'],
      ['--timeout', '600001'],
      ['--timeout', ''],
    ] as const) {
      const r = await cli('bob', ['dm', 'read', `${opt}=${value}`, '--json']);
      expect([opt, value, r.code]).toEqual([opt, value, 2]);
      expect(r.json[0]).toMatchObject({ error: { code: 'usage', context: { field: opt } } });
      expect(r.stderr).toContain(`${opt} must be an integer in`);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    const ok = await cli('bob', ['dm', 'read', '--limit', '1', '--timeout', '2000', '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.json).toHaveLength(1);
  });

  it('refuses a malformed recipient with its exact code', async () => {
    expect((await cli('alice', ['dm', 'send', 'npub1qqqq', 'x', '--json'])).json[0]).toMatchObject({
      error: { code: 'bad-bech32' },
    });
    expect((await cli('alice', ['dm', 'send', 'bob', 'x', '--json'])).json[0]).toMatchObject({
      error: { code: 'bad-hex' },
    });
    expect((await cli('alice', ['dm', 'frobnicate', '--json'])).json[0]).toMatchObject({ error: { code: 'usage' } });
  });
});
