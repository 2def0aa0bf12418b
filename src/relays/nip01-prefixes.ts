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
  error: 'error',
};

/** The code named by a message's `prefix:`, or undefined when it has none we know. */
export function prefixCode(message: string): PublishCode | undefined {
  const i = message.indexOf(':');
  if (i <= 0 || i > 20) return undefined;
  return PREFIXES[message.slice(0, i)];
}

/** Classify an `OK` answer: `{ ok, code, message }` for a {@link PublishResult}. */
export function classifyOk(accepted: boolean, message: string): { ok: boolean; code: PublishCode; message: string } {
  const code = prefixCode(message);
  if (code === 'duplicate') return { ok: true, code, message };
  if (accepted) return { ok: true, code: 'ok', message };
  // A refusal without a known prefix is a generic relay error.
  return { ok: false, code: code ?? 'error', message };
}

/**
 * Whether a refusal is permanent: retrying the same event at the same relay cannot succeed.
 * `auth-required`, `restricted` (may lift after AUTH), `rate-limited`, `error` and transport
 * failures are worth retrying.
 */
export function isPermanent(code: PublishCode): boolean {
  return code === 'invalid' || code === 'blocked' || code === 'pow' || code === 'too-large';
}

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
      return code;
    default:
      return 'relay-error';
  }
}
