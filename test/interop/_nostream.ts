/**
 * nostream, a production relay nobody here wrote (../shared/relays), for the interop suite.
 * `.ci/run` starts it with `../shared/relays/nostream.sh start PORT` and exports its URL as
 * OTP2P_NOSTREAM_URL; without the folder, or without the URL, the suite skips and says why.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { sharedPath } from '../helpers/shared.ts';

/** The start script beside nostream's source. */
export const NOSTREAM_SH = sharedPath('relays', 'nostream.sh');

/** nostream's URL, when one was started for this run. */
export const NOSTREAM_URL = process.env.OTP2P_NOSTREAM_URL;

/** Why the interop suite is skipped, or undefined when it runs. */
export const NOSTREAM_SKIP: string | undefined = !existsSync(NOSTREAM_SH)
  ? `../shared/relays not found at ${NOSTREAM_SH}: the nostream interop suite is skipped`
  : !NOSTREAM_URL
    ? 'OTP2P_NOSTREAM_URL is not set: start nostream as .ci/run does (`../shared/relays/nostream.sh start 8008` with its settings: the per-IP connection limit raised) and export OTP2P_NOSTREAM_URL=ws://127.0.0.1:8008; the nostream interop suite is skipped'
    : undefined;
if (NOSTREAM_SKIP) console.warn(NOSTREAM_SKIP);

/** A second nostream with `nip42.authRequired: true` (OTP2P_NOSTREAM_AUTH_URL), when started. */
export const NOSTREAM_AUTH_URL = process.env.OTP2P_NOSTREAM_AUTH_URL;

/** Why the auth-required part is skipped, or undefined when it runs. */
export const NOSTREAM_AUTH_SKIP: string | undefined =
  NOSTREAM_SKIP ??
  (NOSTREAM_AUTH_URL
    ? undefined
    : 'OTP2P_NOSTREAM_AUTH_URL is not set (a nostream with nip42.authRequired; .ci/run starts one): auth-required interop tests are skipped');
if (NOSTREAM_SKIP === undefined && NOSTREAM_AUTH_SKIP) console.warn(NOSTREAM_AUTH_SKIP);

/** The port of a ws://127.0.0.1:PORT URL. */
export function portOf(url: string): string {
  return new URL(url).port;
}

/**
 * nostream's default settings as .ci/run writes them: this URL, `nip42.authRequired` as asked,
 * and the per-IP connection limits raised (the suite opens far more connections than one user).
 */
export function nostreamSettings(port: number, authRequired: boolean): string {
  const lines = readFileSync(sharedPath('relays', 'nostream', 'resources', 'default-settings.yaml'), 'utf8').split(
    '\n',
  );
  let inConnection = false;
  return lines
    .map((line) => {
      if (/^ {2}connection:/.test(line)) inConnection = true;
      else if (inConnection && /ipWhitelist/.test(line)) inConnection = false;
      if (/^\s*relay_url: /.test(line)) return line.replace(/relay_url: .*/, `relay_url: ws://127.0.0.1:${port}`);
      if (/authRequired: false/.test(line)) return line.replace('false', String(authRequired));
      if (inConnection) return line.replace(/rate: 12$/, 'rate: 120').replace(/rate: 48$/, 'rate: 2400');
      return line;
    })
    .join('\n');
}

/**
 * Start a nostream of this suite's own on `port` (a relay a test may restart without disturbing
 * the shared ones), reusing the build of the one at OTP2P_NOSTREAM_URL when there is one.
 * Bounded: throws when it is not up within 3 minutes.
 */
export function startOwnNostream(port: number, authRequired = false): string {
  const tmp = process.env.TMPDIR ?? '/tmp';
  const work = join(tmp, `nostream-${port}`);
  const built = join(tmp, `nostream-${NOSTREAM_URL ? portOf(NOSTREAM_URL) : '8008'}`, 'src');
  if (!existsSync(join(work, 'src', 'dist', 'src', 'index.js')) && existsSync(join(built, 'dist', 'src', 'index.js'))) {
    mkdirSync(work, { recursive: true });
    execFileSync('cp', ['-a', built, join(work, 'src')]);
  }
  mkdirSync(work, { recursive: true });
  const settings = join(work, 'otp2p-settings.yaml');
  writeFileSync(settings, nostreamSettings(port, authRequired));
  execFileSync('bash', [NOSTREAM_SH, 'start', String(port)], {
    env: { ...process.env, NOSTREAM_SETTINGS: settings },
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 180_000,
  });
  return `ws://127.0.0.1:${port}`;
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * Stop the nostream on `port` (its database survives for the next start) and wait until the port
 * is free, so a start that follows does not find the old process still answering.
 */
export async function stopNostream(port: number): Promise<void> {
  execFileSync('bash', [NOSTREAM_SH, 'stop', String(port)], { stdio: 'ignore', timeout: 30_000 });
  const end = Date.now() + 30_000;
  while (await listening(port)) {
    if (Date.now() > end) throw new Error(`nostream on ${port} still listens 30 s after stop`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
