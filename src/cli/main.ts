/**
 * The `otp2p` command. Subcommands load lazily: one file each under `commands/`.
 */
import { pathToFileURL } from 'node:url';
import type { CommandDef } from './command.ts';
import { defineCommand } from './command.ts';
import { processIo } from './io.ts';
import { runMain } from './run.ts';

/** The command tree. Each entry is imported only when used. */
export const root: CommandDef = defineCommand({
  name: 'otp2p',
  description: 'otp2p: the peer-to-peer layer for Open-Transactions wallets, over Nostr relays',
  details: "Global options may come before the command (otp2p --home DIR init). 'otp2p --version' prints the version.",
  subcommands: {
    demo: {
      summary: 'run the whole story locally: relay, notaries, six peers, a 3-hop payment, a mint alarm',
      load: () => import('./commands/demo.ts').then((m) => m.default),
    },
    config: {
      summary: 'read or change the configuration',
      load: () => import('./commands/config.ts').then((m) => m.default),
    },
    event: {
      summary: 'verify Nostr events (JSON lines on stdin)',
      load: () => import('./commands/event.ts').then((m) => m.default),
    },
    init: {
      summary: 'create the identity (BIP39 seed -> Nostr key + BIP84 account) in an encrypted vault',
      load: () => import('./commands/init.ts').then((m) => m.default),
    },
    whoami: {
      summary: 'show the npub, xpub and first Bitcoin address',
      load: () => import('./commands/whoami.ts').then((m) => m.default),
    },
    key: {
      summary: 'derive keys from a mnemonic without a vault',
      load: () => import('./commands/key.ts').then((m) => m.default),
    },
    btc: {
      summary: 'the BIP84 Bitcoin wallet: address, balance, send',
      load: () => import('./commands/btc.ts').then((m) => m.default),
    },
    relay: { summary: 'run a local Nostr relay', load: () => import('./commands/relay.ts').then((m) => m.default) },
    outbox: {
      summary: 'list pending and failed outgoing events',
      load: () => import('./commands/outbox.ts').then((m) => m.default),
    },
    sync: {
      summary: 'sync the social web into the local database (only what changed since)',
      load: () => import('./commands/sync.ts').then((m) => m.default),
    },
    route: {
      summary: 'find a payment path across conversion offers (offline: --offers FILE)',
      load: () => import('./commands/route.ts').then((m) => m.default),
    },
    offer: {
      summary: 'build, sign, list and withdraw conversion offers (kind 31562)',
      load: () => import('./commands/offer.ts').then((m) => m.default),
    },
    dm: {
      summary: 'send and read private messages (NIP-17 gift wraps)',
      load: () => import('./commands/dm.ts').then((m) => m.default),
    },
    catalog: {
      summary: 'show or publish catalogs of accepted notaries, units and bitcoin (kind 11560)',
      load: () => import('./commands/catalog.ts').then((m) => m.default),
    },
    negotiate: {
      summary: 'rank the assets you and a peer can settle in',
      load: () => import('./commands/negotiate.ts').then((m) => m.default),
    },
    mint: {
      summary: 'mint transparency: scan, fingerprint, check, attest, evidence',
      load: () => import('./commands/mint.ts').then((m) => m.default),
    },
    payments: {
      summary: 'history and state of each payment (payer, hop, payee)',
      load: () => import('./commands/payments.ts').then((m) => m.default),
    },
    notary: {
      summary: 'simulated OT notaries in folders, shared by several processes (init, account, balance)',
      load: () => import('./commands/notary.ts').then((m) => m.default),
    },
    pay: {
      summary: 'pay a peer across conversion offers: find the path, pay it hop by hop, print the receipt',
      load: () => import('./commands/pay.ts').then((m) => m.default),
    },
    daemon: {
      summary: 'keep this peer online: sync follows, DM inbox, outbox, payments, mint checks; status.json',
      load: () => import('./commands/daemon.ts').then((m) => m.default),
    },
    status: {
      summary: 'relays, outbox, sync progress, mint alarms and payments (from the running daemon, or the database)',
      load: () => import('./commands/status.ts').then((m) => m.default),
    },
    ui: {
      summary: 'serve the local web dashboard on 127.0.0.1 (token-protected)',
      load: () => import('./commands/ui.ts').then((m) => m.default),
    },
  },
});

/** Entry point used by bin/otp2p.js. */
export async function main(argv = process.argv.slice(2)): Promise<number> {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    return await runMain(root, argv, processIo(), controller.signal);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  // Exit explicitly: a command that returned has finished its work and flushed its output
  // (stdout and stderr are synchronous on Linux for files and pipes).
  process.exit(await main());
}
