/**
 * A BIP84 (P2WPKH) wallet over a {@link ChainBackend}: receive and change addresses with
 * gap-limit scanning, UTXO tracking by scanning blocks and the mempool, coin selection, fee rate,
 * PSBT build and sign, broadcast, confirmation tracking and detection of incoming payments.
 *
 * The account node comes from the keys area (`bip84FromSeed(seed, ...).node`); a public-only node
 * gives a watch-only wallet that can build but not sign PSBTs. The wallet's state is a plain
 * JSON-safe snapshot ({@link WalletState}) so callers can persist it and resume scanning.
 *
 * Reorganisations: if the block the wallet last scanned is no longer on the best chain, the
 * wallet forgets its chain view and rescans from its birth height (addresses handed out stay
 * handed out, so none is reused).
 */
import type { HDKey } from '@scure/bip32';
import { address as btcAddress, Block, initEccLib, Psbt, Transaction, payments } from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';
import { bytesToHex } from '../core/bytes.ts';
import { OtP2pError, describeValue } from '../core/errors.ts';
import type { ChainBackend } from './chain.ts';
import { selectCoins, satPerVbyte } from './coinselect.ts';
import type { NetworkParams } from './networks.ts';

initEccLib(ecc);

export type {
  AddressChain,
  WalletOutput,
  WalletState,
  WalletOptions,
  WalletBalance,
  BuiltPsbt,
  IncomingPayment,
  SentTransaction,
} from './wallet-types.ts';
import type {
  AddressChain,
  WalletOutput,
  WalletState,
  WalletOptions,
  WalletBalance,
  BuiltPsbt,
  IncomingPayment,
  SentTransaction,
} from './wallet-types.ts';

