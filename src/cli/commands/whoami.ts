import { publicIdentity } from '../../keys/identity.ts';
import { defineCommand } from '../command.ts';
import { printIdentity } from '../print.ts';
import { BECH32_OPTION, PASSWORD_OPTION, STDIN_SECRETS_HELP, unlockHomeIdentity } from '../secrets.ts';

export default defineCommand({
  name: 'whoami',
  description: 'Show the identity: Nostr public key and the BIP84 account (network from config.json)',
  details:
    'Unlocks the vault (the public keys are re-derived from the encrypted seed, so a tampered\n' +
    "vault file cannot swap in someone else's xpub). JSON: { pubkey, npub, account, bitcoin:\n" +
    '{ network, path, xpub (zpub/vpub), accountXpub (xpub/tpub), firstAddress } }.\n\n' +
    STDIN_SECRETS_HELP,
  options: { 'password-stdin': PASSWORD_OPTION, 'bech32-prefix': BECH32_OPTION },
  run: async (ctx) => {
    const id = await unlockHomeIdentity(ctx);
    printIdentity(ctx, publicIdentity(id));
  },
});
