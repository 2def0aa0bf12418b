/**
 * The seeded simulated Nostr network of `npm run bench -- web`: N keys with heavy-tailed follow
 * lists, 1% offer publishers (1-5 offers each), 3% catalogs, 10% mint attesters, 16 relays with
 * each key writing to 2-4 of them (popular relays carry more), all held compactly: follow lists
 * in one CSR pair of Int32Arrays, everything else as typed arrays or derived on demand from
 * (seed, key, kind). Event JSON is materialized only when a modelled relay answers a REQ
 * (`eventOf`), in the exact shapes `src/events/*` build (64-hex ids, 128-hex sigs); ids and sigs
 * are deterministic hex, not real hashes and signatures: the model's consumers take events as
 * already verified, and only their byte sizes matter.
 */
import { buildAttestationEvent } from '../../src/events/attestation.ts';
import { buildCatalogEvent } from '../../src/events/catalog.ts';
import type { Catalog } from '../../src/events/catalog.ts';
import { Kind } from '../../src/events/kinds.ts';
import { buildOfferEvent } from '../../src/events/offer.ts';
import type { Offer } from '../../src/events/offer.ts';
import type { EventTemplate, NostrEvent } from '../../src/events/types.ts';
import type { UnitRef } from '../../src/core/assets.ts';

/** Seeded PRNG (mulberry32): fast, 32-bit state, good enough for a simulation. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A bijective 32-bit mix (lowbias32) and its inverse: key index <-> first 8 hex digits of its pubkey. */
function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}
function unmix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x43021123);
  x ^= (x >>> 15) ^ (x >>> 30);
  x = Math.imul(x, 0x1d69e2a5);
  x ^= x >>> 16;
  return x >>> 0;
}
/** A 32-bit hash of a few integers (for derived, unstored values). */
export function hash32(a: number, b = 0, c = 0, d = 0): number {
  return mix32((mix32((mix32((mix32(a) ^ b) >>> 0) ^ c) >>> 0) ^ d) >>> 0);
}
const hex8 = (x: number): string => (x >>> 0).toString(16).padStart(8, '0');
/** `words` 32-bit words of deterministic hex from (a, b, c, d). */
function hexOf(words: number, a: number, b: number, c: number, d: number): string {
  let s = '';
  let h = hash32(a, b, c, d);
  for (let i = 0; i < words; i++) {
    s += hex8(h);
    h = mix32((h + 0x9e3779b9 + i) >>> 0);
  }
  return s;
}

/** Knobs of the simulation (defaults: the issue's network). */
export interface NetworkOptions {
  keys: number;
  seed: number;
  /** Unix seconds of "now" in the simulation (events are older; offers expire 30 days later). */
  now: number;
  relays?: number;
  /** Median follow count and the log-normal spread (sigma) around it. */
  followMedian?: number;
  followSigma?: number;
  /** Follows of the payer (key 0), of which `payerMarketFollows` are offer publishers. */
  payerFollows?: number;
  payerMarketFollows?: number;
  /** Extra follows each catalog publisher has among the other catalog publishers (a market's community). */
  marketFollows?: number;
}

/** Role bits per key. */
export const ROLE_CATALOG = 1;
export const ROLE_OFFERS = 2;
export const ROLE_ATTEST = 4;

/** Kinds the network holds, in the order a relay lists a key's events. */
export const NETWORK_KINDS = [
  Kind.Metadata,
  Kind.Follows,
  Kind.RelayList,
  Kind.Catalog,
  Kind.Offer,
  Kind.MintAttestation,
] as const;

/** One asset of the simulation: a unit on a notary, with a reference price for realistic rates. */
interface Asset {
  ref: UnitRef;
  tla: string;
  price: number;
}

const YEAR = 365 * 24 * 3600;
const MAX_FOLLOWS = 8000;

