/**
 * Typed errors. Every boundary of otp2p (relay messages, events, DMs, OT files, CLI arguments,
 * config) throws or returns an {@link OtP2pError} whose `code` is stable: callers and scripts
 * branch on the code, humans read the message. Messages name the field and the bad value, but
 * never a secret (keys, mnemonics, passwords, decrypted DM text).
 *
 * The category of a code decides the CLI exit code: usage 2, verification/security 3,
 * everything else 1.
 */

/** How a failure is classified for exit codes and for callers deciding whether to retry. */
export type ErrorCategory = 'usage' | 'runtime' | 'verification';

/**
 * Every stable error code, grouped by area. Adding a code is an API change: add it here, with
 * its category, and document it where the area is documented.
 */
export const ERROR_CODES = {
  // core / generic input
  'bad-input': 'usage',
  'bad-json': 'usage',
  'bad-hex': 'usage',
  'bad-amount': 'usage',
  'bad-config': 'usage',
  usage: 'usage',
  'unknown-command': 'usage',
  'not-found': 'runtime',
  'io-error': 'runtime',
  internal: 'runtime',
  timeout: 'runtime',
  aborted: 'runtime',
  closed: 'runtime',
  // keys
  'bad-mnemonic': 'usage',
  'bad-derivation-path': 'usage',
  'bad-key': 'usage',
  'bad-bech32': 'usage',
  'bad-checksum': 'usage',
  'wrong-prefix': 'usage',
  'wrong-length': 'usage',
  'bad-tlv': 'usage',
  'bad-password': 'verification',
  'bad-ncryptsec': 'verification',
  'scrypt-too-costly': 'verification',
  'no-identity': 'usage',
  'identity-exists': 'usage',
  'no-password': 'usage',
  /** A secret would be printed in clear where no person is watching (stdout not a terminal). */
  'not-a-terminal': 'usage',
  /** The secret asked for is not held here (a remote signer's key). */
  'not-exportable': 'usage',
  'bad-vault': 'verification',
  // events (NIP-01 verification)
  'bad-id': 'verification',
  'bad-sig': 'verification',
  'bad-shape': 'verification',
  'too-large': 'verification',
  'too-many-tags': 'verification',
  'created-at-future': 'verification',
  'created-at-too-old': 'verification',
  'bad-kind': 'verification',
  'bad-tag': 'verification',
  'bad-content': 'verification',
  expired: 'verification',
  // store
  'db-error': 'runtime',
  'migration-failed': 'runtime',
  // relays (NIP-01 OK/CLOSED prefixes and transport failures)
  duplicate: 'runtime',
  invalid: 'verification',
  'rate-limited': 'runtime',
  'auth-required': 'runtime',
  restricted: 'runtime',
  blocked: 'runtime',
  'relay-error': 'runtime',
  'relay-unreachable': 'runtime',
  'bad-relay-url': 'usage',
  'bad-relay-message': 'verification',
  'frame-too-large': 'verification',
  'no-relays': 'usage',
  // a one-shot query some relays did not answer (no answer is not an empty answer)
  'relay-incomplete': 'runtime',
  // OT files and API. A file otp2p cannot read is an input error (exit 2); exit 3 stays for a
  // signature that does not verify (`bad-signature`).
  'bad-armor': 'usage',
  'bad-base64': 'usage',
  'inflate-failed': 'usage',
  'inflate-too-large': 'usage',
  'bad-xml': 'usage',
  'xml-too-deep': 'usage',
  'bad-ot-file': 'usage',
  'bad-ot-layout': 'usage',
  'unknown-notary': 'runtime',
  'unknown-unit': 'runtime',
  'unknown-account': 'runtime',
  'insufficient-funds': 'runtime',
  'bad-mint': 'usage',
  'bad-signature': 'verification',
  'ot-read-only': 'usage',
  'idempotency-conflict': 'runtime',
  // mint transparency
  'bad-attestation': 'verification',
  'bad-evidence': 'verification',
  'not-equivocation': 'usage',
  // messaging
  'bad-payload': 'verification',
  'bad-mac': 'verification',
  'bad-padding': 'verification',
  'bad-version': 'verification',
  'bad-wrap': 'verification',
  'bad-seal': 'verification',
  'pubkey-mismatch': 'verification',
  replay: 'verification',
  'stale-message': 'verification',
  'unknown-message-type': 'verification',
  'unsupported-version': 'verification',
  'bad-message': 'verification',
  // catalog / offers / pathing
  'bad-catalog': 'verification',
  'empty-catalog': 'usage',
  /** A catalog advertises a unit (or BTC) this wallet has no account (or wallet) to receive in. */
  'cannot-receive': 'usage',
  'bad-offer': 'verification',
  'bad-rate': 'verification',
  'no-route': 'runtime',
  'no-common-asset': 'runtime',
  // payments
  'payment-failed': 'runtime',
  'payment-exists': 'runtime',
  'quote-expired': 'runtime',
  'hop-refused': 'runtime',
  'hop-timeout': 'runtime',
  'hop-misbehaved': 'verification',
  'exposure-limit': 'runtime',
  'fee-too-high': 'runtime',
  'bad-preimage': 'verification',
  'outside-radius': 'runtime',
  // bitcoin
  'bad-address': 'usage',
  'bad-psbt': 'verification',
  'chain-error': 'runtime',
  'rpc-error': 'runtime',
  dust: 'usage',
  // daemon
  'daemon-running': 'runtime',
  // signers (local key, NIP-46 remote signer)
  'bad-bunker-uri': 'usage',
  'signer-timeout': 'runtime',
  'signer-refused': 'runtime',
  'signer-mismatch': 'verification',
  // ui (local dashboard)
  'ui-not-built': 'usage',
  'ui-read-only': 'usage',
  'ui-unauthorized': 'verification',
} as const satisfies Record<string, ErrorCategory>;

