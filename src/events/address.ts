/** NIP-01 addresses (`<kind>:<pubkey>:<d>`) of replaceable and addressable events. */
import { OtP2pError, describeValue } from '../core/errors.ts';
import { dTag, kindClass } from './types.ts';
import type { UnsignedEvent } from './types.ts';

/** The parts of an address. `d` is '' for replaceable kinds. */
export interface Address {
  kind: number;
  pubkey: string;
  d: string;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** `kind:pubkey:d`. */
export function formatAddress(a: Address): string {
  return `${a.kind}:${a.pubkey}:${a.d}`;
}

/**
 * Parse `kind:pubkey:d` (the `d` part may itself contain colons).
 * @throws OtP2pError `bad-tag` when the kind is not an integer in 0..65535 or the pubkey not 64 lowercase hex.
 */
export function parseAddress(value: string, field = 'address'): Address {
  const i = value.indexOf(':');
  const j = i < 0 ? -1 : value.indexOf(':', i + 1);
  const kindText = i < 0 ? '' : value.slice(0, i);
  const kind = /^(0|[1-9][0-9]{0,4})$/.test(kindText) ? Number(kindText) : Number.NaN;
  const pubkey = j < 0 ? '' : value.slice(i + 1, j);
  if (!(kind <= 65535) || !HEX64.test(pubkey)) {
    throw new OtP2pError('bad-tag', `${field} must be <kind>:<pubkey>:<d>, got ${describeValue(value)}`, {
      context: { field },
    });
  }
  return { kind, pubkey, d: value.slice(j + 1) };
}

/** The address of a replaceable or addressable event, or undefined for other kinds. */
export function addressOf(e: Pick<UnsignedEvent, 'kind' | 'pubkey' | 'tags'>): Address | undefined {
  const cls = kindClass(e.kind);
  if (cls === 'replaceable') return { kind: e.kind, pubkey: e.pubkey, d: '' };
  if (cls === 'addressable') return { kind: e.kind, pubkey: e.pubkey, d: dTag(e) };
  return undefined;
}
