/**
 * Bitcoin for otp2p: network parameters, the BIP84 wallet, coin selection, the chain backend
 * (Bitcoin Core JSON-RPC) and wallet persistence. A network's coins are the asset `btc@<chain>`
 * (`NetworkParams.chain`; the asset vocabulary is `core/assets.ts`).
 */
export { BCOIN_REGTEST, bitcoinNetwork } from './networks.ts';
export type { NetworkParams, RegtestFlavor } from './networks.ts';
export { BitcoinCoreRpc, btcToSats } from './chain.ts';
export type { ChainBackend, RpcSettings } from './chain.ts';
export {
  DUST_RELAY_FEE_RATE,
  P2WPKH_INPUT_WEIGHT,
  dustThreshold,
  feeFor,
  satPerVbyte,
  selectCoins,
  txWeight,
  vsizeOf,
} from './coinselect.ts';
export type { Coin, Selection, SelectionRequest } from './coinselect.ts';
export { BitcoinWallet, addressToScript } from './wallet.ts';
export type {
  AddressChain,
  BuiltPsbt,
  IncomingPayment,
  SentTransaction,
  WalletBalance,
  WalletOptions,
  WalletOutput,
  WalletState,
} from './wallet.ts';
export { loadWalletState, saveWalletState, walletId } from './store.ts';
export { openHomeWallet } from './open.ts';
export type { OpenedWallet, OpenWalletOptions } from './open.ts';