/** A stable error code; see {@link ERROR_CODES}. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Options for {@link OtP2pError}. `context` must never carry secrets. */
export interface OtP2pErrorOptions {
  /** Where the bad value was found and what it was: field names, offending (public) values. */
  context?: Record<string, unknown>;
  cause?: unknown;
}

/** The one error type otp2p throws across its boundaries. */
export class OtP2pError extends Error {
  override readonly name = 'OtP2pError';
  readonly code: ErrorCode;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: OtP2pErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.context = Object.freeze({ ...options.context });
  }

  /** The category of this error's code. */
  get category(): ErrorCategory {
    return ERROR_CODES[this.code];
  }

  /** A JSON-safe view (what `--json` prints on failure). */
  toJSON(): { code: ErrorCode; message: string; context?: Record<string, unknown> } {
    const ctx = Object.keys(this.context).length > 0 ? { context: { ...this.context } } : {};
    return { code: this.code, message: this.message, ...ctx };
  }
}

/** Whether `value` is an {@link OtP2pError}, optionally with the given code. */
export function isOtP2pError(value: unknown, code?: ErrorCode): value is OtP2pError {
  return value instanceof OtP2pError && (code === undefined || value.code === code);
}

/** Whether `code` is one of the stable codes. */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}

/** CLI exit code for an error: 2 usage, 3 verification/security, 1 otherwise. */
export function exitCodeFor(err: unknown): 1 | 2 | 3 {
  if (!(err instanceof OtP2pError)) return 1;
  switch (err.category) {
    case 'usage':
      return 2;
    case 'verification':
      return 3;
    default:
      return 1;
  }
}

/**
 * Describe a value for an error message without dumping it: short strings are quoted, long
 * ones truncated, other types named. Never pass secrets here.
 */
export function describeValue(value: unknown, max = 40): string {
  if (typeof value === 'string') {
    const s = value.length > max ? `${value.slice(0, max)}… (${value.length} chars)` : value;
    return JSON.stringify(s);
  }
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return `array(${value.length})`;
  return typeof value;
}
