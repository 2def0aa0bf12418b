/**
 * Kind 0 (NIP-01 user metadata): a JSON object in `content`. The well-known fields are typed;
 * every other field is kept in `extra` so a parse/build round trip loses nothing.
 */
import { OtP2pError, describeValue } from '../core/errors.ts';
import { isRecord } from '../core/json.ts';
import { Kind } from './kinds.ts';
import type { EventTemplate, NostrEvent } from './types.ts';

/** Well-known string fields of kind-0 metadata (NIP-01, NIP-05, NIP-24, NIP-57). */
export const METADATA_FIELDS = [
  'name',
  'display_name',
  'about',
  'picture',
  'banner',
  'website',
  'nip05',
  'lud06',
  'lud16',
] as const;

/** A known metadata field. */
export type MetadataField = (typeof METADATA_FIELDS)[number];

/** Parsed metadata. */
export type Metadata = { [K in MetadataField]?: string } & {
  /** NIP-24 `bot`. */
  bot?: boolean;
  /** Every other field, as found. */
  extra?: Record<string, unknown>;
};

/** Maximum `content` length accepted by the parser, in UTF-16 units (the event limit bounds it anyway). */
const MAX_CONTENT = 60 * 1024;

/** Set an own property even for `__proto__` (plain assignment would change the prototype). */
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function expectKind(event: Pick<NostrEvent, 'kind'>, kind: number, what: string): void {
  if (event.kind !== kind)
    throw new OtP2pError('bad-kind', `${what} must be kind ${kind}, got ${describeValue(event.kind)}`, {
      context: { kind: event.kind },
    });
}

/**
 * Build a kind-0 template.
 * @throws OtP2pError `bad-input` when `extra` repeats a known field.
 */
export function buildMetadataEvent(meta: Metadata, createdAt: number): EventTemplate {
  const body: Record<string, unknown> = {};
  for (const f of METADATA_FIELDS) if (meta[f] !== undefined) body[f] = meta[f];
  if (meta.bot !== undefined) body.bot = meta.bot;
  for (const [k, v] of Object.entries(meta.extra ?? {})) {
    if (k in body || (METADATA_FIELDS as readonly string[]).includes(k) || k === 'bot') {
      throw new OtP2pError('bad-input', `metadata extra field ${describeValue(k)} is a known field`, {
        context: { field: k },
      });
    }
    define(body, k, v);
  }
  return { kind: Kind.Metadata, created_at: createdAt, tags: [], content: JSON.stringify(body) };
}

/**
 * Parse a kind-0 event.
 * @throws OtP2pError `bad-kind` for another kind; `bad-content` when `content` is not a JSON
 *   object or a known field has the wrong type.
 */
export function parseMetadataEvent(event: Pick<NostrEvent, 'kind' | 'content'>): Metadata {
  expectKind(event, Kind.Metadata, 'metadata');
  if (event.content.length > MAX_CONTENT)
    throw new OtP2pError('bad-content', `metadata content is ${event.content.length} characters, over ${MAX_CONTENT}`);
  let body: unknown;
  try {
    body = JSON.parse(event.content);
  } catch {
    throw new OtP2pError('bad-content', 'metadata content is not JSON', { context: { field: 'content' } });
  }
  if (!isRecord(body))
    throw new OtP2pError('bad-content', `metadata content must be a JSON object, got ${describeValue(body)}`);
  const out: Metadata = {};
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) {
    if ((METADATA_FIELDS as readonly string[]).includes(k)) {
      if (v === null) continue; // some clients write null for "unset"
      if (typeof v !== 'string')
        throw new OtP2pError('bad-content', `metadata field ${k} must be a string, got ${describeValue(v)}`, {
          context: { field: k },
        });
      out[k as MetadataField] = v;
    } else if (k === 'bot') {
      if (typeof v !== 'boolean')
        throw new OtP2pError('bad-content', `metadata field bot must be a boolean, got ${describeValue(v)}`, {
          context: { field: k },
        });
      out.bot = v;
    } else {
      define(extra, k, v);
    }
  }
  if (Object.keys(extra).length) out.extra = extra;
  return out;
}
