/**
 * The names a peer knows for the keys of its web: the user's petnames (from the user's own kind 3)
 * and the profiles the keys publish (kind 0), newest event per author. Fed by the web's ingestion;
 * read through {@link NameBook.nameOf}, which applies the one naming rule of `events/names.ts`.
 */
import { isOtP2pError } from '../core/errors.ts';
import { parseFollowsEvent } from '../events/follows.ts';
import { Kind } from '../events/kinds.ts';
import { parseMetadataEvent } from '../events/metadata.ts';
import type { Metadata } from '../events/metadata.ts';
import { personName } from '../events/names.ts';
import type { NostrEvent } from '../events/types.ts';

type Profile = Pick<Metadata, 'name' | 'display_name'>;

/** Petnames and profile names, by hex pubkey. */
export class NameBook {
  readonly #self: string;
  #petnames = new Map<string, string>();
  #petnamesAt = -1;
  // Only the two fields shown are kept: the web may hold many profiles, their pictures and bios are not needed.
  readonly #profiles = new Map<string, { profile: Profile; createdAt: number }>();

  /** @param self our pubkey: only our own follow list gives petnames. */
  constructor(self: string) {
    this.#self = self;
  }

  /**
   * Take what a verified event says about names: our kind 3's petnames, anyone's kind 0. Other
   * kinds are ignored. Returns false when the event is malformed (the caller logs and skips it).
   */
  absorb(e: NostrEvent): boolean {
    try {
      if (e.kind === Kind.Metadata) {
        const cur = this.#profiles.get(e.pubkey);
        if (cur && cur.createdAt >= e.created_at) return true;
        const m = parseMetadataEvent(e);
        const profile: Profile = {};
        if (m.name !== undefined) profile.name = m.name;
        if (m.display_name !== undefined) profile.display_name = m.display_name;
        this.#profiles.set(e.pubkey, { profile, createdAt: e.created_at });
      } else if (e.kind === Kind.Follows && e.pubkey === this.#self) {
        if (this.#petnamesAt >= e.created_at) return true;
        const next = new Map<string, string>();
        for (const f of parseFollowsEvent(e).follows) if (f.petname !== undefined) next.set(f.pubkey, f.petname);
        this.#petnames = next;
        this.#petnamesAt = e.created_at;
      }
      return true;
    } catch (err) {
      if (isOtP2pError(err)) return false;
      throw err;
    }
  }

  /** The user's petname for `pubkey`, if any. */
  petnameOf(pubkey: string): string | undefined {
    return this.#petnames.get(pubkey);
  }

  /** The name to show for `pubkey`: petname, else claimed profile name with a short npub, else a short npub. */
  nameOf(pubkey: string): string {
    return personName(pubkey, { petname: this.#petnames.get(pubkey), profile: this.#profiles.get(pubkey)?.profile });
  }
}
