/**
 * `otp2p daemon`: keep this peer online. It opens the peer (vault, configuration, OT wallet) and
 * runs a {@link PeerDaemon} over it (sync and live graph, DM inbox, outbox and payments, mint
 * checks, relay outages weathered), writing `status.json` for `otp2p status` and logging
 * structured lines. SIGINT/SIGTERM stop it cleanly: pending outbox targets and payments are in
 * the database already and resume on the next start.
 */
import { OtP2pError, describeValue, isOtP2pError } from '../../core/errors.ts';
import { PeerDaemon } from '../../daemon/daemon.ts';
import type { DaemonLog } from '../../daemon/daemon.ts';
import type { CommandContext } from '../command.ts';
import { defineCommand } from '../command.ts';
import { printJson, progress } from '../io.ts';
import { openPeer } from '../peer.ts';
import { PASSWORD_OPTION, STDIN_SECRETS_HELP } from '../secrets.ts';
import { daemonRunning, readSnapshot, writeSnapshot } from '../../daemon/snapshot-file.ts';

/** One structured log line: JSON on stdout with `--json`, else human text on stderr. */
function makeLogger(ctx: CommandContext): DaemonLog {
  return (level, event, message, fields = {}) => {
    const ts = new Date().toISOString();
    if (ctx.json) printJson(ctx, { ts, level, event, ...fields, message });
    else ctx.io.stderr(`${ts} ${level.padEnd(5)} ${message}\n`);
  };
}

function seconds(ctx: CommandContext, name: string, fallback: number, min: number, max: number): number {
  const text = ctx.options[name];
  if (text === undefined) return fallback;
  const n = Number(text);
  if (typeof text !== 'string' || !/^\d+$/.test(text) || n < min || n > max) {
    throw new OtP2pError(
      'usage',
      `--${name} must be an integer number of seconds in ${min}..${max}, got ${describeValue(text)}`,
      { context: { option: name } },
    );
  }
  return n;
}

function errorText(err: unknown): string {
  return isOtP2pError(err) ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
}

/**
 * Run the daemon until `ctx.signal` aborts.
 * @throws OtP2pError `daemon-running` when another daemon serves this data folder, `usage` for bad
 *   intervals, and `openPeer`'s codes (`no-password`, `no-identity`, `bad-password`, `bad-config`).
 */
async function runDaemon(ctx: CommandContext): Promise<number> {
  const mintIntervalSeconds = seconds(ctx, 'mint-interval', 600, 5, 7 * 86400);
  const syncIntervalSeconds = seconds(ctx, 'sync-interval', 900, 5, 7 * 86400);
  const statusIntervalSeconds = seconds(ctx, 'status-interval', 5, 1, 3600);
  const dir = ctx.home.ensure();
  const prior = readSnapshot(dir);
  if (prior && prior.pid !== process.pid && daemonRunning(prior)) {
    throw new OtP2pError(
      'daemon-running',
      `a daemon (pid ${prior.pid}) already serves ${dir}; stop it first (or remove status.json if that pid is not otp2p)`,
      { context: { pid: prior.pid } },
    );
  }
  const log = makeLogger(ctx);
  const { peer, close } = await openPeer(ctx);
  const daemon = new PeerDaemon({
    peer,
    mintIntervalSeconds,
    syncIntervalSeconds,
    statusIntervalSeconds,
    log,
    onSnapshot: (s) => writeSnapshot(dir, s),
    progress: () => progress(ctx, 'syncing follows'),
    close,
  });

  // Last line of defence: a rejection nobody awaited (a relay dying mid-call) is logged, not fatal.
  const onUnhandled = (reason: unknown): void => log('error', 'unhandled', `unhandled failure: ${errorText(reason)}`);
  process.on('unhandledRejection', onUnhandled);
  let code = 0;
  try {
    // The first write fails the run when the data folder cannot take status.json.
    writeSnapshot(dir, await daemon.snapshot());
    await daemon.start();
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) resolve();
      else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } catch (err) {
    log('error', 'failed', `daemon failed: ${errorText(err)}`);
    code = 1;
  } finally {
    if (!(await daemon.stop())) code = 1;
    process.off('unhandledRejection', onUnhandled);
  }
  return code;
}

export default defineCommand({
  name: 'daemon',
  description:
    'Keep this peer online: sync follows, keep the DM inbox, outbox and payments alive, check mints; logs structured lines',
  details:
    'Runs until SIGINT/SIGTERM, then stops cleanly (pending outbox targets and payments are in the database and\n' +
    'resume on the next start). Writes status.json in the data folder every few seconds for `otp2p status`.\n' +
    'Logs are human lines on stderr, or one JSON object per line on stdout with --json (fields ts, level, event, message).\n' +
    'Example: OTP2P_PASSWORD=... otp2p daemon --json --mint-interval 300\n\n' +
    STDIN_SECRETS_HELP,
  options: {
    'password-stdin': PASSWORD_OPTION,
    'mint-interval': {
      type: 'string',
      value: 'SECONDS',
      default: '600',
      description: 'how often to run the mint check',
    },
    'sync-interval': {
      type: 'string',
      value: 'SECONDS',
      default: '900',
      description: 'how often to re-sync the web of follows (new follows, missed events)',
    },
    'status-interval': {
      type: 'string',
      value: 'SECONDS',
      default: '5',
      description: 'how often to write status.json',
    },
  },
  run: runDaemon,
});
