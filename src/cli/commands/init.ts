import { renderUnicodeCompact } from 'uqr';
import { OtP2pError } from '../../core/errors.ts';
import { cryptoRandom } from '../../core/random.ts';
import { EventVerifier } from '../../events/verify.ts';
import { publicIdentity } from '../../keys/identity.ts';
import { nsecImport, wipeNostrImport } from '../../keys/import.ts';
import { checkMnemonic, generateMnemonic } from '../../keys/mnemonic.ts';
import { publicKeyOf } from '../../keys/nip06.ts';
import type { VaultNostrImport } from '../../keys/vault.ts';
import { createVault, vaultExists } from '../../keys/vault.ts';
import { RelayPool } from '../../relays/pool.ts';
import type { BunkerPointer } from '../../signers/nip46.ts';
import { NIP46_PERMISSIONS, Nip46Signer, pairNostrConnect, parseBunkerUri } from '../../signers/nip46.ts';
import type { CommandContext } from '../command.ts';
import { defineCommand } from '../command.ts';
import { printJson } from '../io.ts';
import { boolOption, intOption, stringOption } from '../options.ts';
import { ACCOUNT_OPTION, PASSWORD_OPTION, STDIN_SECRETS_HELP, accountOption, readSecrets } from '../secrets.ts';
import { identityInfo } from '../signer.ts';

/** How long `--bunker` waits for the signer to accept, and `--nostrconnect` for a scan. */
const DEFAULT_CONNECT_SECONDS = 120;
const DEFAULT_PAIR_SECONDS = 300;

type Source = 'seed' | 'nsec' | 'bunker' | 'nostrconnect';

/**
 * Which Nostr identity the user asked for; at most one of the options.
 * @throws OtP2pError `usage`.
 */
function sourceOf(ctx: CommandContext): Source {
  const given: Source[] = [];
  if (boolOption(ctx, 'nsec-stdin')) given.push('nsec');
  if (stringOption(ctx, 'bunker') !== undefined || boolOption(ctx, 'bunker-stdin')) given.push('bunker');
  if (boolOption(ctx, 'nostrconnect')) given.push('nostrconnect');
  if (stringOption(ctx, 'bunker') !== undefined && boolOption(ctx, 'bunker-stdin'))
    throw new OtP2pError('usage', 'give --bunker URI or --bunker-stdin, not both');
  if (given.length > 1)
    throw new OtP2pError(
      'usage',
      'choose one Nostr identity: --nsec-stdin, --bunker (or --bunker-stdin) or --nostrconnect',
    );
  return given[0] ?? 'seed';
}

/**
 * The bunker URI of `--bunker` (argv) when it carries no secret: a `secret=` on the command line
 * is visible to every local user in the process list, so such a URI must come through stdin.
 * @throws OtP2pError `bad-bunker-uri`, `usage` (a secret on argv; the secret is not echoed).
 */
function argvBunker(ctx: CommandContext): BunkerPointer | undefined {
  const text = stringOption(ctx, 'bunker');
  if (text === undefined) return undefined;
  const pointer = parseBunkerUri(text);
  if (pointer.secret !== null)
    throw new OtP2pError(
      'usage',
      'this bunker URI carries a secret= and other local users can read the command line: pipe it instead, e.g. printf \'%s\\n\' "$BUNKER" | otp2p init --bunker-stdin',
      { context: { option: 'bunker' } },
    );
  return pointer;
}

/** A fresh session key for talking to a remote signer (never the user's key). */
function newSessionKey(): Uint8Array {
  for (;;) {
    const sk = cryptoRandom.bytes(32);
    try {
      publicKeyOf(sk);
      return sk;
    } catch {
      // outside the curve order: astronomically rare, draw again
    }
  }
}

/** Show the pairing URI and its QR code on the terminal (stderr: stdout stays for results). */
function showPairing(ctx: CommandContext, uri: string): void {
  ctx.io.stderr(
    'Scan this code with your signer app (Amber, nsec.app, ...), or paste the URI into it.\n' +
      `${renderUnicodeCompact(uri, { ecc: 'L', border: 1 })}\n${uri}\n` +
      'Waiting for your signer to connect...\n',
  );
}

/**
 * Pair with a remote signer: connect to a bunker (with its one-time secret), or show a
 * nostrconnect:// URI and wait for the signer app. Returns the vault's bunker identity.
 * @throws OtP2pError `signer-timeout`, `signer-refused`, `signer-mismatch`, `no-relays`, `aborted`.
 */
