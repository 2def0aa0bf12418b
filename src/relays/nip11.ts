/**
 * NIP-11 relay information: fetched over HTTP(S) with `Accept: application/nostr+json`, bounded
 * in time and size, reduced to the limits the pool respects.
 */
import { normalizeRelayUrl } from '../core/relay-url.ts';

/** The limits otp2p respects, from a NIP-11 `limitation` object. Absent fields are undefined. */
export interface RelayLimits {
  maxMessageLength?: number;
  maxSubidLength?: number;
  maxSubscriptions?: number;
  maxLimit?: number;
  authRequired?: boolean;
  createdAtLowerLimit?: number;
  createdAtUpperLimit?: number;
  /** NIP-11 `supported_nips` (a hint: NIP-77 support is proven by an answer to NEG-OPEN). */
  supportedNips?: number[];
}

/** The HTTP URL of a relay's NIP-11 document. @throws OtP2pError `bad-relay-url`. */
export function nip11Url(relayUrl: string): string {
  const u = new URL(normalizeRelayUrl(relayUrl));
  u.protocol = u.protocol === 'wss:' ? 'https:' : 'http:';
  return u.toString();
}

const posInt = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : undefined;

/** Extract the limits from a parsed NIP-11 document; ignores malformed fields. */
export function parseRelayLimits(doc: unknown): RelayLimits {
  if (typeof doc !== 'object' || doc === null) return {};
  const nips = (doc as { supported_nips?: unknown }).supported_nips;
  const supported =
    Array.isArray(nips) && nips.length <= 200 ? { supportedNips: nips.filter((n) => Number.isSafeInteger(n)) } : {};
  const l = (doc as { limitation?: unknown }).limitation;
  if (typeof l !== 'object' || l === null) return supported;
  const o = l as Record<string, unknown>;
  const out: RelayLimits = { ...supported };
  const set = <K extends keyof RelayLimits>(k: K, v: RelayLimits[K]): void => {
    if (v !== undefined) out[k] = v;
  };
  set('maxMessageLength', posInt(o.max_message_length));
  set('maxSubidLength', posInt(o.max_subid_length));
  set('maxSubscriptions', posInt(o.max_subscriptions));
  set('maxLimit', posInt(o.max_limit));
  set('createdAtLowerLimit', posInt(o.created_at_lower_limit));
  set('createdAtUpperLimit', posInt(o.created_at_upper_limit));
  if (typeof o.auth_required === 'boolean') out.authRequired = o.auth_required;
  return out;
}

/**
 * Fetch a relay's limits. Never throws: a relay without NIP-11 (or unreachable) has no limits.
 * The body is capped at `maxBytes` (default 64 KiB) and the request at `timeoutMs` (default 3 s).
 */
export async function fetchRelayLimits(
  relayUrl: string,
  options: { timeoutMs?: number; maxBytes?: number } = {},
): Promise<RelayLimits> {
  const maxBytes = options.maxBytes ?? 64 * 1024;
  try {
    const res = await fetch(nip11Url(relayUrl), {
      headers: { accept: 'application/nostr+json' },
      signal: AbortSignal.timeout(options.timeoutMs ?? 3000),
    });
    if (!res.ok || !res.body) {
      await res.body?.cancel();
      return {};
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Uint8Array).length;
      if (size > maxBytes) return {};
      chunks.push(chunk as Uint8Array);
    }
    return parseRelayLimits(JSON.parse(Buffer.concat(chunks).toString('utf8')));
  } catch {
    return {};
  }
}
