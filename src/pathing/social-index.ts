/**
 * The social side of a route query: who is within the payer's social radius (follow-steps
 * outward), how many transfers each peer is from the payer (undirected follows), and from both
 * the last layer at which each peer may carry a label. Kept across queries, keyed on the payer,
 * the limits and the graph's version, over contiguous rows of the follow lists (the graph's own
 * adjacency buffer where it can, see {@link adjacencyRows}).
 */
import { grown } from './table.ts';
import type { GraphTable } from './table.ts';

/**
 * Rows of the social graph (see {@link SocialIndex.csr}) for peers v below `n` whose `stale`
 * flag is 0 (the others' rows are the graph's own lists): follows out are
 * adj[adjStart[v] .. outEnd[v]), the undirected adjacency adj[adjStart[v] .. adjEnd[v]),
 * follows in in[inOff[v] .. inOff[v + 1]). Each adjacency row starts with the peer's follows
 * out (see {@link adjacencyRows}), so one array serves both.
 */
interface Csr {
  n: number;
  stale: Uint8Array;
  adjStart: Int32Array;
  adjEnd: Int32Array;
  adj: Int32Array;
  outEnd: Int32Array;
  inOff: Int32Array;
  /** inOff from its second entry: row v of follows in ends at inEnd[v] (bfs takes starts and ends). */
  inEnd: Int32Array;
  in: Int32Array;
}

/** Per-payer caches of the social radius, hop distances and peer limits, for one graph. */
export class SocialIndex {
  private readonly g: GraphTable;
  /** Stamps of the breadth-first searches (each search marks its peers with a new one). */
  private run = 0;
  /** Peers within the social radius have `radStamp[v] === radValue`. */
  radStamp = new Int32Array(0);
  radValue = 0;
  private radDepth = new Int32Array(0);
  private queue = new Int32Array(0);
  private radiusKey = '';
  private hopKey = '';
  private hopDist = new Int32Array(0);
  private hopStamp = new Int32Array(0);
  private hopValue = 0;
  private lim = new Int32Array(0);
  private limKey = '';
  private csrData: Csr | null = null;
  /** Rows marked stale, where the graph's follow log was read up to, its epoch and version. */
  private csrStale = 0;
  private csrLogPos = 0;
  private csrEpoch = -1;
  private csrVersion = -1;

  constructor(table: GraphTable) {
    this.g = table;
  }

  /** Names the inputs of the last {@link peerLimits} result (payer, radius, hop limit, payee, graph version). */
  get limitsKey(): string {
    return this.limKey;
  }

  /** Whether peer `v` is within the social radius of the last {@link radius} call. */
  within(v: number): boolean {
    return this.radStamp[v] === this.radValue;
  }

  /** Mark peers within `D` follow-steps of the payer (outward along `follows`). Cached per payer and graph version. */
  radius(payer: number, D: number): void {
    const P = this.g.peerKeys.length;
    if (this.radStamp.length < P) {
      this.radStamp = new Int32Array(grown(P));
      this.radDepth = new Int32Array(grown(P));
      this.queue = new Int32Array(grown(P));
      this.radiusKey = '';
    }
    const key = `${payer}:${D}:${this.g.version}`;
    if (key === this.radiusKey) return;
    this.radiusKey = key;
    const stamp = ++this.run;
    const c = this.csr();
    bfs(
      c.n,
      c.stale,
      c.adjStart,
      c.outEnd,
      c.adj,
      this.g.followOut,
      c.inOff,
      c.inEnd,
      c.in,
      this.g.followIn,
      payer,
      D,
      stamp,
      this.radStamp,
      this.radDepth,
      this.queue,
      this.g.peerKeys.length,
    );
    this.radValue = stamp;
  }

