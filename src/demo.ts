/**
 * The demo: the whole product on one machine, with no network. An embedded relay and two
 * simulated notaries on 127.0.0.1, six peers with their own keys and data folders; catalogs and
 * offers, a negotiation that finds no common asset, a 3-hop path that converts USD to EUR across
 * notaries, a payment with a receipt, then a notary that hands one peer a tagged mint and that
 * peer's wallet raising an equivocation alarm while the others stay green.
 *
 * Everything here is a real part (relay over real sockets, SQLite files, signed events, gift-wrapped
 * DMs); only the notaries are simulations, and they say so.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from './core/bytes.ts';
import { OtP2pError } from './core/errors.ts';
import { unixSeconds } from './core/clock.ts';
import { deriveIdentity } from './keys/identity.ts';
import { generateMnemonic } from './keys/mnemonic.ts';
import { startEmbeddedRelay } from './relays/embedded.ts';
import type { EmbeddedRelay } from './relays/embedded.ts';
import { SimulatedNotary } from './otapi/notary.ts';
import { combineOtApis } from './otapi/combined.ts';
import { simulatedNotaryLookup } from './payments/adapters/otapi.ts';
import type { MintVerdictKind } from './mint/verdict.ts';
import { createPeer } from './peer.ts';
import type { Peer } from './peer.ts';
import { pathToJson } from './pathing/file.ts';

/** One step of the story: `step` names it; human text in `say`. */
export interface DemoStep {
  step: string;
  say: string;
  [field: string]: unknown;
}

/** Options for {@link runDemo}. */
export interface DemoOptions {
  /** Called with every step as it happens. */
  onStep: (step: DemoStep) => void;
  /** Keep the working folder (printed in the first step) instead of deleting it. */
  keep?: boolean;
  /** Relay port (default: an ephemeral one). */
  port?: number;
  signal?: AbortSignal;
  /**
   * Called after the last step with the running peers (by name) and the notaries, before
   * anything is stopped: a dashboard or a test can use the live demo until the promise settles.
   */
  hold?: (world: DemoWorld) => Promise<void>;
}

/** The demo's live parts, handed to {@link DemoOptions.hold}. */
export interface DemoWorld {
  peers: Readonly<Record<(typeof NAMES)[number], Peer>>;
  notaries: readonly SimulatedNotary[];
  relayUrl: string;
  /** Stops the relay before the demo ends: a test's way to see what the peers do with no relay (the demo's cleanup tolerates it). */
  stopRelay: () => Promise<void>;
  dir: string;
}

/** The demo's outcome, for tests and the exit code. */
export interface DemoSummary {
  routeHops: number;
  paymentState: string;
  verdicts: Record<string, MintVerdictKind>;
  tagged: string;
  ok: boolean;
}

const NAMES = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'] as const;
type Name = (typeof NAMES)[number];

const SEVERITY: Record<MintVerdictKind, number> = { consistent: 0, unknown: 1, reissued: 1, rare: 2, equivocation: 3 };

/**
 * Run the demo end to end and clean up (relay stopped, peers closed, folder removed).
 * @throws OtP2pError when a step fails (the story stops there and everything is still cleaned up).
 */
