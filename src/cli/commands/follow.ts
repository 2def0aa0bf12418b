/**
 * `otp2p follow add|remove|list`: the user's follow list (kind 3), edited and never replaced. The
 * logic (fetch the newest list, refuse on silence, edit, publish, refresh the web) is the Peer's
 * (`src/peer/follows.ts`); this file parses and prints.
 */
import type { FollowResult } from '../../peer/follows.ts';
import { npubEncode } from '../../keys/nip19.ts';
import { personName } from '../../events/names.ts';
import { describeGaps } from '../../relays/query.ts';
import { defineCommand } from '../command.ts';
import type { CommandContext, CommandDef, OptionDef } from '../command.ts';
import { printJson, printTable } from '../io.ts';
import { boolOption, stringOption } from '../options.ts';
import { openPeer } from '../peer.ts';
import { PASSWORD_OPTION, STDIN_SECRETS_HELP } from '../secrets.ts';
import { OtP2pError } from '../../core/errors.ts';

const FORCE_HELP =
  'Without an answer from any relay (configured relays and your NIP-65 write relays) nothing is published:\n' +
  'silence is not "no follow list", and publishing then could replace the list your other clients made.\n' +
  '--force proceeds anyway: it edits the newest list this data folder holds (the last one otp2p saw or\n' +
  'published), or starts a new list when it holds none, which replaces your list on every relay that takes it.';

const FORCE: OptionDef = {
  type: 'boolean',
  description: 'proceed when no relay answered with your follow list (see below)',
};

/** The one naming rule (`events/names.ts`): petname, else the claimed profile name with a short npub, else a short npub. */
function shownName(pubkey: string, petname?: string, profileName?: string): string {
  return personName(pubkey, {
    petname,
    profile: profileName !== undefined ? { display_name: profileName } : undefined,
  });
}

function publishesText(p: { catalog: boolean; offers: number; attestations: number }): string {
  const parts: string[] = [];
  if (p.catalog) parts.push('a catalog');
  if (p.offers > 0) parts.push(`${p.offers} offer${p.offers === 1 ? '' : 's'}`);
  if (p.attestations > 0) parts.push(`${p.attestations} attestation${p.attestations === 1 ? '' : 's'}`);
  return parts.length === 0 ? 'no catalog, offers or attestations (yet)' : parts.join(', ');
}

/** The target positional (npub, nprofile or hex); parsed by the Peer. */
function target(ctx: CommandContext): string {
  const t = ctx.args.target;
  if (typeof t !== 'string' || t.length === 0)
    throw new OtP2pError('usage', '<target> is required: an npub, nprofile or hex pubkey', {
      context: { field: '<target>' },
    });
  return t;
}

/** Print a follow/unfollow outcome; exit 1 while a relay has not acknowledged the new list. */
function report(ctx: CommandContext, verb: 'followed' | 'unfollowed', r: FollowResult, petname?: string): number {
  if (ctx.json) {
    printJson(ctx, {
      event: r.event?.id ?? null,
      pubkeys: r.pubkeys,
      base: r.base,
      relays: r.relays,
      incomplete: r.incomplete,
      refreshIncomplete: r.refreshIncomplete,
      friends: r.friends.map((f) => ({ ...f, npub: npubEncode(f.pubkey) })),
    });
  }
  if (r.incomplete.length > 0)
    ctx.io.stderr(`warning: no answer from ${describeGaps(r.incomplete)} while reading your follow list\n`);
  if (r.base === 'local')
    ctx.io.stderr('warning: --force: edited the follow list this data folder holds, not one read from a relay\n');
  if (r.refreshIncomplete.length > 0)
    ctx.io.stderr(
      `warning: no full answer from ${describeGaps(r.refreshIncomplete)} while fetching what they publish (otp2p daemon keeps syncing)\n`,
    );
  const names = r.pubkeys.map((pk) => {
    const f = r.friends.find((x) => x.pubkey === pk);
    return shownName(pk, petname, f?.profileName);
  });
  if (r.event === null) {
    if (!ctx.json)
      ctx.io.stdout(
        `${verb === 'followed' ? 'already following' : 'not following'} ${names.join(', ')}: nothing to publish\n`,
      );
    return 0;
  }
  const held = r.relays.filter((x) => x.ok).length;
  if (!ctx.json) {
    ctx.io.stdout(`${verb} ${names.join(', ')}: follow list ${r.event.id} held by ${held}/${r.relays.length} relays\n`);
    for (const x of r.relays.filter((y) => !y.ok))
      ctx.io.stdout(`  ${x.relay}: ${x.status}${x.code ? ` (${x.code})` : ''}\n`);
    for (const f of r.friends)
      ctx.io.stdout(`  ${shownName(f.pubkey, petname, f.profileName)} publishes ${publishesText(f.publishes)}\n`);
  }
  return held === r.relays.length ? 0 : 1;
}

