/**
 * The data folder and the database are owner-only on every start (issue 19, item 5): a folder made
 * by hand with `mkdir -m755`, and database files left 0644, are tightened by `otp2p init` and by
 * the next open. Real CLI runs, real SQLite files.
 */
import { describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openStore } from '../../src/store/db.ts';
import { ensurePrivateDatabase, ensurePrivateDir, ensurePrivateFile } from '../../src/store/private-files.ts';
import { runCli } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';

const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const PW = 'hunter2 but longer';
const mode = (p: string): number => statSync(p).mode & 0o777;

describe.skipIf(process.platform === 'win32')('owner-only data folder and database', () => {
  it('otp2p init in a hand-made 0755 folder leaves it 0700, and a command that opens the database makes it and its WAL files 0600', async () => {
    const home = join(tmpDir(), 'home');
    mkdirSync(home, { mode: 0o755 });
    chmodSync(home, 0o755);
    // Files left loose by an older version or by hand.
    writeFileSync(join(home, 'otp2p.sqlite'), '', { mode: 0o644 });
    chmodSync(join(home, 'otp2p.sqlite'), 0o644);

    const init = await runCli(['init', '--mnemonic-stdin', '--password-stdin', '--json'], {
      stdin: `${ABANDON}\n${PW}\n`,
      env: { OTP2P_HOME: home },
    });
    expect(init.code).toBe(0);
    expect(mode(home)).toBe(0o700);
    expect(mode(join(home, 'vault.json'))).toBe(0o600);
    expect(mode(join(home, 'config.json'))).toBe(0o600);

    chmodSync(home, 0o755);
    const outbox = await runCli(['outbox', '--json'], { env: { OTP2P_HOME: home } });
    expect(outbox.code).toBe(0);
    expect(mode(home)).toBe(0o700);
    for (const f of ['otp2p.sqlite', 'otp2p.sqlite-wal', 'otp2p.sqlite-shm']) {
      if (existsSync(join(home, f))) expect({ f, mode: mode(join(home, f)) }).toEqual({ f, mode: 0o600 });
    }
    expect(existsSync(join(home, 'otp2p.sqlite'))).toBe(true);
  });

  it('openStore creates a new database 0600 (WAL files too) and tightens an existing loose one and its WAL files', async () => {
    const dir = tmpDir();
    const fresh = join(dir, 'fresh.sqlite');
    const s = await openStore(fresh);
    s.raw.prepare('CREATE TABLE t (x)').run();
    for (const f of [fresh, `${fresh}-wal`, `${fresh}-shm`]) expect({ f, mode: mode(f) }).toEqual({ f, mode: 0o600 });
    await s.close();

    const loose = join(dir, 'loose.sqlite');
    const first = await openStore(loose);
    first.raw.prepare('CREATE TABLE t (x)').run();
    // Keep the WAL files on disk (a crashed process leaves them) and loosen everything.
    for (const f of [loose, `${loose}-wal`, `${loose}-shm`]) chmodSync(f, 0o644);
    const second = await openStore(loose);
    for (const f of [loose, `${loose}-wal`, `${loose}-shm`]) expect({ f, mode: mode(f) }).toEqual({ f, mode: 0o600 });
    await second.close();
    await first.close();
  });

  it('the helpers create, tighten, and leave missing files and in-memory databases alone', () => {
    const dir = join(tmpDir(), 'a', 'b');
    ensurePrivateDir(dir);
    expect(mode(dir)).toBe(0o700);
    chmodSync(dir, 0o777);
    ensurePrivateDir(dir);
    expect(mode(dir)).toBe(0o700);
    const f = join(dir, 'f');
    ensurePrivateFile(f);
    expect(existsSync(f)).toBe(false);
    ensurePrivateFile(f, true);
    expect(mode(f)).toBe(0o600);
    chmodSync(f, 0o666);
    ensurePrivateFile(f);
    expect(mode(f)).toBe(0o600);
    ensurePrivateDatabase(':memory:', true);
    expect(existsSync(':memory:')).toBe(false);
  });

  it('a folder it cannot create gives io-error naming it', () => {
    const file = join(tmpDir(), 'file');
    writeFileSync(file, 'x');
    expect(() => ensurePrivateDir(join(file, 'sub'))).toThrowError(
      expect.objectContaining({ code: 'io-error', message: expect.stringContaining(join(file, 'sub')) }),
    );
  });
});