export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const say = options.onStep;
  const dir = mkdtempSync(join(tmpdir(), 'otp2p-demo-'));
  const peers = new Map<Name, Peer>();
  let relay: EmbeddedRelay | undefined;
  const notaries: SimulatedNotary[] = [];
  let lookup: ReturnType<typeof simulatedNotaryLookup> | undefined;
  const aborted = (): void => {
    if (options.signal?.aborted) throw new OtP2pError('aborted', 'demo interrupted');
  };
  try {
    relay = await startEmbeddedRelay({ host: '127.0.0.1', port: options.port ?? 0, dbPath: join(dir, 'relay.sqlite') });
    say({
      step: 'relay',
      say: `Started an embedded Nostr relay at ${relay.url} (working folder ${dir}).`,
      url: relay.url,
      dir,
    });

    const n1 = SimulatedNotary.open({
      ledgerPath: join(dir, 'notary1.sqlite'),
      name: 'Notary One (simulated)',
      units: [
        { name: 'US Dollar', tla: 'USD', factor: 100n, decimalPower: 2 },
        { name: 'Euro', tla: 'EUR', factor: 100n, decimalPower: 2 },
      ],
    });
    const n2 = SimulatedNotary.open({
      ledgerPath: join(dir, 'notary2.sqlite'),
      name: 'Notary Two (simulated)',
      units: [{ name: 'Euro', tla: 'EUR', factor: 100n, decimalPower: 2 }],
    });
    notaries.push(n1, n2);
    const usd1 = unitId(n1, 'USD');
    const eur1 = unitId(n1, 'EUR');
    const eur2 = unitId(n2, 'EUR');
    say({
      step: 'notaries',
      say: `Started two simulated OT notaries: ${n1.name} issues USD and EUR, ${n2.name} issues EUR.`,
      notaries: [
        { id: n1.id, units: ['USD', 'EUR'] },
        { id: n2.id, units: ['EUR'] },
      ],
    });

    // Issuers fund the accounts, so the ledgers balance (issuer accounts go negative, as in OT).
    const fund = (n: SimulatedNotary, owner: Name, unit: string, amount: bigint): void => {
      const acct = n.openAccount(owner, unit);
      if (amount > 0n) {
        const issuer = n.openAccount(`issuer:${owner}`, unit, 0n, true);
        n.transfer({
          idempotencyKey: `fund:${owner}:${unit}`,
          notaryId: n.id,
          fromAccountId: issuer,
          toAccountId: acct,
          amount,
        });
      }
    };
    fund(n1, 'alice', usd1, 100_000n);
    fund(n1, 'bob', usd1, 0n);
    fund(n1, 'bob', eur1, 50_000n);
    fund(n1, 'carol', eur1, 0n);
    fund(n2, 'carol', eur2, 50_000n);
    fund(n2, 'dave', eur2, 0n);
    fund(n1, 'erin', usd1, 20_000n);
    fund(n1, 'frank', usd1, 20_000n);
    lookup = simulatedNotaryLookup({ [n1.id]: join(dir, 'notary1.sqlite'), [n2.id]: join(dir, 'notary2.sqlite') });

    for (const name of NAMES) {
      aborted();
      const identity = deriveIdentity(generateMnemonic());
      const peer = await createPeer({
        home: join(dir, name),
        identity,
        relays: [relay.url],
        // Every wallet knows both notaries' mints; its accounts decide what it accepts.
        otApi: combineOtApis([n1.clientFor(name), n2.clientFor(name)]),
        receiptLookup: lookup,
        config: { attestersK: 3, trustDepth: 2 },
      });
      peers.set(name, peer);
    }
    const p = (name: Name): Peer => peers.get(name) as Peer;
    say({
      step: 'peers',
      say: `Created six peers, each with its own BIP39 seed, Nostr key and data folder: ${NAMES.map((n) => `${cap(n)} ${p(n).npub.slice(0, 16)}…`).join(', ')}.`,
      peers: Object.fromEntries(NAMES.map((n) => [n, p(n).npub])),
    });

    for (const name of NAMES) {
      const peer = p(name);
      await peer.start();
      await peer.announceRelays();
      await peer.follow(NAMES.filter((n) => n !== name).map((n) => p(n).pubkey));
      await peer.catalog.publish();
    }
    const expiration = unixSeconds() + 7 * 86400;
    await p('bob').offers.publish({
      id: 'usd-eur',
      in: { unit: usd1, notary: n1.id },
      out: { unit: eur1, notary: n1.id },
      rateNum: 92n,
      rateDen: 100n,
      cutPpm: 2_000n,
      fee: 10n,
      min: 100n,
      max: 1_000_000n,
      liquidity: 50_000n,
      expiration,
      status: 'open',
    });
    await p('carol').offers.publish({
      id: 'eur1-eur2',
      in: { unit: eur1, notary: n1.id },
      out: { unit: eur2, notary: n2.id },
      rateNum: 1n,
      rateDen: 1n,
      cutPpm: 1_000n,
      fee: 5n,
      min: 100n,
      max: 1_000_000n,
      liquidity: 50_000n,
      expiration,
      status: 'open',
    });
    for (const peer of peers.values()) await peer.flush();
    say({
      step: 'publish',
      say: 'Every peer published its relay lists, follows and catalog; Bob offers USD->EUR on Notary One at 0.92 minus 0.2% and 0.10 EUR; Carol moves EUR from Notary One to Notary Two at 1:1 minus 0.1% and 0.05 EUR.',
      offers: [
        {
          peer: p('bob').npub,
          id: 'usd-eur',
          in: 'USD@notary1',
          out: 'EUR@notary1',
          rate: [92, 100],
          cut_ppm: 2000,
          fee: '10',
        },
        {
          peer: p('carol').npub,
          id: 'eur1-eur2',
          in: 'EUR@notary1',
          out: 'EUR@notary2',
          rate: [1, 1],
          cut_ppm: 1000,
          fee: '5',
        },
      ],
    });

    aborted();
    const amount = 10_000n;
    const negotiation = await p('alice').catalog.negotiate(p('dave').pubkey, { amount });
    say({
      step: 'negotiate',
      say: negotiation.ok
        ? 'Alice and Dave share an asset (unexpected in this story).'
        : 'Alice holds only USD on Notary One; Dave accepts only EUR on Notary Two: negotiation finds no common asset and hands over to path finding.',
      common: negotiation.ok,
    });

    const route = await p('alice').routes.find({ to: p('dave').pubkey, amount, unit: 'EUR', maxParts: 1 });
    const part = route.parts[0];
    if (!part) throw new OtP2pError('no-route', 'the router returned no part');
    const label = (pk: string): string => NAMES.find((n) => p(n).pubkey === pk) ?? pk.slice(0, 8);
    const unitLabel = (u: { unit: string; notary: string }): string =>
      `${u.unit === usd1 ? 'USD' : 'EUR'}@${u.notary === n1.id ? 'notary1' : 'notary2'}`;
    const hops = part.hops.map((h) => ({
      from: label(h.from),
      to: label(h.to),
      unit: unitLabel(h.unit),
      amount: h.amount.toString(),
      offer: h.offer,
    }));
    say({
      step: 'route',
      say: `Alice's wallet computes a ${hops.length}-hop path from the offers of her friends: ${hops.map((h) => `${cap(h.from)} -> ${cap(h.to)} ${fmt(BigInt(h.amount))} ${h.unit}`).join(', ')}. Alice spends ${fmt(route.spend)} USD so that Dave receives ${fmt(route.receive)} EUR.`,
      hops,
      spend: route.spend.toString(),
      receive: route.receive.toString(),
      raw: pathToJson(part),
    });

    aborted();
    const daveAcct = n2.accounts('dave').find((a) => a.type !== 'issuer');
    const before = daveAcct ? n2.balance(daveAcct.id) : 0n;
    const { results } = await p('alice').payments.pay({ to: p('dave').pubkey, amount, unit: 'EUR', maxParts: 1 });
    const result = results[0];
    if (!result) throw new OtP2pError('payment-failed', 'no payment result');
    const after = daveAcct ? n2.balance(daveAcct.id) : 0n;
    const receipt = result.preimage ?? null;
    const receiptOk =
      receipt !== null &&
      result.paymentHash !== undefined &&
      bytesToHex(sha256(hexToBytes(receipt))) === result.paymentHash;
    say({
      step: 'payment',
      say:
        result.state === 'succeeded'
          ? `The payment ran hop by hop over gift-wrapped DMs and settled on both notaries: Dave's EUR balance on Notary Two rose from ${fmt(before)} to ${fmt(after)}. Dave revealed the preimage of the payment hash: Alice's receipt (${receiptOk ? 'verified' : 'NOT verified'}).`
          : `The payment ended ${result.state}${result.error ? ` (${result.error.code}: ${result.error.message})` : ''}.`,
      state: result.state,
      receipt: receipt === null ? null : { paymentHash: result.paymentHash, preimage: receipt, verified: receiptOk },
      daveBefore: before.toString(),
      daveAfter: after.toString(),
    });

    aborted();
    n1.cheat = { kind: 'targeted', users: ['frank'] };
    say({
      step: 'cheat',
      say: 'Notary One now secretly hands Frank a different mint (a tagged set of blind-signing keys) to trace his cash.',
    });
    // In a new network someone must go first: the five honest wallets attest even before a herd exists.
    for (const name of NAMES.filter((n) => n !== 'frank')) await p(name).mint.attest(true);
    for (const peer of peers.values()) await peer.flush();
    say({
      step: 'attest',
      say: 'Alice, Bob, Carol, Dave and Erin publish signed fingerprints of the mints they were served (kind 31560): no nym or account ID, only the mint.',
    });

    const verdicts: Record<string, MintVerdictKind> = {};
    for (const name of NAMES) {
      const check = await p(name).mint.check();
      const worst = check.verdicts.reduce<MintVerdictKind>(
        (w, v) => (SEVERITY[v.verdict] > SEVERITY[w] ? v.verdict : w),
        'consistent',
      );
      verdicts[name] = worst;
      const alarm = check.verdicts.find((v) => v.verdict === worst);
      say({
        step: 'mint-verdict',
        say:
          worst === 'equivocation'
            ? `${cap(name)}: ALARM, equivocation: ${alarm?.conflicts[0]?.attesters.length ?? 0} peers in ${cap(name)}'s web were served a different mint for the same notary, unit and series.`
            : `${cap(name)}: ${worst}: every mint matches what ${check.verdicts.map((v) => v.attesters.length).reduce((a, b) => Math.min(a, b), Infinity)} or more peers saw.`,
        peer: p(name).npub,
        name,
        verdict: worst,
        mints: check.verdicts.map((v) => ({ d: v.d, verdict: v.verdict, attesters: v.attesters.length })),
      });
    }
    const ok =
      hops.length === 3 &&
      result.state === 'succeeded' &&
      receiptOk &&
      verdicts.frank === 'equivocation' &&
      NAMES.every((n) => n === 'frank' || verdicts[n] === 'consistent');
    const running = relay;
    if (options.hold)
      await options.hold({
        peers: Object.fromEntries(peers) as DemoWorld['peers'],
        notaries,
        relayUrl: relay.url,
        stopRelay: () => running.close(),
        dir,
      });
    say({
      step: 'done',
      say: ok
        ? 'Done: the path was found, the payment succeeded with a verified receipt, and only the tagged peer raised an alarm.'
        : 'Done, but the story did not go as expected (see the steps above).',
      ok,
    });
    return { routeHops: hops.length, paymentState: result.state, verdicts, tagged: 'frank', ok };
  } finally {
    for (const peer of peers.values()) await peer.stop().catch(() => undefined);
    lookup?.close();
    for (const n of notaries) n.close();
    await relay?.close();
    if (!options.keep) rmSync(dir, { recursive: true, force: true });
  }
}

function unitId(n: SimulatedNotary, tla: string): string {
  const u = n.units.find((x) => x.tla === tla);
  if (!u) throw new OtP2pError('unknown-unit', `notary has no ${tla}`);
  return u.id;
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Base units with two decimals (the demo's units all have a factor of 100). */
function fmt(v: bigint): string {
  const neg = v < 0n;
  const a = neg ? -v : v;
  return `${neg ? '-' : ''}${a / 100n}.${(a % 100n).toString().padStart(2, '0')}`;
}
