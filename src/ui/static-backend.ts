/**
 * {@link StaticDashboardBackend}: the dashboard over an offline offers file (the `otp2p route
 * --offers` format) and the real route finder. For what-if views and audits without a running
 * peer: no relays, no outbox, no payments; `pay` and `sendDm` refuse with `ui-read-only`.
 */
import { OtP2pError, describeValue } from '../core/errors.ts';
import { parseAmount } from '../core/amount.ts';
import { isRecord } from '../core/json.ts';
import { formatUnitRef, parseUnitRef } from '../events/offer.ts';
import { npubEncode, parsePubkey } from '../keys/nip19.ts';
import { Router, buildGraph, offerToJson, routeToJson } from '../pathing/index.ts';
import type { OfferGraph, OffersFile } from '../pathing/index.ts';
import type { RouteJson } from '../pathing/file.ts';
import type {
  DashboardBackend,
  FollowResultView,
  DashboardEvent,
  DmSentView,
  DmView,
  IdentityView,
  MintVerdictView,
  OutboxView,
  PayResultView,
  PaymentView,
  PeerNode,
  RelayView,
  RouteRequest,
  SocialGraphView,
} from './backend.ts';

/** Options for {@link StaticDashboardBackend}. */
export interface StaticBackendOptions {
  /** The parsed offers file (`parseOffersFile`). */
  file: OffersFile;
  /** The user's pubkey (hex): the payer of every route. */
  self: string;
  /** Display names by pubkey (the offers file's optional `names` object). */
  names?: Record<string, string>;
  /** Verdicts to show on the mint page (computed with `computeVerdicts`). */
  mintVerdicts?: MintVerdictView[];
  /** Tags per pubkey (e.g. `alarm`). */
  tags?: Record<string, string[]>;
  /** Most transfers on a path (default 6). */
  maxHops?: number;
}

/**
 * Read the optional `names` object of an offers file: `{ pubkey: "Alice" }`. Unknown fields of the
 * file are ignored by `parseOffersFile`, so the same file serves `otp2p route` and `otp2p ui`.
 * @throws OtP2pError `bad-input` when `names` is not an object of short strings.
 */
export function parseNames(value: unknown): Record<string, string> {
  if (!isRecord(value) || value.names === undefined) return {};
  if (!isRecord(value.names))
    throw new OtP2pError('bad-input', 'names must be an object of pubkey -> name', { context: { field: 'names' } });
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value.names)) {
    if (!/^[0-9a-f]{64}$/.test(k) || typeof v !== 'string' || v.length === 0 || v.length > 64) {
      throw new OtP2pError(
        'bad-input',
        `names entries must be hex pubkey -> name of 1 to 64 characters (at ${k.slice(0, 12)})`,
        { context: { field: 'names' } },
      );
    }
    out[k] = v;
  }
  return out;
}

/** Whether `text` (a unit name or `unit@notary`, any case) names `u`. */
function sameUnit(u: { unit: string; notary: string }, text: string): boolean {
  const t = text.trim().toLowerCase();
  return t === u.unit.toLowerCase() || t === formatUnitRef(u).toLowerCase();
}

/** The dashboard over an offline offers file and the real {@link Router}. Read-only. */
export class StaticDashboardBackend implements DashboardBackend {
  readonly #opts: StaticBackendOptions;
  readonly #graph: OfferGraph;
  readonly #router: Router;
  readonly #listeners = new Set<(event: DashboardEvent) => void>();

  /** @throws OtP2pError as `buildGraph`, and `bad-key` when `self` is not a hex pubkey. */
  constructor(options: StaticBackendOptions) {
    parsePubkey(options.self, 'self');
    this.#opts = options;
    this.#graph = buildGraph(options.file);
    this.#router = new Router(this.#graph);
  }

