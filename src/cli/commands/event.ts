/**
 * `otp2p event verify`: a filter that checks Nostr events, one JSON object per input line.
 */
import { existsSync } from 'node:fs';
import type { EventLimits, RawVerifyResult } from '../../events/verify.ts';
import { EventVerifier } from '../../events/verify.ts';
import type { CommandContext } from '../command.ts';
import { defineCommand } from '../command.ts';
import { printJson, progress } from '../io.ts';
import { boundedLines } from '../input.ts';
import type { OverlongLine } from '../input.ts';
import { intOptionOr } from '../options.ts';

/**
 * Longest input line held in memory. Events are far smaller (the default limit is 60 KiB; a
 * configured one rarely above 1 MiB); a longer line is answered `too-large` without being read
 * whole.
 */
export const MAX_LINE_BYTES = 16 << 20;

/** One output line. `code` is null when the event verified. */
interface VerifyLine {
  id: string | null;
  ok: boolean;
  code: string | null;
  message?: string;
}

function idOf(raw: string, r: RawVerifyResult): string | null {
  if (r.ok) return r.event.id;
  if (r.code === 'bad-json' || r.code === 'too-large') return null;
  try {
    const v = JSON.parse(raw) as { id?: unknown };
    return typeof v?.id === 'string' && v.id.length <= 128 ? v.id : null;
  } catch {
    return null;
  }
}

/** Limits from config.json when the data folder has one (never creates it: this is a pure filter). */
function configuredLimits(ctx: CommandContext): Partial<EventLimits> {
  if (!existsSync(ctx.home.configPath)) return {};
  return ctx.home.config().limits;
}

const verify = defineCommand({
  name: 'verify',
  description: 'Verify Nostr events read as JSON lines on stdin',
  details: [
    'Reads one event (a JSON object) per line on stdin and prints one JSON line per input line:',
    '  { "id": <event id or null>, "ok": true|false, "code": null | <error code>, "message": ... }',
    'Checks: JSON, shape, size and tag limits, created_at window, NIP-01 id, BIP-340 signature.',
    'Codes: bad-json, bad-shape, bad-kind, bad-tag, too-large, too-many-tags, created-at-future,',
    'created-at-too-old, bad-id, bad-sig. A bad line never stops processing; empty lines are ignored;',
    `a line over ${MAX_LINE_BYTES} bytes is answered too-large without being held in memory.`,
    'Limits come from config.json (limits) when it exists, else the defaults (60 KiB, 2000 tags, ...).',
    '',
    'Exit status: 0 when every event verified, 3 when any line failed, 2 on a usage error.',
    '',
    'Example: otp2p event verify < events.jsonl',
  ].join('\n'),
  options: {
    workers: {
      type: 'string',
      value: 'N',
      description: 'verify on N worker threads (worth it from a few thousand events)',
      default: '0 (this thread)',
    },
  },
  run: async (ctx) => {
    const workers = intOptionOr(ctx, 'workers', 0, { min: 0, max: 99 });
    const verifier = new EventVerifier({ limits: configuredLimits(ctx) });
    let failed = 0;
    let seen = 0;
    // Counts on stderr only on a terminal; a pipe gets the JSON lines alone.
    const bar = progress(ctx, 'verified');
    const emit = (raw: string, r: RawVerifyResult): void => {
      if (!r.ok) failed++;
      bar.update(++seen);
      const line: VerifyLine = r.ok
        ? { id: r.event.id, ok: true, code: null }
        : { id: idOf(raw, r), ok: false, code: r.code, message: r.message };
      printJson(ctx, line);
    };
    const overlong = (l: OverlongLine): void => {
      failed++;
      bar.update(++seen);
      printJson(ctx, {
        id: null,
        ok: false,
        code: 'too-large',
        message: `line of ${l.bytes} bytes, over ${MAX_LINE_BYTES}`,
      } satisfies VerifyLine);
    };
    // Ends on SIGINT/SIGTERM even while stdin waits for more input.
    const lines = boundedLines(ctx.io.stdin(), MAX_LINE_BYTES, ctx.signal);
    if (workers === 0) {
      for await (const raw of lines) {
        if (ctx.signal.aborted) break;
        if (typeof raw !== 'string') overlong(raw);
        else if (raw.trim() !== '') emit(raw, verifier.verifyJson(raw));
      }
    } else {
      const { VerifyPool } = await import('../../events/verify-pool.ts');
      const pool = new VerifyPool({ size: workers, verifier });
      try {
        let batch: string[] = [];
        const flush = async (): Promise<void> => {
          const results = await pool.verifyBatch(batch);
          for (const [i, r] of results.entries()) emit(batch[i] as string, r);
          batch = [];
        };
        for await (const raw of lines) {
          if (ctx.signal.aborted) break;
          if (typeof raw !== 'string') {
            // Keep the output in input order.
            if (batch.length) await flush();
            overlong(raw);
            continue;
          }
          if (raw.trim() === '') continue;
          batch.push(raw);
          if (batch.length >= 2048) await flush();
        }
        if (batch.length) await flush();
      } finally {
        await pool.close();
      }
    }
    bar.done();
    return failed > 0 ? 3 : 0;
  },
});

export default defineCommand({
  name: 'event',
  description: 'Work with Nostr events',
  subcommands: {
    verify: { summary: 'verify events read as JSON lines on stdin', load: async () => verify },
  },
});
