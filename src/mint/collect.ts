/**
 * Gathering what verdicts need over a {@link Transport}: follow lists (the web of trust) and the
 * web's attestations. Pull only: nothing here publishes, so checking reveals nothing about which
 * mint the user holds beyond the (notary, unit, series) asked for, which every holder of that
 * unit asks for too.
 */
import { parseAttestationEvent } from '../events/attestation.ts';
import type { ParsedAttestation } from '../events/attestation.ts';
import { parseFollowsEvent } from '../events/follows.ts';
import { Kind } from '../events/kinds.ts';
import type { NostrEvent } from '../events/types.ts';
import { chunks } from '../core/batches.ts';
import { queryEvents } from '../relays/query.ts';
import type { RelayGap, Transport } from '../relays/transport.ts';
import { isOtP2pError } from '../core/errors.ts';
import { DEFAULT_DEPTH } from './verdict.ts';
import { checkEvidence } from './evidence.ts';
import type { CheckedEvidence, MintSignatureCheck } from './evidence.ts';
import type { TrustedContract } from '../otapi/otcrypto.ts';
import { addGaps } from '../relays/query.ts';

/** Authors per filter: keeps REQs well under relay limits on filter size. */
const AUTHOR_CHUNK = 200;

/** Moved to relays/query.ts; kept here for callers of the mint area. */
export { queryEvents } from '../relays/query.ts';

/** The web of trust as fetched: distance of each key, and who follows whom. */
export interface FetchedWeb {
  /** Keys in the web (root excluded) with their hop distance. */
  web: Map<string, number>;
  /** Follow list per author fetched. */
  follows: Map<string, string[]>;
  /** Relays that did not answer some of the queries: the web may be cut short there. */
  incomplete: RelayGap[];
}

/**
 * Fetch follow lists breadth-first from `root` up to `depth` hops (newest list per author), in
 * memory, from the transport's read relays. The Peer and `otp2p mint check` read the persisted
 * web (`src/web/`) instead; this walk stays for `MintWatcher`s built without one and as the
 * benchmark's baseline (issue 17): its cost grows with everyone `depth` steps away.
 */
export async function fetchWebOfTrust(transport: Transport, root: string, depth = DEFAULT_DEPTH): Promise<FetchedWeb> {
  const follows = new Map<string, string[]>();
  const web = new Map<string, number>();
  const incomplete: RelayGap[] = [];
  const seen = new Set([root]);
  let frontier = [root];
  for (let d = 1; d <= depth && frontier.length > 0; d++) {
    const newest = new Map<string, NostrEvent>();
    for (const authors of chunks(frontier, AUTHOR_CHUNK)) {
      const r = await queryEvents(transport, [{ kinds: [Kind.Follows], authors }]);
      addGaps(incomplete, r.incomplete);
      for (const e of r.events) {
        const cur = newest.get(e.pubkey);
        if (!cur || e.created_at > cur.created_at) newest.set(e.pubkey, e);
      }
    }
    const next: string[] = [];
    for (const [author, e] of newest) {
      const list = parseFollowsEvent(e).follows.map((f) => f.pubkey);
      follows.set(author, list);
      for (const pk of list) {
        if (seen.has(pk)) continue;
        seen.add(pk);
        web.set(pk, d);
        next.push(pk);
      }
    }
    frontier = next;
  }
  return { web, follows, incomplete };
}

/**
 * Fetch the attestations of `authors` for the given `d` values. Malformed attestations are
 * skipped (counted in `skipped`), never fatal: they come from other people.
 */
export async function fetchAttestations(
  transport: Transport,
  ds: readonly string[],
  authors: readonly string[],
): Promise<{ attestations: ParsedAttestation[]; skipped: number; incomplete: RelayGap[] }> {
  const attestations: ParsedAttestation[] = [];
  const incomplete: RelayGap[] = [];
  let skipped = 0;
  if (ds.length === 0 || authors.length === 0) return { attestations, skipped, incomplete };
  for (const chunk of chunks(authors, AUTHOR_CHUNK)) {
    const r = await queryEvents(transport, [{ kinds: [Kind.MintAttestation], authors: chunk, '#d': [...ds] }]);
    addGaps(incomplete, r.incomplete);
    for (const e of r.events) {
      try {
        attestations.push(parseAttestationEvent(e));
      } catch (err) {
        if (!isOtP2pError(err)) throw err;
        skipped++;
      }
    }
  }
  return { attestations, skipped, incomplete };
}

/**
 * Fetch equivocation evidence for the given `d` values from anyone (evidence is checked, and its
 * weight decided by `computeVerdicts`). Evidence that does not check out is skipped and counted.
 */
export async function fetchEvidence(
  transport: Transport,
  ds: readonly string[],
  verify?: MintSignatureCheck,
  cache?: Map<string, CheckedEvidence | null>,
  contractFor?: (notaryId: string) => TrustedContract | undefined,
): Promise<{ evidence: CheckedEvidence[]; skipped: number; incomplete: RelayGap[] }> {
  const evidence: CheckedEvidence[] = [];
  let skipped = 0;
  if (ds.length === 0) return { evidence, skipped, incomplete: [] };
  const r = await queryEvents(transport, [{ kinds: [Kind.MintEvidence], '#d': [...ds], limit: 500 }]);
  for (const e of r.events) {
    // Checking inflates and fingerprints the included mints: remember the outcome per (id, sig).
    const key = e.id + e.sig;
    let checked = cache?.get(key);
    if (checked === undefined) {
      try {
        checked = checkEvidence(e, verify, contractFor);
      } catch (err) {
        if (!isOtP2pError(err)) throw err;
        checked = null;
      }
      cache?.set(key, checked);
    }
    if (checked) evidence.push(checked);
    else skipped++;
  }
  return { evidence, skipped, incomplete: r.incomplete };
}
