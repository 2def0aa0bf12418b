/**
 * The user's {@link Signer} for a command: everything the CLI signs or decrypts as the user goes
 * through it, whichever identity the vault holds:
 * - `seed` / `nsec`: a {@link LocalSigner} over the key decrypted from the vault;
 * - `bunker`: a {@link Nip46Signer} that asks the remote signer on its relays, talking with the
 *   session key kept in the vault (the user's secret key never reaches otp2p).
 *
 * The Bitcoin account always comes from the vault's seed (for `nsec` and `bunker` a seed of its
 * own, separate from the Nostr key).
 */
import { OtP2pError } from '../core/errors.ts';
import { EventVerifier } from '../events/verify.ts';
import { npubEncode } from '../keys/nip19.ts';
import type { IdentityKind, Signer } from '../events/signer.ts';
import type { Identity } from '../keys/identity.ts';
import type { UnlockedVault, VaultBunker } from '../keys/vault.ts';
import { openVault } from '../keys/vault.ts';
import { RelayPool } from '../relays/pool.ts';
import { localVaultSigner } from '../signers/vault.ts';
import { DEFAULT_SIGNER_TIMEOUT_MS, Nip46Signer } from '../signers/nip46.ts';
import type { CommandContext } from './command.ts';
import type { Secrets } from './secrets.ts';
import { bech32Option, configuredNetwork, readSecrets } from './secrets.ts';

/** The opened identity of the data folder. Close it when the command is done. */
export interface HomeSigner {
  /** Signs and encrypts as the user. */
  readonly signer: Signer;
  readonly kind: IdentityKind;
  /**
   * The vault's identity: pubkey, npub and the BIP84 account. For a `bunker` identity its secret
   * key getter throws `no-identity` (there is none here).
   */
  readonly identity: Identity;
  /** Where the remote signer listens (`bunker` identities). */
  readonly bunker?: VaultBunker;
  /** Stop talking to a remote signer; forget the local key. Idempotent. */
  close(): Promise<void>;
}

/**
 * Unlock the data folder's vault (password from `--password-stdin` or `$OTP2P_PASSWORD`) for the
 * configured network. The caller owns the result: wipe `seed` when done.
 * @throws OtP2pError `no-password`, `no-identity`, `bad-password`, `bad-vault`.
 */
export async function unlockHomeVault(ctx: CommandContext, secrets?: Secrets): Promise<UnlockedVault> {
  const { password } = secrets?.password !== undefined ? secrets : await readSecrets(ctx, { password: true });
  return openVault(ctx.home.vaultPath, password as string, { network: configuredNetwork(ctx), ...bech32Option(ctx) });
}

/** Options for {@link openHomeSigner}. */
export interface OpenHomeSignerOptions {
  /** Secrets already read from stdin (else the password is read now). */
  secrets?: Secrets;
  /** Wait per remote-signer request (default 30 s: a human may approve on a phone). */
  timeoutMs?: number;
}

/**
 * Open the user's signer from the vault. A remote signer is not contacted here: the first
 * request reaches it (and fails with `signer-timeout` when it is offline).
 * @throws OtP2pError as {@link unlockHomeVault}.
 */
export async function openHomeSigner(ctx: CommandContext, options: OpenHomeSignerOptions = {}): Promise<HomeSigner> {
  const vault = await unlockHomeVault(ctx, options.secrets);
  vault.seed.fill(0); // the identity carries the derived BIP84 account; the raw seed is not needed
  const identity = vault.identity;
  const nostr = vault.nostr;
  const local = localVaultSigner(nostr);
  if (local !== undefined) return { signer: local, kind: local.identityKind, identity, close: async () => {} };
  if (nostr.kind !== 'bunker') throw new OtP2pError('internal', 'a local identity without its signer');
  const pool = new RelayPool({ relays: nostr.bunker.relays, verifier: new EventVerifier() });
  const signer = new Nip46Signer({
    transport: pool,
    clientSecretKey: nostr.clientSecretKey,
    bunker: { pubkey: nostr.bunker.pubkey, relays: nostr.bunker.relays, secret: null },
    userPubkey: identity.pubkey,
    timeoutMs: options.timeoutMs ?? DEFAULT_SIGNER_TIMEOUT_MS,
    onAuthUrl: (url) => ctx.io.stderr(`the remote signer asks you to approve in your browser: ${url}\n`),
  });
  nostr.clientSecretKey.fill(0); // the signer keeps its own copy
  let closed = false;
  return {
    signer,
    kind: 'bunker',
    identity,
    bunker: nostr.bunker,
    close: async () => {
      if (closed) return;
      closed = true;
      signer.close();
      await pool.close();
    },
  };
}

/** What `whoami` and `init` say about the identity kind (public: no secret in it). */
export type IdentityInfo = { kind: 'seed' | 'nsec' } | { kind: 'bunker'; signer: string; relays: string[] };

/** The public description of an identity kind, for text and JSON output. */
export function identityInfo(kind: IdentityKind, bunker?: VaultBunker): IdentityInfo {
  if (kind !== 'bunker') return { kind };
  if (bunker === undefined) throw new OtP2pError('internal', 'a bunker identity without its signer');
  return { kind, signer: bunker.pubkey, relays: [...bunker.relays] };
}

/** One line for humans: "seed (NIP-06)", "imported nsec", "bunker (remote signer on wss://…)". */
export function describeIdentity(info: IdentityInfo): string {
  if (info.kind !== 'bunker')
    return info.kind === 'seed'
      ? "seed (Nostr key at NIP-06 m/44'/1237'/N'/0/0 of the BIP39 seed)"
      : 'imported nsec (the Bitcoin wallet has a separate seed)';
  return `bunker (NIP-46 remote signer ${npubEncode(info.signer)} on ${info.relays.join(', ')}; the Bitcoin wallet has a separate seed)`;
}
