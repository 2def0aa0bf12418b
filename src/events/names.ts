/**
 * The name a person reads for a key. A 64-hex key means nothing to anyone and invites pasting
 * the wrong one; every place that shows a peer (route hops, payments, DMs, status, errors, the
 * dashboard) uses {@link personName}, in this order:
 * 1. the user's own petname for the key (NIP-02 kind 3 `p` tag): the only name the user chose;
 * 2. the name the key gives itself (kind 0 `display_name`, else `name`): anyone can claim
 *    "alice", so it is shown with a short npub beside it, never alone;
 * 3. a short npub (`npub1abcdefgh…wxyz`).
 *
 * Names are other people's text: they are cut to one short line here; terminal control
 * characters are made visible by the CLI's output sanitizer, not here.
 */
import { npubEncode } from '../keys/nip19.ts';
import type { Metadata } from './metadata.ts';

/** Longest self-chosen name shown, in code points: long enough for real names, too short to forge a line. */
export const MAX_SHOWN_NAME = 40;

/**
 * A short, recognisable form of a key: the npub's first 12 characters and last 4.
 * @throws OtP2pError `bad-hex` (or `wrong-length`) when `pubkey` is not 64 lowercase hex characters.
 */
export function shortNpub(pubkey: string): string {
  const npub = npubEncode(pubkey);
  return `${npub.slice(0, 12)}…${npub.slice(-4)}`;
}

/** What is known about a key's names. */
export interface NameSources {
  /** The user's petname for the key (their own follow list). */
  petname?: string | undefined;
  /** The key's kind 0 profile, when fetched. */
  profile?: Pick<Metadata, 'name' | 'display_name'> | undefined;
}

/**
 * One line of at most {@link MAX_SHOWN_NAME} code points, or undefined when nothing printable
 * is left: whitespace runs (newlines included) become one space, so a name cannot start a line
 * of its own in a table.
 */
export function tidyName(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const one = raw.replace(/\s+/gu, ' ').trim();
  if (one === '') return undefined;
  const points = [...one];
  return points.length <= MAX_SHOWN_NAME ? one : `${points.slice(0, MAX_SHOWN_NAME - 1).join('')}…`;
}

/**
 * The name to show for `pubkey` (see the module comment for the order and why).
 * @throws OtP2pError `bad-hex` (or `wrong-length`) when `pubkey` is not 64 lowercase hex characters.
 */
export function personName(pubkey: string, sources: NameSources = {}): string {
  const short = shortNpub(pubkey);
  const petname = tidyName(sources.petname);
  if (petname !== undefined) return petname;
  const claimed = tidyName(sources.profile?.display_name) ?? tidyName(sources.profile?.name);
  return claimed !== undefined ? `${claimed} (${short})` : short;
}