/** The compact network. Mutable only through {@link advance}. */
export interface Network {
  readonly keys: number;
  readonly seed: number;
  /** Simulation time (unix seconds). */
  now: number;
  /** The time the network was generated at (offers expire 30 days later). */
  readonly t0: number;
  readonly relayUrls: string[];
  /** Bit r set: the key writes to (and lists in its kind 10002) relay r. */
  readonly writeMask: Uint16Array;
  readonly roles: Uint8Array;
  /** Follow lists in CSR form: follows of key i are followTo[followOff[i] .. followOff[i+1]), sorted. */
  followOff: Int32Array;
  followTo: Int32Array;
  /** Lists replaced by {@link advance} (new follows), by key. */
  readonly followOverride: Map<number, Int32Array>;
  readonly followCreated: Uint32Array;
  /** Relay hints on every `p` tag of this key's list (as some clients write them). */
  readonly followHints: Uint8Array;
  /** Offers: first offer index per key (-1: none) and count; per offer: creation time and version. */
  readonly offerFirst: Int32Array;
  readonly offerCount: Uint8Array;
  readonly offerOwner: Int32Array;
  readonly offerCreated: Uint32Array;
  readonly offerVersion: Uint16Array;
  /** Attestations: first index per key and count (1-3 each). */
  readonly attestFirst: Int32Array;
  readonly attestCount: Uint8Array;
  /** Keys having each rare kind, ascending: a relay scans these for filters without authors. */
  readonly catalogKeys: Int32Array;
  readonly offerKeys: Int32Array;
  readonly attestKeys: Int32Array;
  readonly assets: Asset[];
  /** Pubkey hex per key, filled as keys are first printed (~9 MB at 100,000 keys). */
  readonly hexCache: (string | undefined)[];
  /** Reverse follow index (who follows key k), built on first need. */
  followers?: { off: Int32Array; from: Int32Array };
}

/** The payer of the benchmark: key 0 (about 150 follows, some of them offer publishers). */
export const PAYER = 0;

/** Total bytes of the typed arrays of the model (what the simulation itself holds). */
export function modelBytes(net: Network): number {
  let b = 0;
  for (const v of Object.values(net)) if (ArrayBuffer.isView(v)) b += v.byteLength;
  if (net.followers) b += net.followers.off.byteLength + net.followers.from.byteLength;
  for (const l of net.followOverride.values()) b += l.byteLength;
  return b;
}

/** The pubkey hex of key `i`: the first 8 digits are an invertible mix of `i`, the rest derived. */
export function keyHex(net: Pick<Network, 'seed'> & { hexCache?: (string | undefined)[] }, i: number): string {
  const c = net.hexCache?.[i];
  if (c !== undefined) return c;
  const h = hex8(mix32((i ^ net.seed) >>> 0)) + hexOf(7, i, net.seed, 0x6b6579, 0);
  if (net.hexCache) net.hexCache[i] = h;
  return h;
}

/** Key index of a pubkey, or -1 when it is none of the network's keys. */
export function keyIndex(net: Pick<Network, 'seed' | 'keys' | 'hexCache'>, hex: string): number {
  if (typeof hex !== 'string' || hex.length !== 64) return -1;
  const head = Number.parseInt(hex.slice(0, 8), 16);
  if (!Number.isFinite(head)) return -1;
  const i = (unmix32(head) ^ net.seed) >>> 0;
  if (i >= net.keys || keyHex(net, i) !== hex) return -1;
  return i;
}

/** Weighted choice of `k` distinct relays (popular relays carry more: weight 1/(r+1)^0.9). */
function pickRelays(r: () => number, weights: number[], k: number): number {
  let mask = 0;
  let total = weights.reduce((a, b) => a + b, 0);
  const w = [...weights];
  for (let n = 0; n < k; n++) {
    let x = r() * total;
    let j = 0;
    while (j < w.length - 1 && x >= (w[j] as number)) x -= w[j++] as number;
    mask |= 1 << j;
    total -= w[j] as number;
    w[j] = 0;
  }
  return mask;
}

/** A log-normal draw with the given median and sigma (Box-Muller). */
function logNormal(r: () => number, median: number, sigma: number): number {
  const u = Math.max(r(), 1e-12);
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
  return median * Math.exp(sigma * z);
}

const base62 = (r: () => number, n: number): string => {
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  for (let i = 0; i < n; i++) s += A[Math.floor(r() * 62)];
  return s;
};

/**
 * Generate the network. Deterministic for (keys, seed, now, options).
 * @throws Error when `keys` is below 100 (the roles would be empty).
 */
