/**
 * NIP-01 machine-readable prefixes of `OK` and `CLOSED` messages, mapped to typed codes.
 * `duplicate:` on `OK false` still means the relay holds the event (some relays send
 * `OK false "duplicate: ..."`, others `OK true`), so it counts as acknowledged.
 */
import type { ErrorCode } from '../core/errors.ts';
import type { PublishCode } from './transport.ts';

const PREFIXES: Readonly<Record<string, PublishCode>> = {
  duplicate: 'duplicate',
  invalid: 'invalid',
  pow: 'pow',
  'rate-limited': 'rate-limited',
  'auth-required': 'auth-required',
  restricted: 'restricted',
  blocked: 'blocked',
  // NIP-01: an ephemeral event nobody was listening to; sending it again changes nothing.
  mute: 'blocked',
  error: 'error',
};

/**
 * Reasons real relays send without a NIP-01 prefix (measured on nostream, ../shared/relays),
 * matched in order. Anything else without a prefix is `error`. docs/protocol.md has the table.
 */
const UNPREFIXED: ReadonlyArray<readonly [RegExp, PublishCode]> = [
  [/\bexpired\b/i, 'expired'],
  [/\blonger than \d+ bytes\b|\btoo (large|long|big)\b/i, 'too-large'],
  [/\bslow down\b|\brate limit/i, 'rate-limited'],
  [/\bduplicate\b|\balready have\b/i, 'duplicate'],
];

/** The code named by a message's `prefix:`, or undefined when it has none we know. */
export function prefixCode(message: string): PublishCode | undefined {
  const i = message.indexOf(':');
  if (i <= 0 || i > 20) return undefined;
  return PREFIXES[message.slice(0, i).trim().toLowerCase()];
}

/**
 * The code of a refusal message: its NIP-01 prefix when it has one we know, else the first
 * match in the table of unprefixed reasons, else `error`.
 */
export function reasonCode(message: string): PublishCode {
  const known = prefixCode(message);
  if (known !== undefined) return known;
  for (const [re, code] of UNPREFIXED) if (re.test(message)) return code;
  return 'error';
}

/** Classify an `OK` answer: `{ ok, code, message }` for a {@link PublishResult}. */
export function classifyOk(accepted: boolean, message: string): { ok: boolean; code: PublishCode; message: string } {
  if (accepted) return { ok: true, code: prefixCode(message) === 'duplicate' ? 'duplicate' : 'ok', message };
  const code = reasonCode(message);
  if (code === 'duplicate') return { ok: true, code, message };
  return { ok: false, code, message };
}

/**
 * Whether a refusal is permanent: retrying the same event at the same relay cannot succeed.
 * `auth-required`, `restricted` (may lift after AUTH), `rate-limited` and transport failures
 * are worth retrying; `error` (including reasons we cannot classify) a bounded number of
 * times ({@link MAX_ERROR_ATTEMPTS}).
 */
export function isPermanent(code: PublishCode): boolean {
  return code === 'invalid' || code === 'blocked' || code === 'pow' || code === 'too-large' || code === 'expired';
}

/** Attempts at one relay that may end in `error` before the outbox parks the target as failed. */
export const MAX_ERROR_ATTEMPTS = 5;

/** The {@link ErrorCode} for a refusal code (for errors thrown on top of a PublishResult). */
export function errorCodeFor(code: PublishCode): ErrorCode {
  switch (code) {
    case 'duplicate':
    case 'invalid':
    case 'rate-limited':
    case 'auth-required':
    case 'restricted':
    case 'blocked':
    case 'relay-unreachable':
    case 'timeout':
    case 'too-large':
    case 'expired':
      return code;
    default:
      return 'relay-error';
  }
}
