/**
 * Soak: `otp2p relay` in a child process (so its RSS is its own) against 10 hostile and 10 honest
 * clients for OTP2P_SOAK_SECONDS (default 60, 20 when CI is set), seeded (OTP2P_SOAK_SEED,
 * default 19). Hostile: two REQ bombers (1000 broad filters, then the most a REQ may ask over 400
 * events of 60 KB), two slow readers (never read, 30 REQs of limit 5000, reconnect), a duplicate
 * flood, bad signatures, an AUTH flood, a subscription flood, two 21059/1059 snoopers. Honest:
 * publish, query, and send gift wraps (1059 and ephemeral 21059) to each other.
 *
 * Asserted: the relay stays up and answers; its RSS stays under RSS_BOUND_MB; the honest clients'
 * p99 latency (EVENT -> OK, REQ -> EOSE) stays under P99_BOUND_MS, a generous bound (issue 19 asks
 * for one) that a loaded 2-core machine stays far below; every honest event is stored and every
 * wrap reaches its recipient; no private event reaches anyone but its authenticated recipient.
 * Figures are printed; docs/performance.md ("Soak") has a run.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import WebSocket from 'ws';
import { SeededRandom } from '../../src/core/random.ts';
import { PRIVATE_KINDS } from '../../src/events/kinds.ts';
import { getPublicKey, signEvent } from '../../src/events/sign.ts';
import type { NostrEvent } from '../../src/events/types.ts';
import { spawnCli } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';
import type { TestKey } from './_helpers.ts';

const SEED = Number(process.env.OTP2P_SOAK_SEED ?? 19);
const SECONDS = Number(process.env.OTP2P_SOAK_SECONDS ?? (process.env.CI ? 20 : 60));
/** The relay's resident memory; without the fixes it passed 1.4 GB within seconds. */
const RSS_BOUND_MB = 600;
/**
 * Honest p99 latency bound: generous on purpose, so a shared, overloaded machine cannot make it
 * flake (measured: ~1 s at load average ~20 on 2 cores for a 20 s run, ~3.8 s for 60 s).
 */
const P99_BOUND_MS = 10_000;
const BIG_EVENTS = 400;
const BIG_CONTENT = 60 * 1024 - 400;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function seededKey(rnd: SeededRandom): TestKey {
  const sk = rnd.bytes(32);
  return { sk, pk: getPublicKey(sk) };
}

function sign(
  key: TestKey,
  kind: number,
  content: string,
  tags: string[][] = [],
  created_at = Math.floor(Date.now() / 1000),
): NostrEvent {
  return signEvent({ kind, created_at, tags, content }, key.sk, key.pk);
}