const add: CommandDef = defineCommand({
  name: 'add',
  description: 'Follow a key: your newest follow list is fetched and only this entry added (kind 3)',
  details: `${FORCE_HELP}\nExample: otp2p follow add npub1... --name bob\n\n${STDIN_SECRETS_HELP}`,
  positionals: [{ name: 'target', description: 'npub, nprofile or hex pubkey', required: true }],
  options: {
    name: { type: 'string', value: 'PETNAME', description: 'your name for the key (the petname in your list)' },
    force: FORCE,
    'password-stdin': PASSWORD_OPTION,
  },
  run: async (ctx) => {
    const t = target(ctx);
    const petname = stringOption(ctx, 'name');
    const { peer, close } = await openPeer(ctx);
    try {
      const r = await peer.follow(t, {
        ...(petname !== undefined ? { petname } : {}),
        force: boolOption(ctx, 'force'),
      });
      return report(ctx, 'followed', r, petname);
    } finally {
      await close();
    }
  },
});

const remove: CommandDef = defineCommand({
  name: 'remove',
  description: 'Unfollow a key: your newest follow list is fetched and only its entry removed (kind 3)',
  details: `${FORCE_HELP}\n\n${STDIN_SECRETS_HELP}`,
  positionals: [{ name: 'target', description: 'npub, nprofile or hex pubkey', required: true }],
  options: { force: FORCE, 'password-stdin': PASSWORD_OPTION },
  run: async (ctx) => {
    const t = target(ctx);
    const { peer, close } = await openPeer(ctx);
    try {
      return report(ctx, 'unfollowed', await peer.unfollow(t, { force: boolOption(ctx, 'force') }));
    } finally {
      await close();
    }
  },
});

const list: CommandDef = defineCommand({
  name: 'list',
  description: 'Your follows with their names, follow distance and what they publish (catalog, offers, attestations)',
  details:
    'Names: your petname, else the name the key gives itself (kind 0, with a short npub), else a short npub.\n' +
    'Exit 1 when a relay did not answer: the list or what the follows publish may then be short.\n\n' +
    STDIN_SECRETS_HELP,
  options: { force: FORCE, 'password-stdin': PASSWORD_OPTION },
  run: async (ctx) => {
    const { peer, close } = await openPeer(ctx);
    try {
      const l = await peer.followList({ force: boolOption(ctx, 'force') });
      const rows = l.follows.map((f) => ({
        ...f,
        npub: npubEncode(f.pubkey),
        name: shownName(f.pubkey, f.petname, f.profileName),
      }));
      if (ctx.json) printJson(ctx, { follows: rows, base: l.base, incomplete: l.incomplete });
      else if (rows.length === 0) ctx.io.stdout('you follow nobody yet: otp2p follow add <npub>\n');
      else
        printTable(
          ctx,
          ['name', 'npub', 'distance', 'catalog', 'offers', 'attestations'],
          rows.map((r) => [
            r.name,
            r.npub,
            String(r.degree),
            r.publishes.catalog ? 'yes' : 'no',
            String(r.publishes.offers),
            String(r.publishes.attestations),
          ]),
        );
      if (l.incomplete.length > 0) {
        ctx.io.stderr(`warning: no full answer from ${describeGaps(l.incomplete)}: the list may be short\n`);
        return 1;
      }
      return 0;
    } finally {
      await close();
    }
  },
});

const subs = { add, remove, list };

export default defineCommand({
  name: 'follow',
  description: 'Your follow list (NIP-02 kind 3): add, remove, list; edited, never replaced',
  subcommands: Object.fromEntries(
    Object.entries(subs).map(([name, def]) => [name, { summary: def.description, load: async () => def }]),
  ),
});
