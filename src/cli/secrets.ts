/**
 * Secrets on the command line: the mnemonic, the vault password and the BIP39 passphrase come
 * from stdin (never from argv, where `ps` shows them) or, for the password, `$OTP2P_PASSWORD`.
 *
 * When several come from stdin, each is one line, in this order: the Nostr key to import
 * (`--nsec-stdin`: an `nsec1…`, 64 hex, or an `ncryptsec1…` followed on the next line by its own
 * NIP-49 password) or a bunker URI (`--bunker-stdin`), then the mnemonic (`--mnemonic-stdin`),
 * the vault password (`--password-stdin`), the BIP39 passphrase (`--passphrase-stdin`), the
 * Bitcoin RPC password (`--rpc-password-stdin`).
 * None of them is ever echoed, logged or put in an error.
 */
import { existsSync } from 'node:fs';
import { OtP2pError } from '../core/errors.ts';
import type { CommandContext, OptionDef } from './command.ts';
import { MAX_SECRETS_STDIN_BYTES, readStdinText } from './input.ts';
import { checkAccount } from '../keys/nip06.ts';
import { checkNetwork } from '../keys/bip84.ts';
import type { BitcoinNetwork } from '../keys/bip84.ts';
import type { Identity } from '../keys/identity.ts';
import { unlockVault } from '../keys/vault.ts';

/** Help text describing the stdin protocol, shared by commands that read secrets. */
export const STDIN_SECRETS_HELP =
  'Secrets are read from stdin, one per line, in this order: the Nostr key to import\n' +
  '(--nsec-stdin: nsec1..., 64 hex, or ncryptsec1... then its NIP-49 password on the next line)\n' +
  'or the bunker URI (--bunker-stdin), then mnemonic (--mnemonic-stdin), then password\n' +
  '(--password-stdin), then BIP39 passphrase (--passphrase-stdin), then the Bitcoin RPC password\n' +
  '(--rpc-password-stdin, config set bitcoinRpc only). Each line only when its\n' +
  'option is given. Without --password-stdin the password comes from $OTP2P_PASSWORD. Example:\n' +
  '  printf \'%s\\n%s\\n\' "$MNEMONIC" "$PASSWORD" | otp2p init --mnemonic-stdin --password-stdin';

/** The `--password-stdin` option. */
export const PASSWORD_OPTION: OptionDef = {
  type: 'boolean',
  description: 'read the vault password from stdin (else $OTP2P_PASSWORD)',
};

/** The `--account N` option. */
export const ACCOUNT_OPTION: OptionDef = {
  type: 'string',
  value: 'N',
  default: '0',
  description: "account index for m/44'/1237'/N'/0/0 and m/84'/c'/N'",
};

/** The `--bech32-prefix` option. */
export const BECH32_OPTION: OptionDef = {
  type: 'string',
  value: 'HRP',
  description: 'bech32 address prefix override (e.g. rb for a bcoin regtest node; Core uses bcrt)',
};

/** Secrets read for one command run. */
export interface Secrets {
  /** The Nostr key line of `--nsec-stdin` (nsec, hex or ncryptsec), not yet parsed. */
  nostrKey?: string;
  /** The NIP-49 password of an `ncryptsec1…` nostrKey. */
  nostrKeyPassword?: string;
  /** The bunker URI line of `--bunker-stdin`. */
  bunker?: string;
  mnemonic?: string;
  password?: string;
  passphrase?: string;
  /** The Bitcoin RPC password of `--rpc-password-stdin`. */
  rpcPassword?: string;
}

/**
 * Read the secrets a command asked for.
 * @throws OtP2pError `no-password` when a password is wanted and neither stdin nor
 *   `$OTP2P_PASSWORD` gives one; `bad-mnemonic` when the mnemonic line is missing; `too-large`
 *   when stdin holds more than a few lines' worth.
 */
