/**
 * nostream, a production relay nobody here wrote (../shared/relays), for the interop suite.
 * `.ci/run` starts it with `../shared/relays/nostream.sh start PORT` and exports its URL as
 * OTP2P_NOSTREAM_URL; without the folder, or without the URL, the suite skips and says why.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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

/** Restart the nostream behind `url` (stop, then start; its database survives). */
export function restartNostream(url: string): void {
  const port = portOf(url);
  execFileSync('bash', [NOSTREAM_SH, 'stop', port], { stdio: 'ignore' });
  execFileSync('bash', [NOSTREAM_SH, 'start', port], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 120_000 });
}