/** The relay process's resident set, from /proc (Linux), in MB; undefined elsewhere. */
function rssMb(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/**
 * A lean client: messages are matched by their first bytes before any JSON parse, so a hostile
 * client receiving 24 MB per REQ does not cost the test process that much heap.
 */
class Client {
  readonly ws: WebSocket;
  challenge = '';
  #waiters: { pred: (type: string, text: string) => boolean; resolve: (text: string) => void }[] = [];
  onEvent: ((subId: string, ev: NostrEvent) => void) | undefined;
  parseEvents = false;
  closed = false;

  private constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.on('message', (data) => {
      const text = data.toString();
      const type = text.slice(2, text.indexOf('"', 2));
      if (type === 'AUTH') this.challenge = (JSON.parse(text) as [string, string])[1];
      if (type === 'EVENT' && this.parseEvents) {
        const [, subId, ev] = JSON.parse(text) as [string, string, NostrEvent];
        this.onEvent?.(subId, ev);
      }
      const i = this.#waiters.findIndex((w) => w.pred(type, text));
      if (i >= 0) this.#waiters.splice(i, 1)[0]?.resolve(text);
    });
    this.ws.on('error', () => undefined);
    this.ws.on('close', () => {
      this.closed = true;
      for (const w of this.#waiters.splice(0)) w.resolve('["CLOSED-SOCKET"]');
    });
  }

  static async connect(url: string): Promise<Client> {
    const c = new Client(url);
    await new Promise<void>((resolve, reject) => {
      c.ws.once('open', () => resolve());
      c.ws.once('error', reject);
    });
    return c;
  }

  send(msg: unknown[]): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  wait(pred: (type: string, text: string) => boolean): Promise<string> {
    if (this.closed) return Promise.resolve('["CLOSED-SOCKET"]');
    return new Promise((resolve) => this.#waiters.push({ pred, resolve }));
  }

  /** Publish and resolve with [accepted, message] once the OK arrives. */
  async publish(ev: NostrEvent): Promise<[boolean, string]> {
    const ok = this.wait((t, text) => t === 'OK' && text.startsWith(`["OK","${ev.id}"`));
    this.send(['EVENT', ev]);
    const m = JSON.parse(await ok) as unknown[];
    return [m[2] === true, String(m[3] ?? '')];
  }

  /** REQ and resolve with the first EOSE or CLOSED for it (its text). */
  req(subId: string, ...filters: unknown[]): Promise<string> {
    const end = this.wait((t, text) => (t === 'EOSE' || t === 'CLOSED') && text.startsWith(`["${t}","${subId}"`));
    this.send(['REQ', subId, ...filters]);
    return end;
  }

  async auth(key: TestKey, url: string): Promise<boolean> {
    while (!this.challenge) await sleep(5);
    const ev = sign(key, 22242, '', [
      ['relay', url],
      ['challenge', this.challenge],
    ]);
    const [ok] = await this.publishAuth(ev);
    return ok;
  }

  async publishAuth(ev: NostrEvent): Promise<[boolean, string]> {
    const ok = this.wait((t, text) => t === 'OK' && text.startsWith(`["OK","${ev.id}"`));
    this.send(['AUTH', ev]);
    const m = JSON.parse(await ok) as unknown[];
    return [m[2] === true, String(m[3] ?? '')];
  }

  close(): void {
    this.ws.terminate();
  }
}

describe('soak: otp2p relay under 10 hostile and 10 honest clients', () => {
  it(`stays up, bounded, serving honest clients and leaking nothing for ${SECONDS} s (seed ${SEED})`, {
    timeout: (SECONDS + 180) * 1000,
  }, async () => {
    const rnd = new SeededRandom(SEED);
    const home = tmpDir();
    const child = spawnCli(['relay', '--port', '0', '--json', '--home', home]);
    let exited: number | null | undefined;
    child.on('exit', (code) => (exited = code));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
        lines.once('line', (line) => resolve((JSON.parse(line) as { url: string }).url));
        child.once('exit', (code) => reject(new Error(`relay exited with ${code}`)));
      });
      const pid = child.pid as number;

      // Setup (not measured): 400 events of 60 KB for the bombers and slow readers to ask for.
      const bulkKey = seededKey(rnd);
      const seeder = await Client.connect(url);
      const now = Math.floor(Date.now() / 1000);
      const big = Array.from({ length: BIG_EVENTS }, (_, i) =>
        sign(bulkKey, 1, `${i} `.padEnd(BIG_CONTENT, 'x'), [], now - 100 - i),
      );
      for (let i = 0; i < big.length; i += 50) {
        const acks = await Promise.all(big.slice(i, i + 50).map((ev) => seeder.publish(ev)));
        expect(acks.every(([ok]) => ok)).toBe(true);
      }
      seeder.close();

      const rss: number[] = [];
      const rssStart = rssMb(pid);
      const sampler = setInterval(() => {
        const v = rssMb(pid);
        if (v !== undefined) rss.push(v);
      }, 200);

      const figures = {
        bombsRefused: 0,
        bombReqs: 0,
        bombBytes: 0,
        slowRounds: 0,
        dupSent: 0,
        dupNotDuplicate: 0,
        badSent: 0,
        badAccepted: 0,
        authSent: 0,
        subsRefused: 0,
        snoopEvents: 0,
      };
      const leaks: string[] = [];

      // Honest clients: authenticated, each with a live inbox for every private kind (no #p: the
      // gate alone must keep others' wraps out), open before any wrap is sent.
      const honestKeys = Array.from({ length: 10 }, () => seededKey(rnd));
      const honestPks = honestKeys.map((k) => k.pk);
      const honest = await Promise.all(honestKeys.map(() => Client.connect(url)));
      const received = honestKeys.map(() => new Set<string>());
      const expected = honestKeys.map(() => new Set<string>());
      await Promise.all(
        honest.map(async (c, i) => {
          const key = honestKeys[i] as TestKey;
          expect(await c.auth(key, url)).toBe(true);
          c.parseEvents = true;
          c.onEvent = (subId, ev) => {
            if (subId !== 'inbox') return;
            if (!ev.tags.some((t) => t[0] === 'p' && t[1] === key.pk))
              leaks.push(`honest ${i} got a wrap for someone else: ${ev.id}`);
            received[i]?.add(ev.id);
          };
          expect(await c.req('inbox', { kinds: [...PRIVATE_KINDS], since: now - 3 * 86400 })).toMatch(/^\["EOSE"/);
        }),
      );

      const deadline = Date.now() + SECONDS * 1000;
      const running = (): boolean => Date.now() < deadline;
      const latencies: number[] = [];
      const published = honestKeys.map(() => [] as string[]);

      const honestLoop = async (i: number): Promise<void> => {
        const r = new SeededRandom(SEED * 100 + i);
        const c = honest[i] as Client;
        const key = honestKeys[i] as TestKey;
        let n = 0;
        while (running()) {
          const op = r.int(10);
          const t0 = performance.now();
          if (op < 5) {
            const ev = sign(key, 1, `honest ${i} #${n++}`);
            const [ok, msg] = await c.publish(ev);
            expect({ ok, msg }).toEqual({ ok: true, msg: '' });
            published[i]?.push(ev.id);
          } else if (op < 7) {
            const to = (i + 1 + r.int(9)) % 10;
            const kind = r.int(2) === 0 ? 21059 : 1059;
            // A wrap's outer key is a one-time key; the relay gates on kind and `p` only.
            const wrap = sign(
              seededKey(r),
              kind,
              `sealed ${i}->${to} #${n++}`,
              [['p', honestPks[to] as string]],
              kind === 1059 ? Math.floor(Date.now() / 1000) - r.int(86400) : undefined,
            );
            const [ok] = await c.publish(wrap);
            expect(ok).toBe(true);
            expected[to]?.add(wrap.id);
          } else {
            const end = await c.req(`q${n++}`, { authors: [key.pk], limit: 20 });
            expect(end).toMatch(/^\["EOSE"/);
            c.send(['CLOSE', `q${n - 1}`]);
          }
          latencies.push(performance.now() - t0);
          await sleep(50 + r.int(100));
        }
      };

      const bomber = async (): Promise<void> => {
        while (running()) {
          const c = await Client.connect(url);
          let bytes = 0;
          c.ws.on('message', (d: Buffer) => (bytes += d.length));
          while (running() && !c.closed) {
            const refused = await c.req('bomb', ...Array.from({ length: 1000 }, () => ({ kinds: [1], limit: 5000 })));
            if (refused.startsWith('["CLOSED","bomb","invalid:')) figures.bombsRefused++;
            // Ten filters that differ (so none is skipped as a repeat), each asking for everything.
            await c.req('most', ...Array.from({ length: 10 }, (_, i) => ({ kinds: [1], limit: 5000 - i })));
            c.send(['CLOSE', 'most']);
            figures.bombReqs++;
          }
          figures.bombBytes += bytes;
          c.close();
        }
      };

      const slowReader = async (r: SeededRandom): Promise<void> => {
        while (running()) {
          const c = await Client.connect(url);
          c.ws.pause();
          for (let i = 0; i < 30; i++) c.send(['REQ', `slow${i}`, { kinds: [1], limit: 5000 }]);
          figures.slowRounds++;
          const until = Math.min(deadline, Date.now() + 12_000 + r.int(3000));
          while (Date.now() < until) await sleep(100);
          c.close();
        }
      };

      const dupFlood = async (r: SeededRandom): Promise<void> => {
        const key = seededKey(r);
        const c = await Client.connect(url);
        const set = Array.from({ length: 50 }, (_, i) => sign(key, 1, `dup ${i}`));
        for (const ev of set) await c.publish(ev);
        while (running() && !c.closed) {
          const acks = await Promise.all(set.map((ev) => c.publish(ev)));
          figures.dupSent += set.length;
          figures.dupNotDuplicate += acks.filter(([ok, msg]) => !ok || !msg.startsWith('duplicate:')).length;
          await sleep(10);
        }
        c.close();
      };

      const badSigs = async (r: SeededRandom): Promise<void> => {
        const key = seededKey(r);
        const c = await Client.connect(url);
        let n = 0;
        while (running() && !c.closed) {
          const batch = Array.from({ length: 50 }, () => {
            const ev = sign(key, 1, `bad ${n++}`);
            return r.int(2) === 0
              ? { ...ev, content: `${ev.content}!` }
              : { ...ev, sig: `${ev.sig.slice(0, -1)}${ev.sig.endsWith('0') ? '1' : '0'}` };
          });
          const acks = await Promise.all(batch.map((ev) => c.publish(ev)));
          figures.badSent += batch.length;
          figures.badAccepted += acks.filter(([ok]) => ok).length;
          await sleep(10);
        }
        c.close();
      };

      const authFlood = async (r: SeededRandom): Promise<void> => {
        const c = await Client.connect(url);
        while (!c.challenge) await sleep(5);
        while (running() && !c.closed) {
          const batch = Array.from({ length: 50 }, () =>
            sign(seededKey(r), 22242, '', [
              ['relay', url],
              ['challenge', r.int(2) === 0 ? c.challenge : 'wrong'],
            ]),
          );
          await Promise.all(batch.map((ev) => c.publishAuth(ev)));
          figures.authSent += batch.length;
          await sleep(10);
        }
        c.close();
      };

      const subFlood = async (): Promise<void> => {
        const c = await Client.connect(url);
        while (running() && !c.closed) {
          const ends = await Promise.all(
            Array.from({ length: 100 }, (_, i) => c.req(`s${i}`, { kinds: [0], limit: 1 })),
          );
          figures.subsRefused += ends.filter((e) => e.includes('restricted:')).length;
          for (let i = 0; i < 100; i++) c.send(['CLOSE', `s${i}`]);
          await sleep(50);
        }
        c.close();
      };

      const snooper = async (): Promise<void> => {
        const c = await Client.connect(url);
        c.parseEvents = true;
        c.onEvent = (_sub, ev) => {
          figures.snoopEvents++;
          if (PRIVATE_KINDS.includes(ev.kind)) leaks.push(`snooper got kind ${ev.kind} ${ev.id}`);
        };
        for (const kind of PRIVATE_KINDS) expect(await c.req(`k${kind}`, { kinds: [kind] })).toMatch(/auth-required:/);
        await c.req('tagged', { '#p': honestPks, since: now - 3 * 86400 });
        await c.req('all', { since: now });
        let n = 0;
        while (running() && !c.closed) {
          await c.req(`again${n}`, { '#p': honestPks, limit: 200 });
          c.send(['CLOSE', `again${n++}`]);
          await sleep(500);
        }
        c.close();
      };

      await Promise.all([
        ...honest.map((_, i) => honestLoop(i)),
        bomber(),
        bomber(),
        slowReader(new SeededRandom(SEED + 1)),
        slowReader(new SeededRandom(SEED + 2)),
        dupFlood(new SeededRandom(SEED + 3)),
        badSigs(new SeededRandom(SEED + 4)),
        authFlood(new SeededRandom(SEED + 5)),
        subFlood(),
        snooper(),
        snooper(),
      ]);
      clearInterval(sampler);

      const sorted = [...latencies].sort((a, b) => a - b);
      const peak = Math.max(...rss);
      const result = {
        seed: SEED,
        seconds: SECONDS,
        honestOps: latencies.length,
        honestEvents: published.flat().length,
        wrapsDelivered: expected.reduce((n, s) => n + s.size, 0),
        latencyMs: {
          p50: Math.round(percentile(sorted, 50)),
          p99: Math.round(percentile(sorted, 99)),
          max: Math.round(sorted.at(-1) ?? 0),
          bound: P99_BOUND_MS,
        },
        relayRssMb: {
          start: Math.round(rssStart ?? 0),
          peak: Math.round(peak),
          end: Math.round(rss.at(-1) ?? 0),
          bound: RSS_BOUND_MB,
        },
        hostile: { ...figures, bombMB: Math.round(figures.bombBytes / 2 ** 20) },
        leaks: leaks.length,
      };
      console.log(`soak: ${JSON.stringify(result)}`);
      // Still up, and nothing honest lost: every published event is stored, every wrap arrived.
      expect(exited).toBeUndefined();
      const checker = await Client.connect(url);
      checker.parseEvents = true;
      const stored = new Set<string>();
      checker.onEvent = (_s, ev) => stored.add(ev.id);
      const all = published.flat();
      for (let i = 0; i < all.length; i += 200)
        expect(await checker.req(`c${i}`, { ids: all.slice(i, i + 200) })).toMatch(/^\["EOSE"/);
      expect(all.filter((id) => !stored.has(id))).toEqual([]);
      for (let i = 0; i < 10; i++) {
        // A wrap is written to its recipient before the OK goes to its sender, and one connection's
        // messages arrive in order: once this EOSE is in, every wrap sent to client i is too.
        expect(await (honest[i] as Client).req('barrier', { ids: ['0'.repeat(64)] })).toMatch(/^\["EOSE"/);
        const missing = [...(expected[i] ?? [])].filter((id) => !received[i]?.has(id));
        expect({ client: i, missing }).toEqual({ client: i, missing: [] });
      }
      expect(leaks).toEqual([]);
      expect(figures.badAccepted).toBe(0);
      expect(figures.dupNotDuplicate).toBe(0);
      expect(figures.bombsRefused).toBeGreaterThan(0);

      if (rss.length > 0) expect(peak).toBeLessThan(RSS_BOUND_MB);
      expect(percentile(sorted, 99)).toBeLessThan(P99_BOUND_MS);
      checker.close();
      for (const c of honest) c.close();
    } finally {
      child.kill('SIGTERM');
      await new Promise<void>((resolve) => (exited !== undefined ? resolve() : child.once('exit', () => resolve())));
    }
  });
});
