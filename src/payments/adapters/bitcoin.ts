/**
 * On-chain payment legs: the {@link TransferExecutor} for BTC on the wallet's chain (`btc@bitcoin`
 * on mainnet, `btc@regtest` on regtest: `core/assets.ts`) over a {@link BitcoinWallet}, and {@link RoutingTransfers}, which sends each
 * transfer to the executor of its unit (the OT API for notary units, the Bitcoin wallet for BTC).
 *
 * Exactly once: `transfer` builds and signs the transaction, commits it with its idempotency key
 * (SQLite, synchronous=FULL) and only then broadcasts it. A retry with the same key — after a
 * crash, a lost answer, a replayed step — rebroadcasts that same signed transaction, which the
 * network can include at most once: BTC cannot be paid twice for one key.
 *
 * Fresh addresses: a party paid on-chain gives a receive address in its quote that no other
 * payment ever gets (bound to the payment id in `btc_receive_addresses`), so an output to it
 * identifies the payment. `verifyIncoming` counts a transfer only once its transaction has the
 * configured confirmations; before that it answers `pending` and the coordinator checks again.
 */
import { Block, Transaction, payments } from 'bitcoinjs-lib';
import type { Clock } from '../../core/clock.ts';
import { systemClock } from '../../core/clock.ts';
import { bytesToHex } from '../../core/bytes.ts';
import { OtP2pError, describeValue, isOtP2pError } from '../../core/errors.ts';
import { addressToScript } from '../../bitcoin/wallet.ts';
import type { BitcoinWallet } from '../../bitcoin/wallet.ts';
import type { Store } from '../../store/db.ts';
import type { WireReceipt } from '../messages.ts';
import { BTC_UNIT, btcRef, formatUnitRef, isOnChainAsset } from '../../core/assets.ts';
import { BtcPaymentRepository } from '../store.ts';
import type { BtcPaymentRow as PaymentRow } from '../store.ts';
import type { TransferExecutor, TransferReceipt, TransferRequest, VerifiedTransfer } from '../ports.ts';

/** Options for {@link BitcoinTransfers}. */
export interface BitcoinTransfersOptions {
  wallet: BitcoinWallet;
  /** Where transfers and handed-out addresses are recorded (migration 2026-11-24-09-btc-payments). */
  store: Store;
  /** Confirmations before an incoming transfer counts (default: the wallet's `confirmationsRequired`). */
  confirmations?: number;
  /** Fee rate in sat/vB (default: the wallet's estimate). */
  feeRate?: bigint;
  clock?: Clock;
  /**
   * Called right after a transaction is committed and before it is broadcast (crash tests of the
   * executor; default none).
   */
  afterCommit?: (key: string) => void;
}

/** Our account label for BTC: the wallet is the account; payers get addresses from quotes. */
const WALLET_ACCOUNT = 'bitcoin-wallet';

/** A {@link TransferExecutor} for on-chain BTC over a BIP84 wallet. Amounts are sats. */
export class BitcoinTransfers implements TransferExecutor {
  readonly wallet: BitcoinWallet;
  /** Confirmations an incoming transfer needs before it counts. */
  readonly confirmations: number;
  readonly #repo: BtcPaymentRepository;
  readonly #clock: Clock;
  readonly #feeRate: bigint | undefined;
  readonly #afterCommit: (key: string) => void;
  #queue: Promise<unknown> = Promise.resolve();
  #caughtUp = false;

  /** @throws OtP2pError `bad-input` when `confirmations` is not a non-negative integer. */
  constructor(options: BitcoinTransfersOptions) {
    this.wallet = options.wallet;
    this.confirmations = options.confirmations ?? options.wallet.confirmationsRequired;
    if (!Number.isInteger(this.confirmations) || this.confirmations < 0 || this.confirmations > 1000) {
      throw new OtP2pError(
        'bad-input',
        `confirmations must be an integer in 0..1000, got ${describeValue(options.confirmations)}`,
        {
          context: { field: 'confirmations' },
        },
      );
    }
    this.#repo = new BtcPaymentRepository(options.store);
    this.#clock = options.clock ?? systemClock;
    this.#feeRate = options.feeRate;
    this.#afterCommit = options.afterCommit ?? (() => {});
  }

  /**
   * Pay `request.amount` sats to the address `request.toNym`, exactly once per idempotency key:
   * a repeated key rebroadcasts the transaction committed the first time and returns its receipt.
   * @throws OtP2pError `unknown-unit` (not on-chain BTC), `bad-address`, `bad-amount`, `dust`,
   *   `insufficient-funds` (final), `chain-error` / `rpc-error` (retryable: the node refused or
   *   was unreachable; the committed transaction is rebroadcast on the next attempt).
   */
  transfer(request: TransferRequest): Promise<TransferReceipt> {
    return this.#serial(() => this.#transfer(request));
  }