export async function readSecrets(
  ctx: CommandContext,
  want: {
    nostrKey?: boolean;
    bunker?: boolean;
    mnemonic?: boolean;
    password?: boolean;
    passphrase?: boolean;
    rpcPassword?: boolean;
  },
): Promise<Secrets> {
  const fromStdin = {
    nostrKey: want.nostrKey === true,
    bunker: want.bunker === true,
    mnemonic: want.mnemonic === true,
    password: want.password === true && ctx.options['password-stdin'] === true,
    passphrase: want.passphrase === true && ctx.options['passphrase-stdin'] === true,
    rpcPassword: want.rpcPassword === true,
  };
  let lines: string[] = [];
  if (Object.values(fromStdin).some((v) => v)) {
    lines = (await readStdinText(ctx, MAX_SECRETS_STDIN_BYTES, 'stdin (secrets)'))
      .split('\n')
      .map((l) => l.replace(/\r$/, ''));
  }
  const out: Secrets = {};
  let i = 0;
  if (fromStdin.nostrKey) {
    const k = lines[i++]?.trim();
    if (k === undefined || k === '')
      throw new OtP2pError('bad-key', 'no Nostr key on the first line of stdin (nsec1..., 64 hex or ncryptsec1...)');
    out.nostrKey = k;
    if (k.startsWith('ncryptsec1')) {
      const pw = lines[i++];
      if (pw === undefined || pw === '')
        throw new OtP2pError('no-password', `no password for the ncryptsec on line ${i} of stdin`);
      out.nostrKeyPassword = pw;
    }
  } else if (fromStdin.bunker) {
    const b = lines[i++]?.trim();
    if (b === undefined || b === '')
      throw new OtP2pError('bad-bunker-uri', 'no bunker URI on the first line of stdin (bunker://...)');
    out.bunker = b;
  }
  if (fromStdin.mnemonic) {
    const m = lines[i++];
    if (m === undefined || m.trim() === '') throw new OtP2pError('bad-mnemonic', `no mnemonic on line ${i} of stdin`);
    out.mnemonic = m;
  }
  if (want.password) {
    const pw = fromStdin.password ? lines[i++] : ctx.io.env.OTP2P_PASSWORD;
    if (pw === undefined || pw === '') {
      throw new OtP2pError(
        'no-password',
        fromStdin.password
          ? `no password on line ${i} of stdin`
          : 'a vault password is required: pass --password-stdin or set $OTP2P_PASSWORD',
      );
    }
    out.password = pw;
  }
  if (fromStdin.passphrase) {
    const pp = lines[i++];
    if (pp === undefined) throw new OtP2pError('usage', `no passphrase on line ${i} of stdin`);
    out.passphrase = pp;
  }
  if (fromStdin.rpcPassword) {
    const rp = lines[i++];
    if (rp === undefined || rp === '')
      throw new OtP2pError('usage', `no Bitcoin RPC password on line ${i} of stdin`, {
        context: { option: 'rpc-password-stdin' },
      });
    out.rpcPassword = rp;
  }
  return out;
}

/**
 * Parse `--account`.
 * @throws OtP2pError `bad-derivation-path`.
 */
export function accountOption(ctx: CommandContext): number {
  const raw = ctx.options.account;
  if (raw === undefined) return 0;
  if (typeof raw !== 'string' || !/^[0-9]{1,10}$/.test(raw)) return checkAccount(raw);
  return checkAccount(Number(raw));
}

/** The `network` of config.json, read only if the file exists (so nothing is created). */
export function configuredNetwork(ctx: CommandContext): BitcoinNetwork {
  if (!existsSync(ctx.home.configPath)) return 'mainnet';
  return checkNetwork(ctx.home.config().network);
}

/** `--bech32-prefix`, if given. */
export function bech32Option(ctx: CommandContext): { bech32Prefix?: string } {
  const p = ctx.options['bech32-prefix'];
  return typeof p === 'string' ? { bech32Prefix: p } : {};
}

/**
 * Unlock the data folder's identity with the password from `--password-stdin` or
 * `$OTP2P_PASSWORD`, for the configured network. For commands of other areas that need keys.
 * @throws OtP2pError `no-password`, `no-identity`, `bad-password`, `bad-vault`.
 */
export async function unlockHomeIdentity(ctx: CommandContext, secrets?: Secrets): Promise<Identity> {
  const { password } = secrets?.password !== undefined ? secrets : await readSecrets(ctx, { password: true });
  return unlockVault(ctx.home.vaultPath, password as string, { network: configuredNetwork(ctx), ...bech32Option(ctx) });
}