async function pairRemoteSigner(
  ctx: CommandContext,
  source: 'bunker' | 'nostrconnect',
  bunker: BunkerPointer | undefined,
): Promise<VaultNostrImport & { kind: 'bunker' }> {
  const clientSecretKey = newSessionKey();
  const seconds = intOption(ctx, 'timeout', { min: 1, max: 3600 });
  if (source === 'bunker') {
    const b = bunker as BunkerPointer;
    const pool = new RelayPool({ relays: b.relays, verifier: new EventVerifier() });
    const signer = new Nip46Signer({
      transport: pool,
      clientSecretKey,
      bunker: b,
      timeoutMs: (seconds ?? DEFAULT_CONNECT_SECONDS) * 1000,
      onAuthUrl: (url) => ctx.io.stderr(`the remote signer asks you to approve in your browser: ${url}\n`),
    });
    // Ctrl-C while waiting for the user to approve: the pending request ends as `aborted`.
    const stop = (): void => signer.close();
    ctx.signal.addEventListener('abort', stop, { once: true });
    try {
      ctx.io.stderr(`asking the remote signer on ${b.relays.join(', ')} to connect (approve it in your signer)...\n`);
      const userPubkey = await signer.connect(NIP46_PERMISSIONS);
      return { kind: 'bunker', clientSecretKey, userPubkey, bunker: { pubkey: b.pubkey, relays: b.relays } };
    } finally {
      ctx.signal.removeEventListener('abort', stop);
      signer.close();
      await pool.close();
    }
  }
  const relays = ctx.relays ?? ctx.home.config().relays;
  if (relays.length === 0)
    throw new OtP2pError('no-relays', 'nostrconnect pairing needs a relay your signer app can reach: --relay URL');
  const pool = new RelayPool({ relays, verifier: new EventVerifier() });
  let signer: Nip46Signer | undefined;
  try {
    signer = await pairNostrConnect({
      transport: pool,
      clientSecretKey,
      relays,
      onUri: (uri) => showPairing(ctx, uri),
      timeoutMs: (seconds ?? DEFAULT_PAIR_SECONDS) * 1000,
      perms: NIP46_PERMISSIONS,
      signal: ctx.signal,
    });
    const userPubkey = await signer.getPublicKey();
    return { kind: 'bunker', clientSecretKey, userPubkey, bunker: { pubkey: signer.bunker.pubkey, relays } };
  } finally {
    signer?.close();
    await pool.close();
  }
}

