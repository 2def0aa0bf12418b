import { publicIdentity } from '../../keys/identity.ts';
import { defineCommand } from '../command.ts';
import { printJson } from '../io.ts';
import { printIdentity } from '../print.ts';
import { BECH32_OPTION, PASSWORD_OPTION, STDIN_SECRETS_HELP } from '../secrets.ts';
import { describeIdentity, identityInfo, unlockHomeVault } from '../signer.ts';

export default defineCommand({
  name: 'whoami',
  description: 'Show the identity: its kind, the Nostr public key and the BIP84 account (network from config.json)',
  details:
    'Unlocks the vault (the public keys are re-derived from the encrypted seed, so a tampered\n' +
    "vault file cannot swap in someone else's xpub). JSON: { pubkey, npub, account, bitcoin:\n" +
    '{ network, path, xpub (zpub/vpub), accountXpub (xpub/tpub), firstAddress }, identity: { kind:\n' +
    '"seed" | "nsec" | "bunker", and for a bunker signer (its pubkey) and relays } }. A remote\n' +
    'signer is not contacted: the npub is the one it reported at pairing.\n\n' +
    STDIN_SECRETS_HELP,
  options: { 'password-stdin': PASSWORD_OPTION, 'bech32-prefix': BECH32_OPTION },
  run: async (ctx) => {
    const vault = await unlockHomeVault(ctx);
    vault.seed.fill(0);
    const info = identityInfo(vault.nostr.kind, vault.nostr.kind === 'bunker' ? vault.nostr.bunker : undefined);
    const pub = publicIdentity(vault.identity);
    if (ctx.json) {
      printJson(ctx, { ...pub, identity: info });
      return;
    }
    ctx.io.stdout(`identity:      ${describeIdentity(info)}\n`);
    printIdentity(ctx, pub);
  },
});
