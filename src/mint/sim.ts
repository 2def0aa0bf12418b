/**
 * The split-view simulation: N simulated wallets that follow each other, one `SimulatedNotary`
 * that may cheat, an optional Sybil set outside the web of trust, all over one {@link Transport}
 * (MemoryTransport, or RelayPool on the embedded relay). Used by the tests and by
 * `npm run bench -- mint-sim`.
 *
 * Simulated time (a ManualClock, created_at in the past so relays accept every event): each wallet
 * fetches its mint at a random time in the first 24 h and checks every `stepSeconds`. A third of
 * the wallets are volunteers who publish their attestation at once (`--force`): without some
 * volunteers nobody could ever "join a herd". The others publish only when the policy allows.
 */
import { createHash } from 'node:crypto';
import { ManualClock } from '../core/clock.ts';
import { SeededRandom } from '../core/random.ts';
import { buildAttestationEvent } from '../events/attestation.ts';
import { buildFollowsEvent } from '../events/follows.ts';
import { getPublicKey, signEvent } from '../events/sign.ts';
import type { EventTemplate } from '../events/types.ts';
import type { Transport } from '../relays/transport.ts';
import { SimulatedNotary, verifySimulatedMintSignature } from '../otapi/notary.ts';
import { evidenceFromMints } from './evidence.ts';
import type { CheatMode } from '../otapi/notary.ts';
import { mintFingerprint } from './fingerprint.ts';
import { isAlarm } from './verdict.ts';
import type { MintVerdictKind } from './verdict.ts';
import { MintWatcher, ownMint } from './watcher.ts';

/** The scenarios of the issue. */
export const SCENARIOS = [
  'honest',
  'targeted',
  'buckets-2',
  'buckets-5',
  'unique-mint',
  'unique-series',
  'sybil',
  'rotation',
] as const;
/** A scenario name. */
export type ScenarioName = (typeof SCENARIOS)[number];

/** Options for {@link runMintSimulation}. */
export interface MintSimOptions {
  scenario: ScenarioName;
  transport: Transport;
  wallets?: number;
  sybils?: number;
  seed?: number;
  k?: number;
  depth?: number;
  graceSeconds?: number;
  stepSeconds?: number;
  durationSeconds?: number;
  /** Add the Sybil set to any scenario (the `sybil` scenario is `targeted` with Sybils). */
  withSybils?: boolean;
  /** Every n-th wallet is a volunteer (default 3). */
  volunteerEvery?: number;
}

/** What a run measured. */
export interface MintSimResult {
  scenario: ScenarioName;
  wallets: number;
  tagged: number;
  /** Tagged wallets that got `equivocation` or `rare`. */
  detected: number;
  /** Untagged wallets that ever got an alarm. */
  falseAlarms: number;
  /** Seconds from first holding the mint to the first alarm, per detected wallet. */
  detectSeconds: number[];
  /** Final verdict kinds per wallet index (one per mint held). */
  finalVerdicts: MintVerdictKind[][];
  /** Published attestations by honest wallets. */
  attestations: number;
  /** Evidence events published (from throwaway keys). */
  evidenceEvents: number;
  /** Untagged wallets that learned of a real split (true alarms about the notary, not about them). */
  witnesses: number;
}

function secretFor(label: string, seed: number, i: number): Uint8Array {
  let h = createHash('sha256').update(`${label}:${seed}:${i}`).digest();
  // A valid scalar: retry on the astronomically rare invalid hash.
  for (;;) {
    try {
      getPublicKey(h);
      return new Uint8Array(h);
    } catch {
      h = createHash('sha256').update(h).digest();
    }
  }
}

const HOUR = 3600;

