import { publicIdentity } from '../../keys/identity.ts';
import type { PublicIdentity } from '../../keys/identity.ts';
import type { CommandContext } from '../command.ts';
import { defineCommand } from '../command.ts';
import { printJson } from '../io.ts';
import { BECH32_OPTION, PASSWORD_OPTION, STDIN_SECRETS_HELP, unlockHomeIdentity } from '../secrets.ts';

/** Print a public identity as text or JSON (shared with `key derive`). */
export function printIdentity(ctx: CommandContext, pub: PublicIdentity): void {
  if (ctx.json) {
    printJson(ctx, pub);
    return;
  }
  const b = pub.bitcoin;
  ctx.io.stdout(
    [
      `npub:          ${pub.npub}`,
      `pubkey:        ${pub.pubkey}`,
      `account:       ${pub.account}`,
      `network:       ${b.network}`,
      `bip84 path:    ${b.path}`,
      `xpub:          ${b.xpub}`,
      `account xpub:  ${b.accountXpub}`,
      `first address: ${b.firstAddress}`,
    ].join('\n') + '\n',
  );
}

export default defineCommand({
  name: 'whoami',
  description: 'Show the identity: Nostr public key and the BIP84 account (network from config.json)',
  details:
    'Unlocks the vault (the public keys are re-derived from the encrypted seed, so a tampered\n' +
    'vault file cannot swap in someone else\'s xpub). JSON: { pubkey, npub, account, bitcoin:\n' +
    '{ network, path, xpub (zpub/vpub), accountXpub (xpub/tpub), firstAddress } }.\n\n' +
    STDIN_SECRETS_HELP,
  options: { 'password-stdin': PASSWORD_OPTION, 'bech32-prefix': BECH32_OPTION },
  run: async (ctx) => {
    const id = await unlockHomeIdentity(ctx);
    printIdentity(ctx, publicIdentity(id));
  },
});