export function generateNetwork(options: NetworkOptions): Network {
  const N = options.keys;
  if (!Number.isInteger(N) || N < 100) throw new Error(`keys must be an integer >= 100, got ${N}`);
  const R = options.relays ?? 16;
  const r = rng(options.seed);
  const relayUrls = Array.from({ length: R }, (_, i) => `wss://relay${String(i).padStart(2, '0')}.sim.example`);
  const weights = relayUrls.map((_, i) => 1 / (i + 1) ** 0.9);
  const writeMask = new Uint16Array(N);
  for (let i = 0; i < N; i++) writeMask[i] = pickRelays(r, weights, 2 + Math.floor(r() * 3));

  // Roles: 3% catalogs; offer publishers (1%) are a third of them; 10% attesters, independent.
  const roles = new Uint8Array(N);
  const pick = (share: number, among: (i: number) => boolean, bit: number): void => {
    const want = Math.max(1, Math.round(N * share));
    let got = 0;
    while (got < want) {
      const i = 1 + Math.floor(r() * (N - 1));
      if (!among(i) || (roles[i]! & bit) !== 0) continue;
      roles[i] = roles[i]! | bit;
      got++;
    }
  };
  pick(0.03, () => true, ROLE_CATALOG);
  pick(0.01, (i) => (roles[i]! & ROLE_CATALOG) !== 0, ROLE_OFFERS);
  pick(0.1, () => true, ROLE_ATTEST);
  const listOf = (bit: number): Int32Array => {
    const out: number[] = [];
    for (let i = 0; i < N; i++) if ((roles[i]! & bit) !== 0) out.push(i);
    return Int32Array.from(out);
  };
  const catalogKeys = listOf(ROLE_CATALOG);
  const offerKeys = listOf(ROLE_OFFERS);
  const attestKeys = listOf(ROLE_ATTEST);

  // Follow counts: log-normal (median ~100, a few thousand at the tail), plus the market's
  // community links for catalog publishers; the payer follows exactly `payerFollows`.
  const median = options.followMedian ?? 100;
  const sigma = options.followSigma ?? 1.0;
  const marketFollows = Math.min(options.marketFollows ?? 12, catalogKeys.length - 1);
  const payerFollows = Math.min(options.payerFollows ?? 150, N - 1);
  const payerMarket = Math.min(options.payerMarketFollows ?? 8, offerKeys.length);
  const counts = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    let c = Math.round(logNormal(r, median, sigma));
    c = Math.max(1, Math.min(MAX_FOLLOWS, N - 1, c));
    if ((roles[i]! & ROLE_CATALOG) !== 0) c = Math.min(N - 1, c + marketFollows);
    counts[i] = c;
  }
  counts[PAYER] = payerFollows;
  const followOff = new Int32Array(N + 1);
  for (let i = 0; i < N; i++) followOff[i + 1] = followOff[i]! + counts[i]!;
  const followTo = new Int32Array(followOff[N]!);
  // Popularity: rank = N * u^3 (the top 1% of ranks draws ~21% of follows), ranks spread over keys.
  const STEP = 48271;
  const stamp = new Int32Array(N).fill(-1);
  for (let i = 0; i < N; i++) {
    const start = followOff[i]!;
    const end = followOff[i + 1]!;
    let k = start;
    stamp[i] = i;
    // the payer's market follows, or a catalog publisher's community, first
    const pool = i === PAYER ? offerKeys : (roles[i]! & ROLE_CATALOG) !== 0 ? catalogKeys : undefined;
    const want = i === PAYER ? payerMarket : pool ? marketFollows : 0;
    while (pool && k < start + want) {
      const t = pool[Math.floor(r() * pool.length)]!;
      if (stamp[t] === i) continue;
      stamp[t] = i;
      followTo[k++] = t;
    }
    while (k < end) {
      const u = r();
      const t = (Math.floor(N * u * u * u) * STEP + 7) % N;
      if (stamp[t] === i) continue;
      stamp[t] = i;
      followTo[k++] = t;
    }
    followTo.subarray(start, end).sort();
  }
  const followCreated = new Uint32Array(N);
  const followHints = new Uint8Array(N);
  for (let i = 0; i < N; i++) {
    followCreated[i] = options.now - 3600 - Math.floor(r() * YEAR);
    followHints[i] = r() < 0.3 ? 1 : 0;
  }

  const offerFirst = new Int32Array(N).fill(-1);
  const offerCount = new Uint8Array(N);
  const owners: number[] = [];
  for (const i of offerKeys) {
    offerFirst[i] = owners.length;
    const c = 1 + Math.floor(r() * 5);
    offerCount[i] = c;
    for (let j = 0; j < c; j++) owners.push(i);
  }
  const offerOwner = Int32Array.from(owners);
  const offerCreated = new Uint32Array(owners.length);
  for (let o = 0; o < owners.length; o++) offerCreated[o] = options.now - 3600 - Math.floor(r() * 30 * 24 * 3600);
  const offerVersion = new Uint16Array(owners.length);
  const attestFirst = new Int32Array(N).fill(-1);
  const attestCount = new Uint8Array(N);
  let na = 0;
  for (const i of attestKeys) {
    attestFirst[i] = na;
    const c = 1 + Math.floor(r() * 3);
    attestCount[i] = c;
    na += c;
  }

  const notaries = [base62(r, 43), base62(r, 43), base62(r, 43)];
  const assets: Asset[] = [
    ['USD', 1],
    ['EUR', 1.1],
    ['GBP', 1.27],
    ['CHF', 1.13],
    ['XAU', 2400],
    ['JPY', 0.0067],
    ['SILVER', 30],
    ['BTC', 95000],
  ].map(([tla, price], i) => ({
    ref: { unit: base62(r, 43), notary: notaries[i % notaries.length] as string },
    tla: tla as string,
    price: price as number,
  }));

  return {
    keys: N,
    seed: options.seed,
    now: options.now,
    t0: options.now,
    relayUrls,
    writeMask,
    roles,
    followOff,
    followTo,
    followOverride: new Map(),
    hexCache: new Array<string | undefined>(N),
    followCreated,
    followHints,
    offerFirst,
    offerCount,
    offerOwner,
    offerCreated,
    offerVersion,
    attestFirst,
    attestCount,
    catalogKeys,
    offerKeys,
    attestKeys,
    assets,
  };
}