  async #transfer(request: TransferRequest): Promise<TransferReceipt> {
    if (!this.#mine(request.notary, request.unit)) {
      throw new OtP2pError(
        'unknown-unit',
        `the Bitcoin wallet pays only ${formatUnitRef(btcRef(this.wallet.network.chain))}, not ${request.unit}@${request.notary}`,
        {
          context: { notary: request.notary, unit: request.unit },
        },
      );
    }
    const existing = this.#row(request.idempotencyKey);
    if (existing) {
      if (existing.address !== request.toNym || BigInt(existing.amount) !== request.amount) {
        throw new OtP2pError('bad-input', `idempotency key ${request.idempotencyKey} was used for another transfer`, {
          context: { key: request.idempotencyKey },
        });
      }
      await this.#ensureBroadcast(existing);
      return receiptOf(existing);
    }
    const script = addressToScript(request.toNym, this.wallet.network);
    // A transaction committed before a crash but never broadcast still owns its coins: send it
    // first, so the new one cannot spend them again and make it invalid.
    for (const row of this.#repo.unbroadcast()) {
      await this.#ensureBroadcast(row).catch(() => undefined);
    }
    await this.wallet.sync();
    const built = await this.wallet.createPsbt({
      to: request.toNym,
      amount: request.amount,
      ...(this.#feeRate !== undefined ? { feeRate: this.#feeRate } : {}),
    });
    const { hex } = this.wallet.signPsbt(built.psbt);
    if (hex === null) throw new OtP2pError('bad-psbt', 'the wallet could not sign every input');
    const tx = Transaction.fromHex(hex);
    const scriptHex = bytesToHex(script);
    const vout = tx.outs.findIndex((o) => bytesToHex(o.script) === scriptHex && o.value === request.amount);
    const row: PaymentRow = {
      idempotency_key: request.idempotencyKey,
      txid: tx.getId(),
      vout,
      address: request.toNym,
      amount: request.amount.toString(),
      rawtx: hex,
      created_at: this.#clock.now(),
      broadcast_at: null,
    };
    this.#repo.insert(row);
    this.#afterCommit(request.idempotencyKey);
    await this.#ensureBroadcast(row);
    return receiptOf(row);
  }

