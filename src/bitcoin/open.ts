/**
 * Opening the user's wallet from the configuration: the chain backend from `bitcoinRpc`, the
 * network (with the regtest flavour detected from the node when not given), the state from the
 * database. Shared by `otp2p btc` and the payments area.
 */
import type { HDKey } from '@scure/bip32';
import { readFileSync, statSync } from 'node:fs';
import type { BitcoinRpcConfig, Config } from '../config.ts';
import { OtP2pError } from '../core/errors.ts';
import type { Store } from '../store/db.ts';
import { BitcoinCoreRpc } from './chain.ts';
import type { RpcSettings } from './chain.ts';
import { bitcoinNetwork } from './networks.ts';
import type { NetworkParams, RegtestFlavor } from './networks.ts';
import { loadWalletState, saveWalletState, walletId } from './store.ts';
import { BitcoinWallet } from './wallet.ts';

/** The environment variable that carries the RPC password (never argv, never config.json). */
export const RPC_PASSWORD_ENV = 'OTP2P_BITCOIN_RPC_PASSWORD';

/** A cookie file is one short line; anything bigger is not one. */
const MAX_COOKIE_BYTES = 4096;

const MOVE_PASSWORD =
  `keep it out of config.json: export ${RPC_PASSWORD_ENV}=... in the environment of otp2p (or set bitcoinRpc.cookieFile to the node's .cookie file), ` +
  `then rewrite the key without it: otp2p config set bitcoinRpc '{"url":"http://127.0.0.1:8332/","user":"..."}'`;

/**
 * The RPC credentials for `bitcoinRpc`: the cookie file (`user:password`, as Bitcoin Core writes
 * `.cookie`) when set, else `user` with the password from `$OTP2P_BITCOIN_RPC_PASSWORD`. A
 * password in config.json or in the URL is refused: a file others may read is no place for it.
 * @throws OtP2pError `bad-config` (a plaintext password, no password, an unreadable or malformed
 *   cookie file), never quoting a secret.
 */
export function rpcSettings(
  rpc: BitcoinRpcConfig,
  env: Readonly<Record<string, string | undefined>> = process.env,
): RpcSettings {
  const inUrl = /^[a-z]+:\/\/[^/@]*:[^/@]*@/i.test(rpc.url);
  if (rpc.password !== undefined || inUrl)
    throw new OtP2pError(
      'bad-config',
      `bitcoinRpc holds the RPC password in plaintext (${inUrl ? 'in the url' : 'bitcoinRpc.password'}): ${MOVE_PASSWORD}`,
      { context: { key: 'bitcoinRpc' } },
    );
  if (rpc.cookieFile !== undefined) {
    let text: string;
    try {
      if (statSync(rpc.cookieFile).size > MAX_COOKIE_BYTES) throw new Error('too large');
      text = readFileSync(rpc.cookieFile, 'utf8').trim();
    } catch (cause) {
      throw new OtP2pError('bad-config', `bitcoinRpc.cookieFile ${rpc.cookieFile} cannot be read`, {
        cause,
        context: { key: 'bitcoinRpc', field: 'cookieFile' },
      });
    }
    const colon = text.indexOf(':');
    if (colon <= 0 || colon === text.length - 1)
      throw new OtP2pError('bad-config', `bitcoinRpc.cookieFile ${rpc.cookieFile} is not a user:password cookie`, {
        context: { key: 'bitcoinRpc', field: 'cookieFile' },
      });
    return { url: rpc.url, user: text.slice(0, colon), password: text.slice(colon + 1) };
  }
  const password = env[RPC_PASSWORD_ENV];
  if (password === undefined || password === '')
    throw new OtP2pError(
      'bad-config',
      `no Bitcoin RPC password: set ${RPC_PASSWORD_ENV} in the environment, or bitcoinRpc.cookieFile to the node's .cookie file`,
      { context: { key: 'bitcoinRpc' } },
    );
  return { url: rpc.url, user: rpc.user ?? '', password };
}

/** Options of {@link openHomeWallet}. */
export interface OpenWalletOptions {
  config: Pick<Config, 'network' | 'bitcoinRpc' | 'confirmations'>;
  /** The BIP84 account node (from the unlocked identity: `identity.bitcoin.node`). */
  account: HDKey;
  store: Store;
  /** Regtest address flavour; detected from the node's subversion when omitted. */
  flavor?: RegtestFlavor;
  /** First block to scan when the wallet has no saved state (default 0). */
  birthHeight?: number;
  /** Where `$OTP2P_BITCOIN_RPC_PASSWORD` is read (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Require a backend (`bitcoinRpc` set); otherwise the wallet may run offline. */
  requireChain?: boolean;
}

/** An opened wallet and how to save it. */
export interface OpenedWallet {
  wallet: BitcoinWallet;
  network: NetworkParams;
  rpc: BitcoinCoreRpc | null;
  /** Persist the wallet's current state. */
  save(): Promise<void>;
}

/**
 * Open the wallet of an account with the configured backend and saved state.
 * @throws OtP2pError `bad-config` when `bitcoinRpc` is required but not set, `chain-error` /
 *   `rpc-error` while detecting the regtest flavour, `db-error`.
 */
export async function openHomeWallet(options: OpenWalletOptions): Promise<OpenedWallet> {
  const { config } = options;
  const rpc = config.bitcoinRpc ? new BitcoinCoreRpc(rpcSettings(config.bitcoinRpc, options.env)) : null;
  if (!rpc && options.requireChain) {
    throw new OtP2pError(
      'bad-config',
      `bitcoinRpc is not set: otp2p config set bitcoinRpc '{"url":"http://127.0.0.1:8332/","cookieFile":"/path/to/.cookie"}' (or "user":"..." with the password in ${RPC_PASSWORD_ENV})`,
      {
        context: { key: 'bitcoinRpc' },
      },
    );
  }
  let flavor: RegtestFlavor = options.flavor ?? 'core';
  if (config.network === 'regtest' && options.flavor === undefined && rpc) {
    flavor = /bcoin/i.test(await rpc.getSubversion()) ? 'bcoin' : 'core';
  }
  const network = bitcoinNetwork(config.network, flavor);
  const id = walletId(network, options.account.publicExtendedKey);
  const state = await loadWalletState(options.store, id);
  const wallet = new BitcoinWallet({
    network,
    account: options.account,
    // Offline (no bitcoinRpc): a backend that is never called unless a sync is attempted.
    chain: rpc ?? new BitcoinCoreRpc({ url: 'http://127.0.0.1:9/', user: '', password: '', timeoutMs: 1 }),
    confirmations: config.confirmations,
    ...(state ? { state } : { birthHeight: options.birthHeight ?? 0 }),
  });
  return { wallet, network, rpc, save: () => saveWalletState(options.store, id, network, wallet.state()) };
}