/** Run one scenario; see the module comment. */
export async function runMintSimulation(o: MintSimOptions): Promise<MintSimResult> {
  const n = o.wallets ?? 32;
  const seed = o.seed ?? 1;
  const k = o.k ?? 3;
  const step = o.stepSeconds ?? 6 * HOUR;
  const duration = o.durationSeconds ?? 5 * 24 * HOUR;
  const grace = o.graceSeconds ?? 48 * HOUR;
  const volunteerEvery = o.volunteerEvery ?? 3;
  const rng = new SeededRandom(seed);
  // Start far enough in the past that no event is ever in the relay's future.
  const start = Math.floor((Date.now() - duration * 1000 - 86_400_000) / 1000) * 1000;
  const clock = new ManualClock(start);
  const t0 = start / 1000;
  const now = (): number => Math.floor(clock.now() / 1000);

  const keys = Array.from({ length: n }, (_, i) => secretFor('wallet', seed, i));
  const pubs = keys.map((sk) => getPublicKey(sk));
  const users = pubs.map((_, i) => `user-${seed}-${i}`);
  const target = 7 % n;
  const cheat: CheatMode = (() => {
    switch (o.scenario) {
      case 'targeted':
      case 'sybil':
        return { kind: 'targeted', users: [users[target] as string] };
      case 'buckets-2':
        return { kind: 'buckets', buckets: 2 };
      case 'buckets-5':
        return { kind: 'buckets', buckets: 5 };
      case 'unique-mint':
        return { kind: 'unique-mint' };
      case 'unique-series':
        return { kind: 'unique-series' };
      default:
        return { kind: 'honest' };
    }
  })();
  const notary = SimulatedNotary.open({ ledgerPath: ':memory:', seed: secretFor('notary', seed, 0), clock, cheat });
  const unit = notary.units[0]?.id as string;
  // Ground truth: a wallet is tagged when the notary serves it a mint that is not the one most
  // users get (in bucket and unique modes every wallet is, since the split traces everybody).
  const tagged = new Set<number>();
  if (cheat.kind === 'targeted') tagged.add(target);
  else if (cheat.kind !== 'honest') for (let i = 0; i < n; i++) tagged.add(i);

  const sign = (i: number) => (t: EventTemplate) => signEvent(t, keys[i] as Uint8Array, pubs[i]);
  // Follow graph: a ring with chords plus one random follow each.
  for (let i = 0; i < n; i++) {
    const f = new Set([(i + 1) % n, (i + 2) % n, (i + 5) % n, rng.int(n)]);
    f.delete(i);
    await o.transport.publish(
      signEvent(
        buildFollowsEvent(
          [...f].map((j) => ({ pubkey: pubs[j] as string })),
          t0,
        ),
        keys[i] as Uint8Array,
        pubs[i],
      ),
    );
  }
  // Sybils follow honest wallets (anyone can), but no honest wallet follows them.
  const sybilCount = o.scenario === 'sybil' || o.withSybils === true ? (o.sybils ?? 16) : 0;
  const sybilKeys = Array.from({ length: sybilCount }, (_, i) => secretFor('sybil', seed, i));
  for (const sk of sybilKeys) {
    await o.transport.publish(
      signEvent(
        buildFollowsEvent(
          pubs.slice(0, 5).map((pubkey) => ({ pubkey })),
          t0,
        ),
        sk,
      ),
    );
  }

  const fetchAt = pubs.map(() => t0 + rng.int(24 * HOUR));
  const rotateAt = t0 + 36 * HOUR;
  const refetchAt = pubs.map(() => rotateAt + rng.int(24 * HOUR));
  const held: Array<Array<ReturnType<typeof ownMint> & { armored: string }>> = pubs.map(() => []);
  // Ground truth: every fingerprint the notary really served, per d.
  const served = new Map<string, Set<string>>();
  const hold = (i: number, t: number): ReturnType<typeof ownMint> & { armored: string } => {
    const armored = notary.mintFileFor(unit, users[i] as string);
    const m = { ...ownMint(notary.mintFor(unit, users[i] as string), t), armored };
    const set = served.get(m.d) ?? new Set<string>();
    set.add(m.fingerprint);
    served.set(m.d, set);
    return m;
  };
  const evidenced: Array<Set<string>> = pubs.map(() => new Set());
  let evidenceEvents = 0;
  const published: Array<Set<string>> = pubs.map(() => new Set());
  const firstAlarm: Array<number | undefined> = pubs.map(() => undefined);
  const everAlarm: boolean[] = pubs.map(() => false);
  const witnessed: boolean[] = pubs.map(() => false);
  let lastVerdicts: MintVerdictKind[][] = pubs.map(() => []);
  const verifyMintSignature = (m: { signedText: string }): boolean =>
    verifySimulatedMintSignature(m.signedText, notary.publicKeyHex);
  const evidenceCache = new Map();
  const watchers = pubs.map(
    (self, i) =>
      new MintWatcher({
        transport: o.transport,
        self,
        signer: sign(i),
        clock,
        k,
        depth: o.depth ?? 2,
        graceSeconds: grace,
        verifyMintSignature,
        evidenceCache,
      }),
  );
  let attestations = 0;
  let rotated = false;
  let sybilsDone = false;

  for (let t = t0; t <= t0 + duration; t += step) {
    clock.set(t * 1000);
    if (o.scenario === 'rotation' && !rotated && t >= rotateAt) {
      notary.rotate(unit);
      rotated = true;
    }
    if (sybilCount > 0 && !sybilsDone && t >= t0 + HOUR) {
      // The colluding Sybils vouch for the target's mint and attest a fake mint for everyone else's.
      const targetMint = notary.mintFor(unit, users[target] as string);
      const honestMint = notary.mintFor(unit, users[(target + 1) % n] as string);
      // Half vouch for the target's mint, half attest a fake mint to alarm everybody else.
      for (const [j, sk] of sybilKeys.entries()) {
        const m = j % 2 === 0 ? targetMint : honestMint;
        const fp =
          j % 2 === 0 ? mintFingerprint(targetMint) : createHash('sha256').update(`fake:${seed}`).digest('hex');
        const tpl = buildAttestationEvent(
          {
            notaryId: m.notaryId,
            unitId: m.unitId,
            series: m.series,
            fingerprint: fp,
            validFrom: m.validFrom,
            validTo: m.validTo,
            expiration: m.expiration,
          },
          now(),
        );
        await o.transport.publish(signEvent(tpl, sk));
      }
      sybilsDone = true;
    }
    for (let i = 0; i < n; i++) {
      const mine = held[i] as Array<ReturnType<typeof ownMint> & { armored: string }>;
      if (mine.length === 0 && t >= (fetchAt[i] as number)) mine.push(hold(i, t));
      if (rotated && mine.length === 1 && t >= (refetchAt[i] as number)) mine.push(hold(i, t));
      if (mine.length === 0) continue;
      const watcher = watchers[i] as MintWatcher;
      const { verdicts, evidence } = await watcher.check(mine);
      lastVerdicts[i] = verdicts.map((v) => v.verdict);
      if (verdicts.some(isAlarm)) {
        // For an untagged wallet, an alarm is false unless it names a mint the notary really served.
        const real = verdicts.some(
          (v) => v.verdict === 'equivocation' && v.conflicts.some((c) => served.get(v.d)?.has(c.fingerprint)),
        );
        if (real) witnessed[i] = true;
        else everAlarm[i] = true;
        const firstSeen = Math.min(...mine.map((m) => m.firstSeen));
        firstAlarm[i] ??= t - firstSeen;
      }
      // On equivocation, publish evidence once per mint from a fresh throwaway key: the wallet's
      // own signed mint plus the other fingerprint; whoever holds the other mint sees the proof.
      for (const v of verdicts) {
        const m = mine.find((x) => x.d === v.d);
        const conflict = v.conflicts[0];
        if (v.verdict !== 'equivocation' || !m || !conflict || (evidenced[i] as Set<string>).has(v.d)) continue;
        // Somebody already proved this pair: nothing to add.
        if (
          evidence.some(
            (e) =>
              e.d === v.d &&
              e.included.includes(m.fingerprint) &&
              e.mints.some((x) => x.fingerprint === conflict.fingerprint),
          )
        )
          continue;
        const tpl = evidenceFromMints(
          m.armored,
          { fingerprint: conflict.fingerprint },
          { eventIds: conflict.eventIds.slice(0, 20) },
          now(),
        );
        await o.transport.publish(signEvent(tpl, secretFor('throwaway', seed, i * 1000 + evidenceEvents)));
        (evidenced[i] as Set<string>).add(v.d);
        evidenceEvents++;
      }
      const volunteer = i % volunteerEvery === 0;
      const pending = mine.filter((m) => !(published[i] as Set<string>).has(m.d));
      if (pending.length === 0) continue;
      const { published: out } = await watcher.attest(pending, verdicts, volunteer);
      for (const p of out) {
        const d = p.event.tags.find((x) => x[0] === 'd')?.[1] ?? '';
        (published[i] as Set<string>).add(d);
        attestations++;
      }
    }
  }
  notary.close();
  lastVerdicts = lastVerdicts.map((v) => [...v]);
  const detectSeconds: number[] = [];
  let detected = 0;
  let falseAlarms = 0;
  for (let i = 0; i < n; i++) {
    if (tagged.has(i)) {
      if (firstAlarm[i] !== undefined) {
        detected++;
        detectSeconds.push(firstAlarm[i] as number);
      }
    } else if (everAlarm[i]) falseAlarms++;
  }
  const witnesses = witnessed.filter((w, i) => w && !tagged.has(i)).length;
  return {
    scenario: o.scenario,
    wallets: n,
    tagged: tagged.size,
    detected,
    falseAlarms,
    detectSeconds,
    finalVerdicts: lastVerdicts,
    attestations,
    evidenceEvents,
    witnesses,
  };
}