/** The follows of key `i` (its current list). */
export function followsOf(net: Network, i: number): Int32Array {
  return net.followOverride.get(i) ?? net.followTo.subarray(net.followOff[i]!, net.followOff[i + 1]!);
}

/** Whether key `i` follows key `t` (binary search in the sorted list). */
export function follows(net: Network, i: number, t: number): boolean {
  const l = followsOf(net, i);
  let lo = 0;
  let hi = l.length - 1;
  while (lo <= hi) {
    const m = (lo + hi) >> 1;
    const v = l[m]!;
    if (v === t) return true;
    if (v < t) lo = m + 1;
    else hi = m - 1;
  }
  return false;
}

/** Who follows key `t` (the reverse index, built once on first use: the model's `#p` answers). */
export function followersOf(net: Network, t: number): Int32Array {
  if (!net.followers) {
    const N = net.keys;
    const off = new Int32Array(N + 1);
    for (let i = 0; i < N; i++) for (const x of followsOf(net, i)) off[x + 1]!++;
    for (let i = 0; i < N; i++) off[i + 1] = off[i + 1]! + off[i]!;
    const pos = off.slice(0, N);
    const from = new Int32Array(off[N]!);
    for (let i = 0; i < N; i++) for (const x of followsOf(net, i)) from[pos[x]!++] = i;
    net.followers = { off, from };
  }
  return net.followers.from.subarray(net.followers.off[t]!, net.followers.off[t + 1]!);
}

/**
 * One hour (or `seconds`) of simulated activity: 1% of offers re-published with new terms and
 * `newFollowLists` keys publishing a changed follow list (three new follows each).
 */
export function advance(net: Network, seconds = 3600, newFollowLists = 100, offerShare = 0.01): void {
  const r = rng(hash32(net.seed, net.now, 0xadd));
  const start = net.now;
  net.now += seconds;
  const when = (): number => start + 1 + Math.floor(r() * seconds);
  const changed = Math.max(1, Math.round(net.offerOwner.length * offerShare));
  for (let n = 0; n < changed; n++) {
    const o = Math.floor(r() * net.offerOwner.length);
    net.offerVersion[o] = net.offerVersion[o]! + 1;
    net.offerCreated[o] = when();
  }
  for (let n = 0; n < newFollowLists; n++) {
    const i = 1 + Math.floor(r() * (net.keys - 1));
    const set = new Set(followsOf(net, i));
    let added = 0;
    while (added < 3) {
      const t = Math.floor(r() * net.keys);
      if (t === i || set.has(t)) continue;
      set.add(t);
      added++;
    }
    net.followOverride.set(i, Int32Array.from(set).sort());
    net.followCreated[i] = when();
  }
  net.followers = undefined;
}