  identity(): IdentityView {
    const { self, names } = this.#opts;
    const held = new Set<string>();
    // What the user can spend is what its own accept list says, or else any offer input in the file.
    for (const u of this.#opts.file.accepts[self] ?? []) held.add(formatUnitRef(u));
    if (held.size === 0) for (const o of this.#opts.file.offers) held.add(formatUnitRef(o.in));
    const name = names?.[self];
    return { pubkey: self, npub: npubEncode(self), ...(name ? { name } : {}), units: [...held].sort() };
  }

  relays(): RelayView[] {
    return [];
  }

  outbox(): OutboxView {
    return { counts: { pending: 0, acked: 0, failed: 0 }, items: [] };
  }

  socialGraph(): SocialGraphView {
    const { file, self, names, tags } = this.#opts;
    const keys = new Set<string>([self]);
    for (const o of file.offers) keys.add(o.pubkey);
    for (const [k, list] of Object.entries(file.follows)) {
      keys.add(k);
      for (const p of list) keys.add(p);
    }
    for (const k of Object.keys(file.accepts)) keys.add(k);
    // Follow-steps from the user, breadth first.
    const degree = new Map<string, number>([[self, 0]]);
    let frontier = [self];
    for (let d = 1; frontier.length > 0; d++) {
      const next: string[] = [];
      for (const p of frontier)
        for (const f of file.follows[p] ?? []) if (!degree.has(f)) degree.set(f, d), next.push(f);
      frontier = next;
    }
    const nodes: PeerNode[] = [...keys].sort().map((pubkey) => {
      const n: PeerNode = { pubkey, npub: npubEncode(pubkey) };
      const name = names?.[pubkey];
      if (name) n.name = name;
      const d = degree.get(pubkey);
      if (d !== undefined) n.degree = d;
      const acc = file.accepts[pubkey];
      if (acc) n.accepts = acc.map(formatUnitRef);
      const t = tags?.[pubkey];
      if (t) n.tags = [...t];
      return n;
    });
    const edges = Object.entries(file.follows).flatMap(([from, list]) => list.map((to) => ({ from, to })));
    return { self, nodes, edges, offers: file.offers.map(offerToJson) };
  }

  findRoute(request: RouteRequest): RouteJson {
    const to = parsePubkey(request.to, 'to');
    const amount = parseAmount(request.amount, 'amount', { min: 1n });
    const fromUnit = parseUnitRef(request.unit, 'unit');
    const all = this.#opts.file.accepts[to] ?? [];
    const wanted = request.payeeUnit === undefined ? all : all.filter((u) => sameUnit(u, request.payeeUnit as string));
    if (wanted.length === 0 && request.payeeUnit !== undefined) {
      throw new OtP2pError(
        'no-route',
        `the payee does not accept ${describeValue(request.payeeUnit)}; it accepts ${all.map(formatUnitRef).join(', ') || 'nothing'}`,
        { context: { unit: request.payeeUnit } },
      );
    }
    return routeToJson(
      this.#router.findMultiRoute({
        from: this.#opts.self,
        fromUnit,
        to,
        toUnits: wanted,
        amount,
        maxHops: this.#opts.maxHops ?? 6,
      }),
    );
  }

  pay(): PayResultView {
    throw new OtP2pError(
      'ui-read-only',
      'this dashboard runs over an offline offers file and cannot pay; start it against a peer to pay',
    );
  }

  mintVerdicts(): MintVerdictView[] {
    const order = { equivocation: 0, rare: 1, reissued: 2, unknown: 3, consistent: 4 } as const;
    return [...(this.#opts.mintVerdicts ?? [])].sort(
      (a, b) => order[a.verdict] - order[b.verdict] || a.d.localeCompare(b.d),
    );
  }

  payments(): PaymentView[] {
    return [];
  }

  dms(): DmView[] {
    return [];
  }

  sendDm(): DmSentView {
    throw new OtP2pError(
      'ui-read-only',
      'this dashboard runs over an offline offers file and cannot send messages; start it against a peer',
    );
  }

  follow(): FollowResultView {
    throw new OtP2pError(
      'ui-read-only',
      'this dashboard runs over an offline offers file and cannot change your follow list; start it against a peer',
    );
  }

  /** Push a live update to every listener (e.g. after the offers file was reloaded). */
  publish(event: DashboardEvent): void {
    for (const l of [...this.#listeners]) l(event);
  }

  on(listener: (event: DashboardEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }
}
