/**
 * The output sanitizer: nothing a terminal may act on reaches it raw, JSON stays exact JSON, and
 * every stdout/stderr write of the CLI goes through it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeJsonText, sanitizeLine, sanitizeStream } from '../../src/cli/sanitize.ts';
import { printJson, printTable } from '../../src/cli/io.ts';
import type { CliIo, CommandContext } from '../../src/cli/command.ts';
import { runCli } from '../helpers/cli.ts';

const C0_NO_NL_TAB = /[\u0000-\u0008\u000b-\u001f]/;
const TERMINAL_ACTIVE =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069]/;

function capture(): { ctx: Pick<CommandContext, 'io'>; out: () => string } {
  let out = '';
  const io: CliIo = {
    stdout: (t) => void (out += t),
    stderr: () => {},
    stdin: async function* () {},
    isTTY: false,
    env: {},
  };
  return { ctx: { io }, out: () => out };
}

describe('sanitizeStream / sanitizeLine', () => {
  it('shows C0 controls as control pictures, DEL as ␡, C1 and bidi as \\u{..}', () => {
    expect(sanitizeStream('\x1b[2J\x1b[31mred\x07')).toBe('␛[2J␛[31mred␇');
    expect(sanitizeStream('a\rb\x00c\x7fd')).toBe('a␍b␀c␡d');
    expect(sanitizeStream('\u009b2J \u202eabc\u2066 \u2028')).toBe('\\u{9b}2J \\u{202e}abc\\u{2066} \\u{2028}');
    expect(sanitizeStream('two\nlines\tand a tab')).toBe('two\nlines\tand a tab');
    expect(sanitizeLine('two\nlines\tand a tab\r')).toBe('two␊lines␉and a tab␍');
  });

  it('leaves ordinary text alone, including non-Latin scripts and emoji', () => {
    for (const s of ['hello, world', 'Grüße ✓ 100 €', 'ありがとう', 'مرحبا', '🙂 npub1xyz']) {
      expect(sanitizeStream(s)).toBe(s);
      expect(sanitizeLine(s)).toBe(s);
    }
  });

  it('never lets a terminal-active character through (any string)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        expect(sanitizeLine(s)).not.toMatch(TERMINAL_ACTIVE);
        expect(sanitizeLine(s)).not.toMatch(/[\n\t]/);
        expect(sanitizeStream(s)).not.toMatch(TERMINAL_ACTIVE);
      }),
      { numRuns: 500 },
    );
  });
});

describe('JSON output', () => {
  it('stays exact JSON and escapes what JSON.stringify leaves raw', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        const c = capture();
        printJson(c.ctx, { text: s, n: 5n });
        const line = c.out();
        expect(line.endsWith('\n')).toBe(true);
        expect(line.slice(0, -1)).not.toMatch(TERMINAL_ACTIVE);
        expect(line.slice(0, -1)).not.toContain('\n');
        expect(JSON.parse(line)).toEqual({ text: s, n: '5' });
      }),
      { numRuns: 500 },
    );
    expect(escapeJsonText(JSON.stringify('\u009b\u202e'))).toBe('"\\u009b\\u202e"');
  });
});

describe('printTable', () => {
  it('keeps one row per record and aligns on the visible text', () => {
    const c = capture();
    printTable(
      c.ctx,
      ['from', 'text'],
      [
        ['npub1a', 'line one\nline two\x1b[2K'],
        ['npub1b', 'ok'],
      ],
    );
    const lines = c.out().trimEnd().split('\n');
    const cell = 'line one␊line two␛[2K';
    expect(lines).toEqual(['from    text', `------  ${'-'.repeat(cell.length)}`, `npub1a  ${cell}`, 'npub1b  ok']);
    expect(c.out()).not.toMatch(C0_NO_NL_TAB);
  });
});

describe('runMain', () => {
  it('sanitizes everything it writes, errors quoting bad input included', async () => {
    const r = await runCli(['\x1b[2Jfrob\x07']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command '␛[2Jfrob␇'");
    expect(r.stderr).not.toMatch(C0_NO_NL_TAB);
    const j = await runCli(['\x1b[2Jfrob\u009b', '--json']);
    expect(j.stdout).not.toMatch(TERMINAL_ACTIVE);
    expect(j.json[0]).toMatchObject({ error: { code: 'unknown-command', context: { command: '\x1b[2Jfrob\u009b' } } });
    const opt = await runCli(['config', 'list', '--\x1b]0;x\x07']);
    expect(opt.code).toBe(2);
    expect(opt.stderr).not.toMatch(C0_NO_NL_TAB);
  });
});
