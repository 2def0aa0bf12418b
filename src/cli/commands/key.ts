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
  PASSWORD_OPTION,
  configuredNetwork,
  readSecrets,
} from '../secrets.ts';
import { printIdentity } from '../print.ts';
import { printJson } from '../io.ts';
import { boolOption } from '../options.ts';
import { unlockHomeVault } from '../signer.ts';
import type { CommandContext } from '../command.ts';
import { readVaultFile } from '../../keys/vault.ts';
import { vaultNsec } from '../../keys/import.ts';

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

/**
 * Print a plaintext secret only where a person is watching: stdout must be a terminal and the
 * user types the confirmation word on it, unless `--yes` (a deliberate script).
 * @throws OtP2pError `not-a-terminal` (stdout piped or no terminal to ask on, without --yes),
 *   `aborted` (the confirmation was not typed).
 */
async function confirmPlaintext(ctx: CommandContext, what: string): Promise<void> {
  if (boolOption(ctx, 'yes')) return;
  if (ctx.io.stdoutIsTTY !== true)
    throw new OtP2pError(
      'not-a-terminal',
      `refusing to print ${what} in clear: stdout is not a terminal (it would land in a file, a pipe or a log); add --yes if you really mean it`,
    );
  const answer = await ctx.io.askTerminal?.(`This prints ${what} IN CLEAR on your screen. Type 'show' to continue: `);
  if (answer === undefined)
    throw new OtP2pError('not-a-terminal', `refusing to print ${what} in clear: no terminal to confirm on; add --yes`);
  if (answer !== 'show') throw new OtP2pError('aborted', `not confirmed: ${what} was not printed`);
}

/** `otp2p key export`. */
export const exportKey = defineCommand({
  name: 'export',
  description: 'Export your Nostr key as a NIP-49 ncryptsec (default), or in clear: --nsec, --mnemonic',
  details:
    'Default: the ncryptsec of your Nostr key, encrypted under your vault password (import it into\n' +
    'any NIP-49 client with that password). --nsec prints the key in clear (nsec1...); --mnemonic\n' +
    'the BIP39 words of the seed (for an imported key or a remote signer: the Bitcoin wallet seed\n' +
    'only, which is separate from your Nostr key). Plaintext is printed only when stdout is a\n' +
    "terminal and you type 'show' on it; in a script, --yes skips both checks. A secret never\n" +
    'comes from or goes to the command line, and is never logged. With a remote signer (bunker)\n' +
    'your Nostr key is not here: export it from the signer.\n\n' +
    STDIN_SECRETS_HELP,
  options: {
    nsec: { type: 'boolean', description: 'print the Nostr secret key in clear (nsec1...)' },
    mnemonic: { type: 'boolean', description: 'print the BIP39 mnemonic in clear' },
    yes: { type: 'boolean', description: 'print plaintext without the terminal confirmation (scripts)' },
    'password-stdin': PASSWORD_OPTION,
  },
  run: async (ctx) => {
    const nsec = boolOption(ctx, 'nsec');
    const mnemonic = boolOption(ctx, 'mnemonic');
    if (nsec && mnemonic) throw new OtP2pError('usage', 'give --nsec or --mnemonic, not both');
    // Refuse what cannot or must not be done before asking for the password.
    const file = readVaultFile(ctx.home.vaultPath);
    const kind = file.identity ?? 'seed';
    if (kind === 'bunker' && !mnemonic)
      throw new OtP2pError(
        'not-exportable',
        'your Nostr secret key lives in your remote signer (bunker): otp2p never had it, only a session key of its own. Export it from the signer; --mnemonic exports the Bitcoin wallet seed',
      );
    const what = nsec ? 'your Nostr secret key' : mnemonic ? 'your BIP39 mnemonic' : undefined;
    if (what !== undefined && !boolOption(ctx, 'yes') && ctx.io.stdoutIsTTY !== true) await confirmPlaintext(ctx, what);
    const vault = await unlockHomeVault(ctx);
    try {
      if (what === undefined) {
        // The vault's own ncryptsec: the password just opened it, so the user can open it elsewhere.
        if (ctx.json) printJson(ctx, { ncryptsec: file.nostr, pubkey: file.pubkey });
        else ctx.io.stdout(`${file.nostr}\n`);
        return;
      }
      await confirmPlaintext(ctx, what);
      if (nsec) {
        const text = vaultNsec(vault);
        if (ctx.json) printJson(ctx, { nsec: text, pubkey: file.pubkey });
        else ctx.io.stdout(`${text}\n`);
        return;
      }
      if (kind !== 'seed') ctx.io.stderr('These words restore the Bitcoin wallet only: your Nostr key is separate.\n');
      if (file.passphrase) ctx.io.stderr('Your BIP39 passphrase is also needed to restore (it is not stored).\n');
      if (ctx.json) printJson(ctx, { mnemonic: vault.mnemonic, words: file.words, passphrase: file.passphrase });
      else ctx.io.stdout(`${vault.mnemonic}\n`);
    } finally {
      vault.seed.fill(0);
    }
  },
});

export default defineCommand({
  name: 'key',
  description: 'Key tools: derive from a mnemonic (no data folder), export the vault identity',
  subcommands: {
    derive: { summary: 'derive npub, xpub and first address from a mnemonic', load: async () => derive },
    export: {
      summary: 'export your key: ncryptsec (default), or in clear with --nsec / --mnemonic',
      load: async () => exportKey,
    },
  },
});
