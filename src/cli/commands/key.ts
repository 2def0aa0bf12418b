import { OtP2pError } from '../../core/errors.ts';
import { deriveIdentity, publicIdentity } from '../../keys/identity.ts';
import { checkNetwork } from '../../keys/bip84.ts';
import { defineCommand } from '../command.ts';
import {
  ACCOUNT_OPTION,
  BECH32_OPTION,
  STDIN_SECRETS_HELP,
  accountOption,
  bech32Option,
  configuredNetwork,
  readSecrets,
} from '../secrets.ts';
import { printIdentity } from '../print.ts';

/** `otp2p key derive`. */
export const derive = defineCommand({
  name: 'derive',
  description: 'Derive the Nostr key and BIP84 account of a mnemonic, touching no vault',
  details:
    'Prints the same fields as whoami. The mnemonic is read from the first line of stdin; the\n' +
    'BIP39 passphrase from --passphrase (visible to other local users in the process list) or,\n' +
    'better, from the next stdin line with --passphrase-stdin.\n\n' +
    STDIN_SECRETS_HELP,
  options: {
    'mnemonic-stdin': { type: 'boolean', description: 'read the mnemonic from the first line of stdin (required)' },
    passphrase: { type: 'string', value: 'P', description: 'BIP39 passphrase' },
    'passphrase-stdin': { type: 'boolean', description: 'read the BIP39 passphrase from the next stdin line' },
    account: ACCOUNT_OPTION,
    network: {
      type: 'string',
      value: 'NET',
      description: 'mainnet, testnet or regtest (default: config.json network, else mainnet)',
    },
    'bech32-prefix': BECH32_OPTION,
  },
  run: async (ctx) => {
    if (ctx.options['mnemonic-stdin'] !== true)
      throw new OtP2pError(
        'usage',
        'key derive needs --mnemonic-stdin (a mnemonic is never taken from the command line)',
      );
    if (ctx.options.passphrase !== undefined && ctx.options['passphrase-stdin'] === true) {
      throw new OtP2pError('usage', 'give --passphrase or --passphrase-stdin, not both');
    }
    const account = accountOption(ctx);
    const network = ctx.options.network !== undefined ? checkNetwork(ctx.options.network) : configuredNetwork(ctx);
    const secrets = await readSecrets(ctx, { mnemonic: true, passphrase: true });
    const passphrase = secrets.passphrase ?? (ctx.options.passphrase as string | undefined) ?? '';
    const id = deriveIdentity(secrets.mnemonic as string, { passphrase, account, network, ...bech32Option(ctx) });
    printIdentity(ctx, publicIdentity(id));
  },
});

export default defineCommand({
  name: 'key',
  description: 'Key tools that need no data folder',
  subcommands: {
    derive: { summary: 'derive npub, xpub and first address from a mnemonic', load: async () => derive },
  },
});
