/**
 * Splitting a REQ so that every frame stays under a relay's NIP-11 `max_message_length`: a
 * bigger frame makes nostream close the socket (1009), and the live subscription of a wallet
 * whose web of trust has thousands of authors would never start. A filter too big on its own is
 * cut along its longest list (`authors`, `ids` or a `#tag`); the parts are packed greedily into
 * frames. Every part asks for a subset of the original, and their union is the original.
 */
import type { Filter } from '../events/filter.ts';

/** Frame budget when a relay does not say (NIP-11 unknown): well under every relay we know. */
export const DEFAULT_MAX_MESSAGE_LENGTH = 64 * 1024;

/** Room left in a frame for `["REQ","<id>.<part>",` and the closing bracket. */
const FRAME_OVERHEAD = 96;

function bytesOf(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/** The longest list field of a filter, or undefined when none has two values or more. */
function longestList(f: Filter): string | undefined {
  let best: string | undefined;
  let len = 1;
  for (const [k, v] of Object.entries(f)) {
    if (Array.isArray(v) && v.length > len) {
      best = k;
      len = v.length;
    }
  }
  return best;
}

function splitFilter(f: Filter, budget: number, out: Filter[]): void {
  const key = longestList(f);
  if (bytesOf(f) <= budget || key === undefined) {
    out.push(f);
    return;
  }
  const values = (f as Record<string, unknown>)[key] as unknown[];
  const half = Math.ceil(values.length / 2);
  splitFilter({ ...f, [key]: values.slice(0, half) } as Filter, budget, out);
  splitFilter({ ...f, [key]: values.slice(half) } as Filter, budget, out);
}

/**
 * The filter groups to send as separate REQs, each group's frame under `maxMessageLength`
 * bytes. One group (the filters as given) when they fit. A filter that cannot be cut further
 * (no list of two values) is sent alone even if over budget: the relay then says so.
 */
export function splitReq(filters: readonly Filter[], maxMessageLength = DEFAULT_MAX_MESSAGE_LENGTH): Filter[][] {
  const budget = Math.max(256, maxMessageLength - FRAME_OVERHEAD);
  if (bytesOf(filters) <= budget) return [[...filters]];
  const pieces: Filter[] = [];
  for (const f of filters) splitFilter(f, budget, pieces);
  const groups: Filter[][] = [];
  let cur: Filter[] = [];
  let size = 2;
  for (const p of pieces) {
    const b = bytesOf(p) + 1;
    if (cur.length > 0 && size + b > budget) {
      groups.push(cur);
      cur = [];
      size = 2;
    }
    cur.push(p);
    size += b;
  }
  if (cur.length > 0) groups.push(cur);
  return groups;
}
