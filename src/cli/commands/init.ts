import { OtP2pError } from '../../core/errors.ts';
import { createVault, vaultExists } from '../../keys/vault.ts';
import { checkMnemonic, generateMnemonic } from '../../keys/mnemonic.ts';
import { publicIdentity } from '../../keys/identity.ts';
import { defineCommand } from '../command.ts';
import { printJson } from '../io.ts';
import { ACCOUNT_OPTION, PASSWORD_OPTION, STDIN_SECRETS_HELP, accountOption, readSecrets } from '../secrets.ts';

export default defineCommand({
  name: 'init',
  description: 'Create the identity: a BIP39 seed giving the Nostr key (NIP-06) and the BIP84 Bitcoin account',
  details:
    'Generates a 24-word mnemonic (printed once, on stdout: write it down) or imports one with\n' +
    "--mnemonic-stdin, and stores it in the data folder's vault, encrypted with NIP-49 (scrypt\n" +
    'log_n 16, XChaCha20-Poly1305) under your password. Refuses to replace an existing identity.\n\n' +
    STDIN_SECRETS_HELP,
  options: {
    'mnemonic-stdin': {
      type: 'boolean',
      description: 'import a mnemonic from the first line of stdin instead of generating one',
    },
    'password-stdin': PASSWORD_OPTION,
    'passphrase-stdin': { type: 'boolean', description: 'read a BIP39 passphrase ("25th word") from stdin' },
    account: ACCOUNT_OPTION,
  },
  run: async (ctx) => {
    const path = ctx.home.vaultPath;
    if (vaultExists(path))
      throw new OtP2pError(
        'identity-exists',
        `an identity already exists in ${ctx.home.dir}; refusing to overwrite it`,
      );
    const account = accountOption(ctx);
    const imported = ctx.options['mnemonic-stdin'] === true;
    const secrets = await readSecrets(ctx, { mnemonic: imported, password: true, passphrase: true });
    const mnemonic = imported ? checkMnemonic(secrets.mnemonic as string) : generateMnemonic();
    const config = ctx.home.config();
    const id = createVault(path, mnemonic, secrets.password as string, {
      account,
      network: config.network,
      keySecurity: imported ? 2 : 1,
      ...(secrets.passphrase !== undefined ? { passphrase: secrets.passphrase } : {}),
    });
    const pub = publicIdentity(id);
    if (ctx.json) {
      printJson(ctx, imported ? pub : { ...pub, mnemonic });
      return;
    }
    if (!imported) {
      ctx.io.stderr('New identity. Write down these 24 words and keep them offline: they are shown only this once.\n');
      ctx.io.stdout(`mnemonic: ${mnemonic}\n`);
    }
    ctx.io.stdout(`npub: ${pub.npub}\n`);
    ctx.io.stderr(`vault written to ${path}\n`);
  },
});
