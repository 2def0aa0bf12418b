/**
 * Opening the user's wallet from the configuration: the chain backend from `bitcoinRpc`, the
 * network (with the regtest flavour detected from the node when not given), the state from the
 * database. Shared by `otp2p btc` and the payments area.
 */
import type { HDKey } from '@scure/bip32';
import type { Config } from '../config.ts';
import { OtP2pError } from '../core/errors.ts';
import type { Store } from '../store/db.ts';
import { BitcoinCoreRpc } from './chain.ts';
import { bitcoinNetwork } from './networks.ts';
import type { NetworkParams, RegtestFlavor } from './networks.ts';
import { loadWalletState, saveWalletState, walletId } from './store.ts';
import { BitcoinWallet } from './wallet.ts';

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
  const rpc = config.bitcoinRpc ? new BitcoinCoreRpc(config.bitcoinRpc) : null;
  if (!rpc && options.requireChain) {
    throw new OtP2pError(
      'bad-config',
      'bitcoinRpc is not set: otp2p config set bitcoinRpc \'{"url":"http://127.0.0.1:8332/","user":"...","password":"..."}\'',
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