/** A stored event of the network, before materialization. */
export interface EventRef {
  key: number;
  kind: number;
  /** Offer or attestation index (0 for the other kinds). */
  sub: number;
  createdAt: number;
}

/** Creation time of an event. */
export function createdAtOf(net: Network, key: number, kind: number, sub: number): number {
  switch (kind) {
    case Kind.Follows:
      return net.followCreated[key]!;
    case Kind.Offer:
      return net.offerCreated[sub]!;
    default:
      // profiles, relay lists, catalogs and attestations do not change during the run
      return net.t0 - 3600 - (hash32(net.seed, key, kind, sub) % YEAR);
  }
}

/** Every event key `key` has of `kind` (appended to `out`). */
export function eventsOf(net: Network, key: number, kind: number, out: EventRef[]): void {
  const push = (sub: number): void => void out.push({ key, kind, sub, createdAt: createdAtOf(net, key, kind, sub) });
  switch (kind) {
    case Kind.Metadata:
    case Kind.Follows:
    case Kind.RelayList:
      push(0);
      return;
    case Kind.Catalog:
      if ((net.roles[key]! & ROLE_CATALOG) !== 0) push(0);
      return;
    case Kind.Offer: {
      const f = net.offerFirst[key]!;
      for (let j = 0; j < net.offerCount[key]!; j++) push(f + j);
      return;
    }
    case Kind.MintAttestation: {
      const f = net.attestFirst[key]!;
      for (let j = 0; j < net.attestCount[key]!; j++) push(f + j);
      return;
    }
    default:
      return;
  }
}

/** The asset indices a catalog publisher accepts (1-3, deterministic per key). */
export function acceptedAssets(net: Network, key: number): number[] {
  const r = rng(hash32(net.seed, key, 0xca7));
  const n = 1 + Math.floor(r() * 3);
  const set = new Set<number>();
  // the first four assets are the common ones: most catalogs accept one of them
  while (set.size < n) set.add(r() < 0.8 ? Math.floor(r() * 4) : Math.floor(r() * net.assets.length));
  return [...set];
}

/** The catalog of a catalog publisher. */
export function catalogOf(net: Network, key: number): Catalog {
  const assets = acceptedAssets(net, key).map((a) => net.assets[a] as Asset);
  const notaries = [...new Set(assets.map((a) => a.ref.notary))].map((id) => ({
    id,
    url: `tcp://notary-${id.slice(0, 6).toLowerCase()}.sim.example:7085`,
  }));
  return {
    notaries,
    units: assets.map((a) => ({ id: a.ref.unit, notary: a.ref.notary, tla: a.tla, factor: 100n })),
    preference: [],
  };
}

/** The `d` of offer `o` (stable across versions: a re-publication replaces the offer). */
export const offerD = (o: number): string => `offer-${hexOf(2, o, 0xd, 0, 0)}`;

/** The current terms of offer `o`: a conversion between two of its owner's accepted assets. */
export function offerOf(net: Network, o: number): Offer {
  const key = net.offerOwner[o]!;
  const acc = acceptedAssets(net, key);
  const r = rng(hash32(net.seed, o, net.offerVersion[o]!, 0x0ff));
  // an offer converts into one of the owner's accepted assets, from any asset
  const outA = acc[Math.floor(rng(hash32(net.seed, o, 0x0a))() * acc.length)]!;
  let inA = Math.floor(rng(hash32(net.seed, o, 0x1a))() * net.assets.length);
  if (inA === outA) inA = (inA + 1) % net.assets.length;
  const ain = net.assets[inA] as Asset;
  const aout = net.assets[outA] as Asset;
  const rate = (ain.price / aout.price) * (1 + (r() - 0.5) * 0.01);
  const den = 1_000_000n;
  const num = BigInt(Math.max(1, Math.round(rate * 1e6)));
  const maxIn = BigInt(Math.round(1e6 / ain.price)) * 100n + 100n;
  return {
    id: offerD(o),
    in: ain.ref,
    out: aout.ref,
    rateNum: num,
    rateDen: den,
    cutPpm: BigInt(Math.floor(r() * 5000)),
    fee: BigInt(Math.floor(r() * 50)),
    min: 1n,
    max: maxIn,
    liquidity: BigInt(Math.round((1e7 / aout.price) * (0.2 + r()))) + 1000n,
    expiration: net.t0 + 30 * 24 * 3600,
    status: 'open',
  };
}

