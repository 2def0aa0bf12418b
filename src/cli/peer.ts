/**
 * Opening the user's {@link Peer} for a command: unlock the identity, read the configuration,
 * attach the OT wallet, and use `--relay` when given. One place, so every command that talks to
 * the network composes the same parts in the same way.
 */
import type { OtApi } from '../otapi/api.ts';
import { OtDataFolder } from '../otapi/datafolder.ts';
import type { ReceiptLookup } from '../payments/adapters/otapi.ts';
import { createPeer } from '../peer.ts';
import type { Peer } from '../peer.ts';
import type { CommandContext } from './command.ts';
import { unlockHomeIdentity } from './secrets.ts';

/** The OT side of a peer as configured: the wallet API and how incoming transfers are checked. */
export interface OtAttachment {
  otApi?: OtApi;
  receiptLookup?: ReceiptLookup;
  close?: () => void;
}

/** Hooks other areas register to attach other OT backends (e.g. simulated notaries). */
const attachers: Array<(ctx: CommandContext) => OtAttachment | undefined> = [
  (ctx) => {
    const dir = ctx.home.config().otData;
    return dir ? { otApi: new OtDataFolder(dir) } : undefined;
  },
];

/** Register an OT backend attacher; the first one that returns an attachment wins (newest first). */
export function registerOtAttacher(attach: (ctx: CommandContext) => OtAttachment | undefined): void {
  attachers.unshift(attach);
}

/** The OT attachment for this command, if the configuration names one. */
export function attachOt(ctx: CommandContext): OtAttachment {
  for (const a of attachers) {
    const got = a(ctx);
    if (got) return got;
  }
  return {};
}

/**
 * Unlock the identity and create (not start) the peer.
 * @throws OtP2pError `no-password`, `no-identity`, `bad-password` (from the vault), `bad-config`.
 */
export async function openPeer(ctx: CommandContext): Promise<{ peer: Peer; close: () => Promise<void> }> {
  const identity = await unlockHomeIdentity(ctx);
  const config = ctx.home.config();
  const ot = attachOt(ctx);
  const peer = await createPeer({
    home: ctx.home.dir,
    identity,
    relays: ctx.relays ?? config.relays,
    config,
    ...(ot.otApi ? { otApi: ot.otApi } : {}),
    ...(ot.receiptLookup ? { receiptLookup: ot.receiptLookup } : {}),
  });
  return {
    peer,
    close: async () => {
      await peer.stop();
      ot.close?.();
    },
  };
}