  /**
   * The social graph in compressed rows (follows out, follows in, and the undirected adjacency),
   * rebuilt when a follow list changes or a peer is added. Follows out and the adjacency are
   * the graph's own adjacency buffer when its rows are in one (no copy: ~0.5 MB on the
   * Lightning graph); follows in are copied. Per-peer arrays are scattered over
   * the heap; the two breadth-first searches of every query sweep all peers, and over one
   * contiguous array they stay in cache, where a sweep over per-peer arrays misses on most.
   * A full rebuild costs ~4 ms on the bench graph (6,978 peers; code that runs too rarely to be
   * optimized), so a follow-list change only marks the peers it touched (from the graph's follow
   * log) as stale, and the searches read those peers' own lists; the rows are rebuilt once a
   * sixteenth of the peers are stale or new.
   */
  private csr(): Csr {
    const g = this.g;
    const P = g.peerKeys.length;
    const d = this.csrData;
    if (d && this.csrEpoch === g.followLogEpoch) {
      if (this.csrVersion === g.followVersion && d.n === P) return d;
      // Patch rather than rebuild: peers whose rows changed since (the graph logs them) and
      // peers added since are read from the graph's own lists, until they are too many.
      const log = g.followLog;
      for (let i = this.csrLogPos; i < log.length; i++) {
        const v = log[i] as number;
        if (v < d.n && d.stale[v] === 0) {
          d.stale[v] = 1;
          this.csrStale++;
        }
      }
      this.csrLogPos = log.length;
      this.csrVersion = g.followVersion;
      if ((this.csrStale + P - d.n) * 16 <= P) return d;
    }
    const rows = (lists: ArrayLike<ArrayLike<number>>): [Int32Array, Int32Array] => {
      const off = new Int32Array(P + 1);
      for (let v = 0; v < P; v++)
        off[v + 1] = (off[v] as number) + ((lists[v] as ArrayLike<number> | undefined)?.length ?? 0);
      const flat = new Int32Array(off[P] as number);
      for (let v = 0; v < P; v++) {
        const l = lists[v] as ArrayLike<number> | undefined;
        if (l) flat.set(l, off[v] as number);
      }
      return [off, flat];
    };
    const [inOff, inn] = rows(g.followIn);
    let a = adjacencyRows(g);
    if (!a) {
      // the graph's rows are spread over many buffers: copied into one (follows out first)
      const lists: number[][] = [];
      const seen = new Int32Array(P).fill(-1);
      for (let v = 0; v < P; v++) {
        const fo = g.followOut[v] as number[];
        const row = g.adj[v] as Int32Array;
        const l = fo.slice();
        for (const q of fo) seen[q] = v;
        for (let k = 0; k < row.length; k++) if (seen[row[k] as number] !== v) l.push(row[k] as number);
        lists.push(l);
      }
      const [adjOff, adj] = rows(lists);
      const outEnd = new Int32Array(P);
      for (let v = 0; v < P; v++) outEnd[v] = (adjOff[v] as number) + (g.followOut[v] as number[]).length;
      a = {
        stale: new Uint8Array(P),
        stales: 0,
        adjStart: adjOff.subarray(0, P),
        adjEnd: adjOff.subarray(1),
        adj,
        outEnd,
      };
    }
    this.csrData = {
      n: P,
      stale: a.stale,
      adjStart: a.adjStart,
      adjEnd: a.adjEnd,
      adj: a.adj,
      outEnd: a.outEnd,
      inOff,
      inEnd: inOff.subarray(1),
      in: inn,
    };
    this.csrStale = a.stales;
    this.csrLogPos = g.followLog.length;
    this.csrEpoch = g.followLogEpoch;
    this.csrVersion = g.followVersion;
    return this.csrData;
  }

  /**
   * Transfers needed to reach each peer from the payer (undirected follows, up to H): a peer
   * that needs k transfers to be reached can only carry a label with at most H - k transfers
   * left, which bounds the backward search to the region both ends can reach.
   */
  private hopsFromPayer(payer: number, H: number): void {
    // cached per payer, hop limit and graph version
    const key = `${payer}:${H}:${this.g.version}`;
    if (key === this.hopKey) return;
    this.hopKey = key;
    const P = this.g.peerKeys.length;
    if (this.hopDist.length < P) {
      this.hopDist = new Int32Array(grown(P));
      this.hopStamp = new Int32Array(grown(P));
    }
    const stamp = ++this.run;
    // peers at H - 1 transfers are the last that can still pass a label on
    const c = this.csr();
    bfs(
      c.n,
      c.stale,
      c.adjStart,
      c.adjEnd,
      c.adj,
      this.g.adj,
      c.adjStart,
      c.adjEnd,
      c.adj,
      this.g.adj,
      payer,
      H - 1,
      stamp,
      this.hopStamp,
      this.hopDist,
      this.queue,
      P,
    );
    this.hopValue = stamp;
  }

  /**
   * Per peer, the last layer at which it may take a label in this query: H minus the transfers
   * needed to reach it from the payer, or -1 when it is outside the social radius, is the payer
   * or the payee (neither sends a transfer in the middle of a path), or cannot be reached within
   * the hop limit. One array read then stands for the three tests of a sender. Call
   * {@link radius} first.
   */
  peerLimits(payer: number, payee: number, H: number): Int32Array {
    this.hopsFromPayer(payer, H);
    const key = `${this.radiusKey}|${this.hopKey}|${payee}`;
    if (key === this.limKey) return this.lim;
    this.limKey = key;
    const P = this.g.peerKeys.length;
    if (this.lim.length < P) this.lim = new Int32Array(grown(P));
    const lim = this.lim;
    const rad = this.radStamp;
    const radOk = this.radValue;
    const hop = this.hopStamp;
    const hopOk = this.hopValue;
    const dist = this.hopDist;
    for (let Q = 0; Q < P; Q++) lim[Q] = rad[Q] === radOk && hop[Q] === hopOk ? H - (dist[Q] as number) : -1;
    lim[payer] = -1;
    lim[payee] = -1;
    return lim;
  }
}