const outpoint = (txid: string, vout: number): string => `${txid}:${vout}`;
const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new OtP2pError('aborted', 'wait aborted'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(new OtP2pError('aborted', 'wait aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/**
 * The output script of an address on `network`.
 * @throws OtP2pError `bad-address` when it is not a valid address of that network.
 */
export function addressToScript(address: string, network: NetworkParams): Uint8Array {
  if (typeof address !== 'string' || address.length === 0 || address.length > 100) {
    throw new OtP2pError('bad-address', `address must be a Bitcoin address string, got ${describeValue(address)}`, {
      context: { field: 'address' },
    });
  }
  try {
    return btcAddress.toOutputScript(address, network.params);
  } catch (cause) {
    throw new OtP2pError(
      'bad-address',
      `${describeValue(address)} is not a valid ${network.name}${network.name === 'regtest' ? ` (${network.flavor})` : ''} address`,
      {
        context: { field: 'address', network: network.name },
        cause,
      },
    );
  }
}

/**
 * The BIP84 wallet. `sync` and `send` run one at a time (an internal queue), so two payments
 * started together never pick the same coins.
 */
export class BitcoinWallet {
  readonly network: NetworkParams;
  readonly chain: ChainBackend;
  readonly gapLimit: number;
  readonly confirmationsRequired: number;
  readonly #account: HDKey;
  readonly #fallbackFeeRate: bigint;
  readonly #feeTarget: number;
  readonly #origin: WalletOptions['origin'];
  readonly #birthHeight: number;
  readonly #watchMempool: boolean;
  #scannedHeight: number;
  #scannedHash: string;
  #tip = -1;
  readonly #used: [number, number];
  readonly #issued: [number, number];
  readonly #derived: [number, number] = [0, 0];
  /** Derived addresses by chain and index. */
  readonly #addresses: [string[], string[]] = [[], []];
  /** scriptHex -> address path. */
  readonly #scripts = new Map<string, { chain: AddressChain; index: number; address: string; pubkey: Uint8Array }>();
  readonly #outputs = new Map<string, WalletOutput>();
  readonly #txs = new Map<string, number | null>();

  /** @throws OtP2pError `bad-input` for a bad gap limit or birth height, `bad-key` for an account without a public key. */
  constructor(options: WalletOptions) {
    this.network = options.network;
    this.chain = options.chain;
    this.#account = options.account;
    if (!options.account.publicKey) throw new OtP2pError('bad-key', 'the account node has no public key');
    this.gapLimit = options.gapLimit ?? 20;
    if (!Number.isInteger(this.gapLimit) || this.gapLimit < 1 || this.gapLimit > 10_000) {
      throw new OtP2pError(
        'bad-input',
        `gapLimit must be an integer in 1..10000, got ${describeValue(options.gapLimit)}`,
        { context: { field: 'gapLimit' } },
      );
    }
    this.confirmationsRequired = options.confirmations ?? 1;
    if (!Number.isInteger(this.confirmationsRequired) || this.confirmationsRequired < 0) {
      throw new OtP2pError(
        'bad-input',
        `confirmations must be a non-negative integer, got ${describeValue(options.confirmations)}`,
        { context: { field: 'confirmations' } },
      );
    }
    this.#fallbackFeeRate = options.fallbackFeeRate ?? 2n;
    this.#feeTarget = options.feeTargetBlocks ?? 6;
    this.#origin = options.origin;
    this.#watchMempool = options.watchMempool ?? true;
    const st = options.state;
    this.#birthHeight = st?.birthHeight ?? options.birthHeight ?? 0;
    if (!Number.isInteger(this.#birthHeight) || this.#birthHeight < 0) {
      throw new OtP2pError(
        'bad-input',
        `birthHeight must be a non-negative integer, got ${describeValue(this.#birthHeight)}`,
        { context: { field: 'birthHeight' } },
      );
    }
    this.#scannedHeight = st?.scannedHeight ?? this.#birthHeight - 1;
    this.#scannedHash = st?.scannedHash ?? '';
    this.#used = st ? [st.used[0], st.used[1]] : [-1, -1];
    this.#issued = st ? [st.issued[0], st.issued[1]] : [-1, -1];
    this.#extend(0);
    this.#extend(1);
    if (st) {
      for (const o of st.outputs) {
        const addr = this.#addressAt(o.chain, o.index);
        this.#outputs.set(outpoint(o.txid, o.vout), { ...o, value: BigInt(o.value), address: addr });
      }
      for (const [txid, h] of Object.entries(st.txs)) this.#txs.set(txid, h);
    }
  }

  /** Derive addresses so that `gapLimit` unused ones follow the last used or handed-out one. */
  #extend(chain: AddressChain): void {
    const want = Math.max(this.#used[chain], this.#issued[chain]) + 1 + this.gapLimit;
    const branch = this.#account.deriveChild(chain);
    for (let i = this.#derived[chain]; i < want; i++) {
      const pubkey = branch.deriveChild(i).publicKey;
      if (!pubkey) throw new OtP2pError('bad-key', 'derived node has no public key');
      const p = payments.p2wpkh({ pubkey, network: this.network.params });
      this.#scripts.set(bytesToHex(p.output!), { chain, index: i, address: p.address!, pubkey });
      this.#addresses[chain][i] = p.address!;
    }
    this.#derived[chain] = Math.max(this.#derived[chain], want);
  }

  #addressAt(chain: AddressChain, index: number): string {
    const known = this.#addresses[chain][index];
    if (known !== undefined) return known;
    const pubkey = this.#account.deriveChild(chain).deriveChild(index).publicKey;
    if (!pubkey) throw new OtP2pError('bad-key', 'derived node has no public key');
    return payments.p2wpkh({ pubkey, network: this.network.params }).address!;
  }

  /**
   * Address `index` on `chain` (no side effect: it is not watched unless in the gap window).
   * @throws OtP2pError `bad-derivation-path` for a chain other than 0/1 or a bad index.
   */
  addressAt(chain: AddressChain, index: number): string {
    if ((chain !== 0 && chain !== 1) || !Number.isInteger(index) || index < 0 || index > 0x7fffffff) {
      throw new OtP2pError(
        'bad-derivation-path',
        `address chain must be 0 or 1 and index 0..2^31-1, got ${describeValue(chain)}/${describeValue(index)}`,
      );
    }
    return this.#addressAt(chain, index);
  }

  /**
   * A receive address never handed out nor used before (BIP84 `0/i`): give each payer or quote
   * its own. The wallet watches it from now on.
   */
  nextReceiveAddress(): string {
    return this.#nextAddress(0);
  }

  #nextAddress(chain: AddressChain): string {
    const i = Math.max(this.#used[chain], this.#issued[chain]) + 1;
    this.#issued[chain] = i;
    this.#extend(chain);
    return this.#addressAt(chain, i);
  }

  /** Whether `address` belongs to this wallet (within the watched range). */
  isMine(address: string): boolean {
    try {
      return this.#scripts.has(bytesToHex(addressToScript(address, this.network)));
    } catch {
      return false;
    }
  }

  /** Height of the best block at the last sync (-1 before). */
  get tipHeight(): number {
    return this.#tip;
  }

  /**
   * Bring the wallet up to date: scan blocks after the last scanned one (rescanning from the
   * birth height after a reorganisation), then the mempool.
   * @returns the tip height.
   * @throws OtP2pError `chain-error` / `rpc-error` from the backend, `aborted` when `signal` fires.
   */
  sync(signal?: AbortSignal): Promise<number> {
    return this.#serial(() => this.#sync(signal));
  }

  #queue: Promise<unknown> = Promise.resolve();

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #sync(signal?: AbortSignal): Promise<number> {
    const tip = await this.chain.getBlockCount();
    if (this.#scannedHeight >= this.#birthHeight) {
      const hash = this.#scannedHeight <= tip ? await this.chain.getBlockHash(this.#scannedHeight) : '';
      if (hash !== this.#scannedHash) this.#forgetChain();
    }
    // Batches of blocks, the next one fetched while this one is applied. Applied strictly in
    // order: the gap-limit window moves as addresses get used.
    const chunk = 25;
    let next = this.#scannedHeight + 1;
    const fetchFrom = (h: number): Promise<{ hash: string; hex: string }[]> | undefined =>
      h <= tip ? this.chain.getBlockRange(h, Math.min(chunk, tip - h + 1)) : undefined;
    let pending = fetchFrom(next);
    while (pending) {
      const blocks = await pending;
      if (signal?.aborted) throw new OtP2pError('aborted', 'sync aborted');
      pending = fetchFrom(next + blocks.length);
      // Handled when awaited; this only keeps a failure during the apply below from going unhandled.
      pending?.catch(() => undefined);
      for (const { hash, hex } of blocks) {
        let block: Block;
        try {
          block = Block.fromHex(hex);
        } catch (cause) {
          throw new OtP2pError('chain-error', `block at height ${next} does not decode`, {
            context: { height: next },
            cause,
          });
        }
        if (block.getId() !== hash) {
          throw new OtP2pError('chain-error', `block at height ${next} does not hash to ${hash}`, {
            context: { height: next, hash },
          });
        }
        for (const tx of block.transactions ?? []) this.#apply(tx, next);
        this.#scannedHeight = next;
        this.#scannedHash = hash;
        next++;
      }
    }
    this.#tip = tip;
    await this.#scanMempool();
    return tip;
  }

  /**
   * Look at mempool transactions not seen before, and forget unconfirmed transactions the
   * mempool no longer holds (replaced, evicted, or invalidated by a reorganisation): their
   * outputs disappear and the coins they spent become spendable again.
   */
  async #scanMempool(): Promise<void> {
    if (!this.#watchMempool) return;
    const ids = await this.chain.getRawMempool();
    const inPool = new Set(ids);
    for (const [txid, height] of [...this.#txs]) if (height === null && !inPool.has(txid)) this.#dropUnconfirmed(txid);
    for (const txid of this.#seenMempool) if (!inPool.has(txid)) this.#seenMempool.delete(txid);
    for (const txid of ids) {
      if (this.#txs.has(txid) || this.#seenMempool.has(txid)) continue;
      const hex = await this.chain.getRawTransactionHex(txid);
      this.#seenMempool.add(txid);
      if (hex === undefined) continue;
      let tx: Transaction;
      try {
        tx = Transaction.fromHex(hex);
      } catch {
        continue;
      }
      this.#apply(tx, null);
    }
  }

  #dropUnconfirmed(txid: string): void {
    this.#txs.delete(txid);
    for (const [key, o] of [...this.#outputs]) {
      if (o.txid === txid && o.height === null) this.#outputs.delete(key);
      else if (o.spentBy === txid) o.spentBy = null;
    }
  }

  readonly #seenMempool = new Set<string>();

  #forgetChain(): void {
    this.#outputs.clear();
    this.#txs.clear();
    this.#seenMempool.clear();
    this.#scannedHeight = this.#birthHeight - 1;
    this.#scannedHash = '';
  }

  /** Record what `tx` does to this wallet: spends of our outputs, and outputs paying us. */
  #apply(tx: Transaction, height: number | null, own = false): boolean {
    const txid = tx.getId();
    let relevant = false;
    if (!tx.isCoinbase()) {
      for (const input of tx.ins) {
        const prev = outpoint(bytesToHex(Uint8Array.from(input.hash).reverse()), input.index);
        const o = this.#outputs.get(prev);
        if (o) {
          o.spentBy = txid;
          relevant = true;
        }
      }
    }
    tx.outs.forEach((out, vout) => {
      const path = this.#scripts.get(bytesToHex(out.script));
      if (!path) return;
      relevant = true;
      if (path.index > this.#used[path.chain]) {
        this.#used[path.chain] = path.index;
        this.#extend(path.chain);
      }
      const key = outpoint(txid, vout);
      const existing = this.#outputs.get(key);
      if (existing) {
        existing.height = height ?? existing.height;
        return;
      }
      this.#outputs.set(key, {
        txid,
        vout,
        value: out.value,
        address: path.address,
        chain: path.chain,
        index: path.index,
        height,
        spentBy: null,
        own: own && path.chain === 1,
      });
    });
    if (relevant) {
      const before = this.#txs.get(txid);
      this.#txs.set(txid, height ?? before ?? null);
    }
    return relevant;
  }

  /** Confirmations of a block height at the last sync's tip (0 for the mempool). */
  #confs(height: number | null): number {
    return height === null || this.#tip < height ? 0 : this.#tip - height + 1;
  }

  /** Unspent outputs (including unconfirmed ones), oldest first. */
  utxos(): WalletOutput[] {
    return [...this.#outputs.values()].filter((o) => o.spentBy === null).map((o) => ({ ...o }));
  }

  /** Balances at the last sync. */
  balance(): WalletBalance {
    let confirmed = 0n;
    let unconfirmed = 0n;
    let spendable = 0n;
    for (const o of this.#outputs.values()) {
      if (o.spentBy !== null) continue;
      const ok = this.#confs(o.height) >= this.confirmationsRequired;
      if (ok) confirmed += o.value;
      else unconfirmed += o.value;
      if (this.#spendable(o)) spendable += o.value;
    }
    return { confirmed, unconfirmed, spendable };
  }

  #spendable(o: WalletOutput): boolean {
    return o.spentBy === null && (o.own || this.#confs(o.height) >= Math.max(1, this.confirmationsRequired));
  }

  /** Confirmations of a transaction this wallet saw or sent (0 in the mempool, -1 unknown). */
  confirmations(txid: string): number {
    if (!this.#txs.has(txid)) return -1;
    return this.#confs(this.#txs.get(txid) ?? null);
  }

  /**
   * Payments received by `address` (an address of this wallet), spent or not.
   * @throws OtP2pError `bad-address` when the address is invalid or not this wallet's.
   */
  incoming(address: string): IncomingPayment[] {
    const script = bytesToHex(addressToScript(address, this.network));
    if (!this.#scripts.has(script)) {
      throw new OtP2pError('bad-address', `${describeValue(address)} is not an address of this wallet`, {
        context: { field: 'address' },
      });
    }
    const path = this.#scripts.get(script)!;
    return [...this.#outputs.values()]
      .filter((o) => o.chain === path.chain && o.index === path.index)
      .map((o) => ({
        txid: o.txid,
        vout: o.vout,
        value: o.value,
        height: o.height,
        confirmations: this.#confs(o.height),
      }));
  }

  /**
   * Wait until `address` has received at least `amount` sats in outputs with `confirmations`
   * confirmations (default: the wallet's), syncing every `pollMs`.
   * @returns the payments that make up the amount.
   * @throws OtP2pError `timeout` after `timeoutMs`, `aborted`, `bad-address`, backend errors.
   */
  async waitForPayment(
    address: string,
    amount: bigint,
    options: { confirmations?: number; pollMs?: number; timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<IncomingPayment[]> {
    const need = options.confirmations ?? this.confirmationsRequired;
    const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
    for (;;) {
      await this.sync(options.signal);
      const got = this.incoming(address).filter((p) => p.confirmations >= need);
      if (got.reduce((s, p) => s + p.value, 0n) >= amount) return got;
      if (Date.now() >= deadline) {
        throw new OtP2pError(
          'timeout',
          `no payment of ${amount} sats with ${need} confirmations reached ${address} in time`,
          { context: { address, amount: amount.toString() } },
        );
      }
      await sleep(options.pollMs ?? 1000, options.signal);
    }
  }

  /**
   * Wait until a transaction has `confirmations` confirmations (default: the wallet's).
   * @throws OtP2pError `timeout`, `aborted`, backend errors.
   */
  async waitForConfirmations(
    txid: string,
    options: { confirmations?: number; pollMs?: number; timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<number> {
    const need = options.confirmations ?? this.confirmationsRequired;
    const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
    for (;;) {
      await this.sync(options.signal);
      const n = this.confirmations(txid);
      if (n >= need) return n;
      if (Date.now() >= deadline)
        throw new OtP2pError('timeout', `transaction ${txid} has ${Math.max(0, n)} of ${need} confirmations`, {
          context: { txid },
        });
      await sleep(options.pollMs ?? 1000, options.signal);
    }
  }

  /**
   * Fee rate in sat/vB: the node's estimate for the wallet's target, or the fallback.
   * @throws OtP2pError `chain-error` when the node is unreachable.
   */
  async feeRate(): Promise<bigint> {
    const perKvB = await this.chain.estimateFeeRate(this.#feeTarget);
    return perKvB === undefined ? this.#fallbackFeeRate : satPerVbyte(perKvB);
  }

  /**
   * Build an unsigned PSBT paying `amount` sats to `to`, with change to a fresh change address.
   * Uses the wallet's view at the last {@link sync}.
   * @throws OtP2pError `bad-address`, `bad-amount` (amount or fee rate not positive), `dust`
   *   (amount below the recipient's dust threshold), `insufficient-funds`.
   */
  async createPsbt(request: { to: string; amount: bigint; feeRate?: bigint }): Promise<BuiltPsbt> {
    const script = addressToScript(request.to, this.network);
    if (typeof request.amount !== 'bigint' || request.amount <= 0n) {
      throw new OtP2pError(
        'bad-amount',
        `amount must be a positive number of sats, got ${describeValue(request.amount)}`,
        { context: { field: 'amount' } },
      );
    }
    const feeRate = request.feeRate ?? (await this.feeRate());
    const coins = [...this.#outputs.values()].filter((o) => this.#spendable(o));
    const byId = new Map(coins.map((o) => [outpoint(o.txid, o.vout), o]));
    const sel = selectCoins({
      coins: coins.map((o) => ({ id: outpoint(o.txid, o.vout), value: o.value })),
      outputs: [{ script, value: request.amount }],
      feeRate,
    });
    const psbt = new Psbt({ network: this.network.params });
    for (const c of sel.inputs) {
      const o = byId.get(c.id)!;
      const path = this.#scripts.get(bytesToHex(addressToScript(o.address, this.network)))!;
      psbt.addInput({
        hash: o.txid,
        index: o.vout,
        witnessUtxo: { script: addressToScript(o.address, this.network), value: o.value },
        ...(this.#origin
          ? {
              bip32Derivation: [
                {
                  masterFingerprint: fingerprintBytes(this.#origin.masterFingerprint),
                  path: `${this.#origin.accountPath}/${o.chain}/${o.index}`,
                  pubkey: path.pubkey,
                },
              ],
            }
          : {}),
      });
    }
    psbt.addOutput({ script, value: request.amount });
    let change: BuiltPsbt['change'] = null;
    if (sel.change > 0n) {
      const index = Math.max(this.#used[1], this.#issued[1]) + 1;
      const address = this.#nextAddress(1);
      psbt.addOutput({ script: addressToScript(address, this.network), value: sel.change });
      change = { address, value: sel.change, index };
    }
    return {
      psbt: psbt.toBase64(),
      fee: sel.fee,
      feeRate,
      vsize: sel.vsize,
      change,
      inputs: sel.inputs.map((c) => {
        const o = byId.get(c.id)!;
        return { txid: o.txid, vout: o.vout, value: o.value };
      }),
      algorithm: sel.algorithm,
    };
  }

  /**
   * Sign every input of a PSBT that spends one of this wallet's outputs (matched by its
   * `witnessUtxo` script), check the signatures, and finalise them.
   * @returns the signed PSBT (base64) and, when every input is final, the transaction hex.
   * @throws OtP2pError `bad-psbt` when the PSBT does not parse, an input lacks `witnessUtxo`,
   *   no input is this wallet's, or a signature fails; `bad-key` for a watch-only wallet.
   */
  signPsbt(base64: string): { psbt: string; hex: string | null; signed: number } {
    if (!this.#account.privateKey)
      throw new OtP2pError('bad-key', 'this wallet is watch-only: it has no private key to sign with');
    let psbt: Psbt;
    try {
      psbt = Psbt.fromBase64(base64, { network: this.network.params });
    } catch (cause) {
      throw new OtP2pError('bad-psbt', 'the PSBT does not parse', { cause });
    }
    let signed = 0;
    psbt.data.inputs.forEach((input, i) => {
      if (!input.witnessUtxo)
        throw new OtP2pError('bad-psbt', `PSBT input ${i} has no witnessUtxo`, { context: { input: i } });
      const path = this.#scripts.get(bytesToHex(input.witnessUtxo.script));
      if (!path) return;
      const node = this.#account.deriveChild(path.chain).deriveChild(path.index);
      const sk = node.privateKey!;
      try {
        psbt.signInput(i, { publicKey: path.pubkey, sign: (hash: Uint8Array) => ecc.sign(hash, sk) });
        if (!psbt.validateSignaturesOfInput(i, (pk, msg, sig) => ecc.verify(msg, pk, sig)))
          throw new Error('signature does not verify');
        psbt.finalizeInput(i);
      } catch (cause) {
        throw new OtP2pError('bad-psbt', `cannot sign PSBT input ${i}`, { context: { input: i }, cause });
      } finally {
        node.wipePrivateData();
      }
      signed++;
    });
    if (signed === 0) throw new OtP2pError('bad-psbt', 'no input of this PSBT belongs to this wallet');
    const complete = psbt.data.inputs.every(
      (inp) => inp.finalScriptWitness !== undefined || inp.finalScriptSig !== undefined,
    );
    return { psbt: psbt.toBase64(), hex: complete ? psbt.extractTransaction().toHex() : null, signed };
  }

  /**
   * Broadcast a signed transaction and record it: its inputs stop being spendable at once, and
   * its change is spendable before it confirms.
   * @throws OtP2pError `bad-psbt` when the hex is not a transaction, `rpc-error` when the node
   *   refuses it, `chain-error` when the node does not keep it.
   */
  async broadcast(hex: string): Promise<SentTransaction> {
    let tx: Transaction;
    try {
      tx = Transaction.fromHex(hex);
    } catch (cause) {
      throw new OtP2pError('bad-psbt', 'the transaction hex does not decode', { cause });
    }
    const txid = await this.chain.sendRawTransaction(hex);
    this.#apply(tx, null, true);
    this.#seenMempool.add(txid);
    let inSum = 0n;
    for (const input of tx.ins)
      inSum += this.#outputs.get(outpoint(bytesToHex(Uint8Array.from(input.hash).reverse()), input.index))?.value ?? 0n;
    const outSum = tx.outs.reduce((s, o) => s + o.value, 0n);
    return { txid, hex, fee: inSum - outSum, vsize: tx.virtualSize() };
  }

  /**
   * Pay `amount` sats to `to`: build, sign and broadcast.
   * @throws OtP2pError as {@link createPsbt}, {@link signPsbt} and {@link broadcast}.
   */
  send(request: {
    to: string;
    amount: bigint;
    feeRate?: bigint;
  }): Promise<SentTransaction & { change: BuiltPsbt['change'] }> {
    return this.#serial(async () => {
      const built = await this.createPsbt(request);
      const { hex } = this.signPsbt(built.psbt);
      const sent = await this.broadcast(hex!);
      return { ...sent, change: built.change };
    });
  }

  /** A JSON-safe snapshot to persist and pass back as `state`. */
  state(): WalletState {
    return {
      version: 1,
      birthHeight: this.#birthHeight,
      scannedHeight: this.#scannedHeight,
      scannedHash: this.#scannedHash,
      used: [this.#used[0], this.#used[1]],
      issued: [this.#issued[0], this.#issued[1]],
      outputs: [...this.#outputs.values()].map((o) => ({
        txid: o.txid,
        vout: o.vout,
        value: o.value.toString(),
        chain: o.chain,
        index: o.index,
        height: o.height,
        spentBy: o.spentBy,
        own: o.own,
      })),
      txs: Object.fromEntries(this.#txs),
    };
  }
}

function fingerprintBytes(fp: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, fp >>> 0);
  return b;
}
