/** The shapes a {@link BitcoinWallet} takes and returns (its state snapshot, options, outputs, PSBTs). */
import type { HDKey } from '@scure/bip32';
import type { ChainBackend } from './chain.ts';
import type { Selection } from './coinselect.ts';
import type { NetworkParams } from './networks.ts';

/** Address chains of BIP44: 0 receive, 1 change. */
export type AddressChain = 0 | 1;

/** An output paying this wallet. */
export interface WalletOutput {
  txid: string;
  vout: number;
  value: bigint;
  address: string;
  chain: AddressChain;
  index: number;
  /** Block height, or null while in the mempool. */
  height: number | null;
  /** Txid of the transaction spending it, if seen. */
  spentBy: string | null;
  /** Change of a transaction this wallet broadcast: spendable before it confirms. */
  own: boolean;
}

/** A persisted snapshot of the wallet (JSON-safe: amounts are decimal strings). */
export interface WalletState {
  version: 1;
  birthHeight: number;
  /** Last block scanned and its hash (-1 / '' before the first scan). */
  scannedHeight: number;
  scannedHash: string;
  /** Highest used / handed-out index per chain (-1 for none). */
  used: [number, number];
  issued: [number, number];
  outputs: {
    txid: string;
    vout: number;
    value: string;
    chain: AddressChain;
    index: number;
    height: number | null;
    spentBy: string | null;
    own: boolean;
  }[];
  /** Transactions touching the wallet, with their height (null: mempool). */
  txs: Record<string, number | null>;
}

/** Options of {@link BitcoinWallet}. */
export interface WalletOptions {
  network: NetworkParams;
  /** BIP84 account node (m/84'/coin'/account'); private for signing, public for watch-only. */
  account: HDKey;
  chain: ChainBackend;
  /** Unused addresses watched past the last used one on each chain (default 20). */
  gapLimit?: number;
  /** First block to scan (default 0). */
  birthHeight?: number;
  /** Confirmations before received coins count as confirmed and spendable (default 1). */
  confirmations?: number;
  /** Fee rate (sat/vB) when the node has no estimate (default 2). */
  fallbackFeeRate?: bigint;
  /** Confirmation target for fee estimates, in blocks (default 6). */
  feeTargetBlocks?: number;
  /** Master key fingerprint and account path, to add BIP32 derivations to PSBT inputs. */
  origin?: { masterFingerprint: number; accountPath: string };
  /** A snapshot from {@link BitcoinWallet.state} to resume from. */
  state?: WalletState;
  /**
   * Watch the node's mempool for unconfirmed payments (default true). Each new mempool
   * transaction costs one `getrawtransaction`: turn it off against a busy mainnet node and rely
   * on confirmations.
   */
  watchMempool?: boolean;
}

/** Balances in sats. */
export interface WalletBalance {
  /** Coins with the configured confirmations. */
  confirmed: bigint;
  /** Coins still waiting for them (mempool or too few blocks). */
  unconfirmed: bigint;
  /** What can be spent now: confirmed coins plus this wallet's own unconfirmed change. */
  spendable: bigint;
}

/** A PSBT the wallet built, and what it decided. */
export interface BuiltPsbt {
  /** Base64 PSBT (unsigned). */
  psbt: string;
  fee: bigint;
  feeRate: bigint;
  /** Estimated virtual size (upper bound). */
  vsize: number;
  /** The change output, if any. */
  change: { address: string; value: bigint; index: number } | null;
  inputs: { txid: string; vout: number; value: bigint }[];
  algorithm: Selection['algorithm'];
}

/** A payment seen to one of this wallet's addresses. */
export interface IncomingPayment {
  txid: string;
  vout: number;
  value: bigint;
  height: number | null;
  confirmations: number;
}

/** A broadcast transaction. */
export interface SentTransaction {
  txid: string;
  hex: string;
  fee: bigint;
  vsize: number;
}