export default defineCommand({
  name: 'init',
  description:
    'Create the identity: a BIP39 seed (Nostr key by NIP-06 + BIP84 Bitcoin account), or bring your Nostr key or remote signer',
  details:
    'Generates a 24-word mnemonic (printed once, on stdout: write it down) or imports one with\n' +
    "--mnemonic-stdin, and stores it in the data folder's vault, encrypted with NIP-49 (scrypt\n" +
    'log_n 16, XChaCha20-Poly1305) under your password. Refuses to replace an existing identity.\n\n' +
    "Bring your own Nostr identity instead of the seed's:\n" +
    '  --nsec-stdin     import a key (nsec1..., 64 hex, or ncryptsec1... then its password), stored\n' +
    '                   NIP-49 encrypted under the vault password;\n' +
    '  --bunker URI     a NIP-46 remote signer (bunker://<pubkey>?relay=...). A URI with secret= must\n' +
    '                   come from stdin (--bunker-stdin): the command line is visible to other users;\n' +
    '  --nostrconnect   print a nostrconnect:// URI and QR code for your signer app and wait for it\n' +
    '                   (relays: --relay URL, else the configured ones).\n' +
    'With a remote signer your secret key never reaches otp2p: the vault keeps only a session key\n' +
    'of its own, and the signer is asked for sign_event (the kinds otp2p publishes), nip44_encrypt\n' +
    'and nip44_decrypt. With either, the Bitcoin wallet gets a seed of its own (generated, or\n' +
    '--mnemonic-stdin), separate from your Nostr key.\n\n' +
    STDIN_SECRETS_HELP,
  options: {
    'mnemonic-stdin': {
      type: 'boolean',
      description: 'import a mnemonic from stdin instead of generating one',
    },
    'password-stdin': PASSWORD_OPTION,
    'passphrase-stdin': { type: 'boolean', description: 'read a BIP39 passphrase ("25th word") from stdin' },
    account: ACCOUNT_OPTION,
    'nsec-stdin': { type: 'boolean', description: 'import your Nostr key from stdin (nsec, hex or ncryptsec)' },
    bunker: { type: 'string', value: 'URI', description: 'use a NIP-46 remote signer (bunker://..., no secret=)' },
    'bunker-stdin': { type: 'boolean', description: 'read the bunker:// URI (with its secret) from stdin' },
    nostrconnect: { type: 'boolean', description: 'pair with a signer app through a nostrconnect:// URI / QR code' },
    timeout: {
      type: 'string',
      value: 'SECONDS',
      description: `wait for the remote signer (default ${DEFAULT_CONNECT_SECONDS}; nostrconnect ${DEFAULT_PAIR_SECONDS})`,
    },
  },
  run: async (ctx) => {
    const path = ctx.home.vaultPath;
    if (vaultExists(path))
      throw new OtP2pError(
        'identity-exists',
        `an identity already exists in ${ctx.home.dir}; refusing to overwrite it`,
      );
    const account = accountOption(ctx);
    const source = sourceOf(ctx);
    const fromArgv = argvBunker(ctx);
    intOption(ctx, 'timeout', { min: 1, max: 3600 }); // a bad value fails before any secret is read
    const imported = ctx.options['mnemonic-stdin'] === true;
    const secrets = await readSecrets(ctx, {
      nostrKey: source === 'nsec',
      bunker: source === 'bunker' && fromArgv === undefined,
      mnemonic: imported,
      password: true,
      passphrase: true,
    });
    const mnemonic = imported ? checkMnemonic(secrets.mnemonic as string) : generateMnemonic();
    let nostr: VaultNostrImport | undefined;
    if (source === 'nsec') {
      nostr = nsecImport(secrets.nostrKey as string, secrets.nostrKeyPassword);
    } else if (source === 'bunker' || source === 'nostrconnect') {
      nostr = await pairRemoteSigner(
        ctx,
        source,
        source === 'bunker' ? (fromArgv ?? parseBunkerUri(secrets.bunker)) : undefined,
      );
    }
    const config = ctx.home.config();
    // Key security byte (NIP-49): 1 only when every secret in the vault was made here.
    const madeHere = !imported && (nostr === undefined || nostr.kind === 'bunker');
    const id = createVault(path, mnemonic, secrets.password as string, {
      account,
      network: config.network,
      keySecurity: madeHere ? 1 : 2,
      ...(secrets.passphrase !== undefined ? { passphrase: secrets.passphrase } : {}),
      ...(nostr ? { nostr } : {}),
    });
    if (nostr !== undefined) wipeNostrImport(nostr);
    const pub = publicIdentity(id);
    const identity = identityInfo(nostr?.kind ?? 'seed', nostr?.kind === 'bunker' ? nostr.bunker : undefined);
    if (ctx.json) {
      printJson(ctx, imported ? { ...pub, identity } : { ...pub, identity, mnemonic });
      return;
    }
    if (!imported) {
      ctx.io.stderr(
        nostr === undefined
          ? 'New identity. Write down these 24 words and keep them offline: they are shown only this once.\n'
          : 'Your Bitcoin wallet has its own seed, SEPARATE from your Nostr key: these 24 words restore the\n' +
              'Bitcoin wallet only (not your Nostr identity). Write them down and keep them offline: they are shown\n' +
              'only this once.\n',
      );
      ctx.io.stdout(`mnemonic: ${mnemonic}\n`);
    } else if (nostr !== undefined) {
      ctx.io.stderr('The imported mnemonic serves the Bitcoin wallet only; it is separate from your Nostr key.\n');
    }
    ctx.io.stdout(`npub: ${pub.npub}\n`);
    if (nostr?.kind === 'nsec')
      ctx.io.stderr('Nostr key imported (stored NIP-49 encrypted under your vault password).\n');
    if (nostr?.kind === 'bunker')
      ctx.io.stderr(
        `Paired with the remote signer on ${nostr.bunker.relays.join(', ')}: it signs for ${pub.npub}; your secret key stays there.\n`,
      );
    ctx.io.stderr(`vault written to ${path}\n`);
  },
});