  /** Broadcast a committed transaction unless the node already holds or mined it. */
  async #ensureBroadcast(row: PaymentRow): Promise<void> {
    if (row.broadcast_at !== null) return;
    try {
      await this.wallet.broadcast(row.rawtx);
    } catch (err) {
      // already mined (or held) from an earlier attempt whose outcome was not recorded
      await this.wallet.sync();
      if (this.wallet.confirmations(row.txid) < 0) throw err;
    }
    const now = this.#clock.now();
    this.#repo.markBroadcast(row.idempotency_key, now);
    row.broadcast_at = now;
  }

  /**
   * Check an on-chain receipt: an output of `receipt.txid` at `receipt.vout` paying one of our
   * addresses. Resolves with the output's real value once the transaction has the configured
   * confirmations, `pending` before that, and `null` when the receipt is not BTC, names an
   * address that is not ours, or the output does not pay that address.
   * @throws OtP2pError `chain-error` / `rpc-error` when the node cannot be asked.
   */
  verifyIncoming(receipt: WireReceipt): Promise<VerifiedTransfer | null> {
    return this.#serial(() => this.#verify(receipt));
  }

  async #verify(receipt: WireReceipt): Promise<VerifiedTransfer | null> {
    if (receipt.kind !== 'btc') return null;
    this.#catchUp();
    if (!this.wallet.isMine(receipt.address)) return null;
    await this.wallet.sync();
    const base = { notary: this.wallet.network.chain, unit: BTC_UNIT, toNym: receipt.address };
    const seen = this.wallet.incoming(receipt.address).find((p) => p.txid === receipt.txid && p.vout === receipt.vout);
    if (!seen) {
      // not in our node's view yet (still propagating), or spent to another of our outputs
      return this.wallet.confirmations(receipt.txid) >= 0
        ? null
        : { ...base, fromNym: '', amount: 0n, pending: 'unseen' };
    }
    if (seen.confirmations < this.confirmations) {
      return { ...base, fromNym: '', amount: seen.value, pending: 'unconfirmed' };
    }
    return { ...base, fromNym: await this.#sender(receipt.txid, seen.height), amount: seen.value };
  }

  /**
   * Where a refund goes: the P2WPKH address of the transaction's first input (its witness carries
   * the public key). Empty when the input is not P2WPKH or the transaction cannot be fetched.
   */
  async #sender(txid: string, height: number | null): Promise<string> {
    let tx: Transaction | undefined;
    try {
      if (height === null) {
        const hex = await this.wallet.chain.getRawTransactionHex(txid);
        if (hex !== undefined) tx = Transaction.fromHex(hex);
      } else {
        const block = Block.fromHex(await this.wallet.chain.getBlockHex(await this.wallet.chain.getBlockHash(height)));
        tx = block.transactions?.find((t) => t.getId() === txid);
      }
    } catch (err) {
      if (isOtP2pError(err)) throw err;
      return '';
    }
    const pubkey = tx?.ins[0]?.witness[1];
    if (pubkey?.length !== 33) return '';
    try {
      return payments.p2wpkh({ pubkey, network: this.wallet.network.params }).address ?? '';
    } catch {
      return '';
    }
  }

  /** Whether (`notary`, `unit`) is BTC on this wallet's chain: coins of another chain are another asset. */
  #mine(notary: string, unit: string): boolean {
    return unit === BTC_UNIT && notary === this.wallet.network.chain;
  }

  /** The wallet is our only BTC account; payers learn where to pay from quotes. */
  account(notary: string, unit: string): { account: string; nym: string } | undefined {
    return this.#mine(notary, unit) ? { account: WALLET_ACCOUNT, nym: WALLET_ACCOUNT } : undefined;
  }

  /**
   * A receive address bound to `paymentId` alone: the one already bound, or (with `create`, the
   * default) a fresh one from the wallet that no payment was ever given and that was not paid at
   * the wallet's last sync, recorded before it is returned. Sync the wallet before quoting (the
   * Peer does at start): an address used on-chain since the last sync cannot be known here.
   */
  receiveAddress(paymentId: string, notary: string, unit: string, create = true): string | undefined {
    if (!this.#mine(notary, unit)) return undefined;
    const bound = this.#repo.boundAddress(paymentId);
    if (bound !== undefined || !create) return bound;
    this.#catchUp();
    let address = this.wallet.nextReceiveAddress();
    // the wallet's own record of handed-out addresses may be older than ours (state not saved),
    // and an address paid before (seen at the last sync) is not fresh either
    while (this.#repo.addressTaken(address) || this.wallet.incoming(address).length > 0)
      address = this.wallet.nextReceiveAddress();
    this.#repo.bindAddress(address, paymentId, this.#clock.now());
    return address;
  }

  /** The transfer recorded under `key`, if any (txid, output, whether it was broadcast). */
  recorded(
    key: string,
  ): { txid: string; vout: number; address: string; amount: bigint; broadcast: boolean } | undefined {
    const row = this.#row(key);
    return row
      ? {
          txid: row.txid,
          vout: row.vout,
          address: row.address,
          amount: BigInt(row.amount),
          broadcast: row.broadcast_at !== null,
        }
      : undefined;
  }

  /**
   * Make the wallet watch every address we handed out, even when its saved state is older than
   * our records (it only watches a gap-limit window past the last address it handed out).
   */
  #catchUp(): void {
    if (this.#caughtUp) return;
    this.#caughtUp = true;
    const addresses = this.#repo.addresses();
    for (const a of addresses) {
      for (let i = 0; i < 100_000 && !this.wallet.isMine(a); i++) this.wallet.nextReceiveAddress();
    }
  }

  #row(key: string): PaymentRow | undefined {
    return this.#repo.get(key);
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

function receiptOf(row: PaymentRow): TransferReceipt {
  return { kind: 'btc', txid: row.txid, vout: row.vout, address: row.address, amount: BigInt(row.amount) };
}

/** Options for {@link RoutingTransfers}. */
export interface RoutingTransfersOptions {
  /** Transfers of notary units (normally `OtApiTransfers`). */
  ot?: TransferExecutor;
  /** Transfers of on-chain BTC (normally {@link BitcoinTransfers}). */
  bitcoin?: TransferExecutor;
}

/**
 * One {@link TransferExecutor} over several: BTC (`btc@<chain>`) goes to `bitcoin`, every other
 * unit to `ot`; receipts go by their kind.
 */
export class RoutingTransfers implements TransferExecutor {
  readonly #o: RoutingTransfersOptions;
  constructor(options: RoutingTransfersOptions) {
    this.#o = options;
  }

  #for(notary: string, unit: string): TransferExecutor | undefined {
    return isOnChainAsset(notary, unit) ? this.#o.bitcoin : this.#o.ot;
  }

  /**
   * Transfer through the executor of the request's unit.
   * @throws OtP2pError `unknown-unit` when no executor handles it, or what that executor throws.
   */
  async transfer(request: TransferRequest): Promise<TransferReceipt> {
    const ex = this.#for(request.notary, request.unit);
    if (!ex)
      throw new OtP2pError('unknown-unit', `no wallet for ${request.unit}@${request.notary}`, {
        context: { notary: request.notary, unit: request.unit },
      });
    return ex.transfer(request);
  }

  /** Check a receipt with the executor of its kind (`btc`: the Bitcoin wallet; `ot`: the OT API). */
  async verifyIncoming(receipt: WireReceipt): Promise<VerifiedTransfer | null> {
    const ex = receipt.kind === 'btc' ? this.#o.bitcoin : this.#o.ot;
    return ex ? ex.verifyIncoming(receipt) : null;
  }

  /** Our account for the unit, from its executor. */
  account(notary: string, unit: string): { account: string; nym: string } | undefined {
    return this.#for(notary, unit)?.account(notary, unit);
  }

  /** A fresh address for on-chain units (see {@link BitcoinTransfers.receiveAddress}). */
  receiveAddress(paymentId: string, notary: string, unit: string, create = true): string | undefined {
    return this.#for(notary, unit)?.receiveAddress?.(paymentId, notary, unit, create);
  }
}
