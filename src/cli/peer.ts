/**
 * Opening the user's {@link Peer} for a command: unlock the identity, read the configuration,
 * attach the OT wallet, and use `--relay` when given. One place, so every command that talks to
 * the network composes the same parts in the same way.
 */
import { resolve } from 'node:path';
import { OtP2pError } from '../core/errors.ts';
import type { OtApi } from '../otapi/api.ts';
import { combineOtApis } from '../otapi/combined.ts';
import { OtDataFolder } from '../otapi/datafolder.ts';
import { LEDGER_FILE, openNotaryDir } from '../otapi/notary-dir.ts';
import type { SimulatedNotary } from '../otapi/notary.ts';
import { simulatedNotaryLookup } from '../payments/adapters/otapi.ts';
import type { ReceiptLookup } from '../payments/adapters/otapi.ts';
import { createPeer } from '../peer.ts';
import type { CreatePeerOptions, Peer } from '../peer.ts';
import type { CommandContext } from './command.ts';
import { walletEnv } from './rpc-password.ts';
import { readSecrets } from './secrets.ts';
import { openHomeSigner } from './signer.ts';
import { openHomeWallet } from '../bitcoin/open.ts';
import type { OpenedWallet } from '../bitcoin/open.ts';
import { openStore } from '../store/db.ts';
import type { Store } from '../store/db.ts';

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

/**
 * Simulated notary folders (`simulatedNotaries`, relative paths from the data folder) as the
 * wallet of `otUser`: one client per notary, combined, and receipts looked up in their ledgers.
 * @throws OtP2pError `bad-config` when `otUser` is missing, or what `openNotaryDir` throws.
 */
export function attachSimulatedNotaries(ctx: CommandContext): OtAttachment | undefined {
  const config = ctx.home.config();
  if (config.simulatedNotaries.length === 0) return undefined;
  const user = config.otUser;
  if (user === null) {
    throw new OtP2pError(
      'bad-config',
      'config key otUser must name your owner at the simulated notaries when simulatedNotaries is set',
      { context: { key: 'otUser' } },
    );
  }
  const dirs = config.simulatedNotaries.map((d) => resolve(ctx.home.dir, d));
  const notaries: SimulatedNotary[] = [];
  try {
    for (const dir of dirs) notaries.push(openNotaryDir(dir));
  } catch (err) {
    for (const n of notaries) n.close();
    throw err;
  }
  const lookup = simulatedNotaryLookup(
    Object.fromEntries(notaries.map((n, i) => [n.id, resolve(dirs[i] as string, LEDGER_FILE)])),
  );
  return {
    otApi: combineOtApis(notaries.map((n) => n.clientFor(user))),
    receiptLookup: lookup,
    close: () => {
      lookup.close();
      for (const n of notaries) n.close();
    },
  };
}

registerOtAttacher(attachSimulatedNotaries);

/** The OT attachment for this command, if the configuration names one. */
export function attachOt(ctx: CommandContext): OtAttachment {
  for (const a of attachers) {
    const got = a(ctx);
    if (got) return got;
  }
  return {};
}

/**
 * Unlock the identity and create (not start) the peer. `extra` passes payment timings (e.g. a
 * payer's `--timeout`) and a diagnostics log.
 * @throws OtP2pError `no-password`, `no-identity`, `bad-password` (from the vault), `bad-config`.
 */
export async function openPeer(
  ctx: CommandContext,
  extra: Pick<CreatePeerOptions, 'paymentLimits' | 'log'> = {},
): Promise<{ peer: Peer; close: () => Promise<void> }> {
  // Read once: the vault password also opens a stored RPC password (config set --rpc-password-stdin).
  const secrets = await readSecrets(ctx, { password: true });
  const user = await openHomeSigner(ctx, { secrets });
  const identity = user.identity;
  let config: ReturnType<typeof ctx.home.config>;
  let ot: OtAttachment;
  try {
    config = ctx.home.config();
    ot = attachOt(ctx);
  } catch (err) {
    await user.close();
    throw err;
  }
  // With a Bitcoin node configured, on-chain legs are settled by the identity's BIP84 wallet; its
  // state lives in the same database, through a connection of its own.
  let btc: { store: Store; opened: OpenedWallet } | undefined;
  let peer: Peer;
  try {
    if (config.bitcoinRpc) {
      const store = await openStore(ctx.home.dbPath);
      btc = {
        store,
        opened: await openHomeWallet({
          config,
          account: identity.bitcoin.node,
          store,
          env: walletEnv(ctx.home, secrets.password, ctx.io.env),
        }).catch(async (e: unknown) => {
          await store.close();
          throw e;
        }),
      };
    }
    peer = await createPeer({
      ...extra,
      home: ctx.home.dir,
      // Every identity kind signs through the vault's Signer (a local key or the remote signer).
      signer: user.signer,
      relays: ctx.relays ?? config.relays,
      config,
      ...(ot.otApi ? { otApi: ot.otApi } : {}),
      ...(ot.receiptLookup ? { receiptLookup: ot.receiptLookup } : {}),
      ...(btc ? { bitcoin: { wallet: btc.opened.wallet } } : {}),
    });
  } catch (err) {
    ot.close?.();
    await btc?.store.close();
    await user.close();
    throw err;
  }
  return {
    peer,
    close: async () => {
      await peer.stop();
      ot.close?.();
      if (btc) {
        await btc.opened.save();
        await btc.store.close();
      }
      await user.close();
    },
  };
}
