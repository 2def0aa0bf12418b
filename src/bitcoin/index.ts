/**
 * Bitcoin for otp2p: network parameters, the BIP84 wallet, coin selection, the chain backend
 * (Bitcoin Core JSON-RPC) and wallet persistence. BTC's unit string is {@link BTC_UNIT}.
 */
export { BTC_UNIT, BCOIN_REGTEST, bitcoinNetwork } from './networks.ts';
export type { BitcoinNetworkName, NetworkParams, RegtestFlavor } from './networks.ts';
export { BitcoinCoreRpc, btcToSats } from './chain.ts';
export type { ChainBackend, RpcSettings } from './chain.ts';
export { DUST_RELAY_FEE_RATE, P2WPKH_INPUT_WEIGHT, dustThreshold, feeFor, satPerVbyte, selectCoins, txWeight, vsizeOf } from './coinselect.ts';
export type { Coin, Selection, SelectionRequest } from './coinselect.ts';
export { BitcoinWallet, addressToScript } from './wallet.ts';
export type { AddressChain, BuiltPsbt, IncomingPayment, SentTransaction, WalletBalance, WalletOptions, WalletOutput, WalletState } from './wallet.ts';
export { loadWalletState, saveWalletState, walletId } from './store.ts';
export { openHomeWallet } from './open.ts';
export type { OpenedWallet, OpenWalletOptions } from './open.ts';
