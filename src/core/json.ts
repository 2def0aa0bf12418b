/** JSON at boundaries: parse without throwing SyntaxError, with a size cap checked first. */
import { OtP2pError } from './errors.ts';

/**
 * Parse JSON text of at most `maxBytes` UTF-16 code units' worth (a cheap pre-check before
 * parsing; exact byte limits are enforced by the callers that know them).
 * @throws OtP2pError `too-large` when over the cap, `bad-json` when not JSON.
 */
export function parseJson(text: string, field = 'json', maxLength = 1 << 20): unknown {
  if (text.length > maxLength) {
    throw new OtP2pError('too-large', `${field} is ${text.length} characters, over the limit of ${maxLength}`, {
      context: { field, length: text.length },
    });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new OtP2pError('bad-json', `${field} is not valid JSON`, { context: { field }, cause });
  }
}

/** Whether `v` is a plain object (not null, not an array). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