/**
 * Breadth-first depths from `src`, up to `maxDepth` steps along the rows of `out` (row u:
 * out[outOff[u] .. outEnd[u]); whose reverse is `inn`, see {@link Csr}): sets stamp[v] = mark and depth[v] for every peer v
 * reached; `n` is the number of peers.
 * Direction-optimizing (Beamer, Asanović, Patterson 2012): once a level's frontier is a large
 * share of the peers, the next level is found bottom-up, each unreached peer looking through
 * its reverse neighbours for one in the frontier and stopping at the first. On small-world
 * graphs (the Lightning graph is one) most edge checks of the middle levels are skipped.
 */
function bfs(
  rows: number,
  stale: Uint8Array,
  outOff: Int32Array,
  outEnd: Int32Array,
  out: Int32Array,
  outLists: ArrayLike<ArrayLike<number>>,
  inOff: Int32Array,
  inEnd: Int32Array,
  inn: Int32Array,
  inLists: ArrayLike<ArrayLike<number>>,
  src: number,
  maxDepth: number,
  mark: number,
  stamp: Int32Array,
  depth: Int32Array,
  queue: Int32Array,
  n: number,
): void {
  stamp[src] = mark;
  depth[src] = 0;
  queue[0] = src;
  let levelStart = 0;
  let levelEnd = 1;
  let tail = 1;
  for (let d = 0; d < maxDepth && levelStart < levelEnd; d++) {
    if ((levelEnd - levelStart) * 20 > n) {
      for (let v = 0; v < n; v++) {
        if (stamp[v] === mark) continue;
        // a compressed row, or the peer's own list when its row is stale (see Csr)
        const fresh = v < rows && stale[v] === 0;
        const list = fresh ? inn : (inLists[v] as ArrayLike<number>);
        const end = fresh ? (inEnd[v] as number) : list.length;
        for (let k = fresh ? (inOff[v] as number) : 0; k < end; k++) {
          const u = list[k] as number;
          if (stamp[u] === mark && depth[u] === d) {
            stamp[v] = mark;
            depth[v] = d + 1;
            queue[tail++] = v;
            break;
          }
        }
      }
    } else {
      for (let i = levelStart; i < levelEnd; i++) {
        const u = queue[i] as number;
        const fresh = u < rows && stale[u] === 0;
        const list = fresh ? out : (outLists[u] as ArrayLike<number>);
        const end = fresh ? (outEnd[u] as number) : list.length;
        for (let k = fresh ? (outOff[u] as number) : 0; k < end; k++) {
          const v = list[k] as number;
          if (stamp[v] === mark) continue;
          stamp[v] = mark;
          depth[v] = d + 1;
          queue[tail++] = v;
        }
      }
    }
    levelStart = levelEnd;
    levelEnd = tail;
  }
}

/**
 * The graph's own adjacency rows as rows of a {@link Csr}, without a copy: flushAdjacency
 * (graph.ts) writes each flushed peer's row into one buffer per flush, its follows out first
 * (then the follows in it does not follow back), so on a graph loaded in bulk every row is a
 * view of one buffer (in the order the peers were flushed, not peer order: half of the
 * Lightning graph's rows do not follow their predecessor, hence a start and an end per row).
 * A peer whose row is elsewhere, or does not start with its follows out, is stale (the
 * searches read its own lists). Null when more than a sixteenth of the peers would be (the
 * rows came in many flushes): the caller copies.
 */
function adjacencyRows(g: GraphTable): {
  stale: Uint8Array;
  stales: number;
  adjStart: Int32Array;
  adjEnd: Int32Array;
  adj: Int32Array;
  outEnd: Int32Array;
} | null {
  const P = g.peerKeys.length;
  let buf: ArrayBufferLike | null = null;
  for (let v = 0; v < P && !buf; v++) if ((g.adj[v] as Int32Array).length > 0) buf = (g.adj[v] as Int32Array).buffer;
  const adj = buf ? new Int32Array(buf) : new Int32Array(0);
  const adjStart = new Int32Array(P);
  const adjEnd = new Int32Array(P);
  const outEnd = new Int32Array(P);
  const stale = new Uint8Array(P);
  let stales = 0;
  for (let v = 0; v < P; v++) {
    const row = g.adj[v] as Int32Array;
    const fo = g.followOut[v] as number[];
    let ok = row.length === 0 ? fo.length === 0 : row.buffer === buf && fo.length <= row.length;
    for (let k = 0; ok && k < fo.length; k++) ok = row[k] === fo[k];
    if (!ok) {
      stale[v] = 1;
      stales++;
      continue;
    }
    // an empty row reads nothing wherever it is: [0, 0)
    const start = row.length === 0 ? 0 : row.byteOffset >> 2;
    adjStart[v] = start;
    adjEnd[v] = start + row.length;
    outEnd[v] = start + fo.length;
  }
  return stales * 16 > P ? null : { stale, stales, adjStart, adjEnd, adj, outEnd };
}