/** The attestation `a` of key `key`. */
function attestationOf(net: Network, a: number) {
  const ai = hash32(net.seed, a, 0xa7) % net.assets.length;
  const asset = net.assets[ai] as Asset;
  const series = hash32(a) % 3;
  return {
    notaryId: asset.ref.notary,
    unitId: asset.ref.unit,
    series: String(series),
    // one honest mint per (notary, unit, series): every attester states the same fingerprint
    fingerprint: hexOf(8, net.seed, ai, series, 0xf),
    validFrom: net.t0 - YEAR,
    validTo: net.t0 + YEAR,
    expiration: net.t0 + 2 * YEAR,
  };
}

/** The profile (kind 0 content) of a key: a name, an about line and a picture URL. */
function profileOf(net: Network, key: number): string {
  const h = hexOf(4, key, net.seed, 0x9a, 0);
  return JSON.stringify({
    name: `user-${h.slice(0, 10)}`,
    display_name: `User ${h.slice(0, 6)}`,
    about: `Simulated profile ${h} for the otp2p web benchmark.`,
    picture: `https://images.sim.example/${h}.jpg`,
    nip05: `user-${h.slice(0, 8)}@sim.example`,
  });
}

/** The unsigned template of an event (the shapes `src/events/*` build). */
export function templateOf(net: Network, e: EventRef): EventTemplate {
  switch (e.kind) {
    case Kind.Metadata:
      return { kind: e.kind, created_at: e.createdAt, tags: [], content: profileOf(net, e.key) };
    case Kind.Follows: {
      // the shape buildFollowsEvent makes (it validates every key; 10^7 tags would cost seconds)
      const hint = net.followHints[e.key] === 1;
      const tags: string[][] = [];
      for (const t of followsOf(net, e.key)) {
        const pk = keyHex(net, t);
        tags.push(
          hint
            ? ['p', pk, net.relayUrls[Math.floor(Math.log2(net.writeMask[t]! & -net.writeMask[t]! || 1))] as string]
            : ['p', pk],
        );
      }
      return { kind: e.kind, created_at: e.createdAt, tags, content: '' };
    }
    case Kind.RelayList: {
      const tags: string[][] = [];
      const m = net.writeMask[e.key]!;
      for (let j = 0; j < net.relayUrls.length; j++)
        if ((m & (1 << j)) !== 0) tags.push(['r', net.relayUrls[j] as string]);
      return { kind: e.kind, created_at: e.createdAt, tags, content: '' };
    }
    case Kind.Catalog:
      return buildCatalogEvent(catalogOf(net, e.key), e.createdAt);
    case Kind.Offer:
      return buildOfferEvent(offerOf(net, e.sub), e.createdAt);
    case Kind.MintAttestation:
      return buildAttestationEvent(attestationOf(net, e.sub), e.createdAt);
    default:
      throw new Error(`kind ${e.kind} is not in the network`);
  }
}

/** The event as a relay would send it (deterministic 64-hex id and 128-hex sig, not real ones). */
export function eventOf(net: Network, e: EventRef): NostrEvent {
  const t = templateOf(net, e);
  const id = hexOf(8, e.key, e.kind, e.sub, e.createdAt);
  return {
    id,
    pubkey: keyHex(net, e.key),
    created_at: t.created_at,
    kind: t.kind,
    tags: t.tags,
    content: t.content,
    sig: hexOf(16, e.createdAt, e.sub, e.kind, e.key),
  };
}

/** The `d` value of an event (offers and attestations), or undefined. */
export function dOf(net: Network, e: EventRef): string | undefined {
  if (e.kind === Kind.Offer) return offerD(e.sub);
  if (e.kind === Kind.MintAttestation) {
    const a = attestationOf(net, e.sub);
    return `${a.notaryId}:${a.unitId}:${a.series}`;
  }
  return undefined;
}
