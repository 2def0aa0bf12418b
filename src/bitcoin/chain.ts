/**
 * The chain backend: what the wallet needs from a Bitcoin node, and its one implementation,
 * {@link BitcoinCoreRpc}, a small JSON-RPC client over `fetch` for Bitcoin Core and the nodes that
 * speak its RPC (bcoin). The wallet scans blocks itself (`getblockhash` + `getblock <hash> 0`,
 * decoded with bitcoinjs `Block.fromHex`) instead of relying on `scantxoutset`, `listunspent` or a
 * transaction index, which differ between nodes or need extra node options.
 */
import { OtP2pError, describeValue } from '../core/errors.ts';
import { isRecord } from '../core/json.ts';

/** What the wallet asks of a node. Every method throws `chain-error` or `rpc-error`. */
export interface ChainBackend {
  /** Height of the best block. */
  getBlockCount(): Promise<number>;
  /** Hash of the block at `height` on the best chain. */
  getBlockHash(height: number): Promise<string>;
  /** The serialised block (hex). */
  getBlockHex(hash: string): Promise<string>;
  /** Hashes and serialised blocks of heights `from .. from+count-1` (one or two round trips). */
  getBlockRange(from: number, count: number): Promise<{ hash: string; hex: string }[]>;
  /** Txids currently in the node's mempool. */
  getRawMempool(): Promise<string[]>;
  /** A transaction's hex when the node can find it (mempool, or an index), else undefined. */
  getRawTransactionHex(txid: string): Promise<string | undefined>;
  /**
   * Broadcast a transaction and confirm the mempool took it (some nodes return the txid even when
   * they refuse it).
   * @returns the txid.
   */
  sendRawTransaction(hex: string): Promise<string>;
  /** Fee rate estimate in sat/kvB for confirmation within `targetBlocks`, or undefined when unknown. */
  estimateFeeRate(targetBlocks: number): Promise<bigint | undefined>;
}

/** Connection settings: `config.json` `bitcoinRpc`. */
export interface RpcSettings {
  url: string;
  user: string;
  password: string;
  /** Per-call timeout (default 30 s). */
  timeoutMs?: number;
}

/**
 * Convert a BTC amount as a JSON number (8 decimals at most) into satoshis without a float
 * deciding the result: the shortest decimal form of the double is what the node printed.
 * @throws OtP2pError `bad-amount` for a negative, non-finite or over-precise value.
 */
export function btcToSats(value: unknown, field = 'amount'): bigint {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new OtP2pError('bad-amount', `${field} must be a non-negative BTC amount, got ${describeValue(value)}`, {
      context: { field },
    });
  }
  const text = value.toFixed(8);
  if (Number(text) !== value) {
    throw new OtP2pError('bad-amount', `${field} has more than 8 decimals: ${value}`, { context: { field } });
  }
  const [whole, frac = ''] = text.split('.');
  return BigInt(whole ?? '0') * 100_000_000n + BigInt(frac.padEnd(8, '0'));
}

/** Strip credentials out of a URL: `fetch` refuses them, and errors must not show them. */
function splitUrl(raw: string): { url: string; user?: string; password?: string } {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new OtP2pError(
      'bad-config',
      `bitcoinRpc.url is not a URL: ${describeValue(raw.replace(/\/\/[^@/]*@/, '//***@'))}`,
      {
        context: { field: 'bitcoinRpc.url' },
      },
    );
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new OtP2pError('bad-config', `bitcoinRpc.url must be http:// or https://, got ${u.protocol}`, {
      context: { field: 'bitcoinRpc.url' },
    });
  }
  const user = u.username ? decodeURIComponent(u.username) : undefined;
  const password = u.password ? decodeURIComponent(u.password) : undefined;
  u.username = '';
  u.password = '';
  return {
    url: u.toString(),
    ...(user !== undefined ? { user } : {}),
    ...(password !== undefined ? { password } : {}),
  };
}

const HASH_RE = /^[0-9a-f]{64}$/;

/** JSON-RPC 1.0 client for Bitcoin Core's RPC (basic auth), implementing {@link ChainBackend}. */
export class BitcoinCoreRpc implements ChainBackend {
  /** The endpoint without credentials (safe to print). */
  readonly url: string;
  readonly #auth: string;
  readonly #timeoutMs: number;
  #nextId = 1;

  /** @throws OtP2pError `bad-config` when the URL is not http(s). */
  constructor(settings: RpcSettings) {
    const parts = splitUrl(settings.url);
    this.url = parts.url;
    const user = settings.user !== '' ? settings.user : (parts.user ?? '');
    const password = settings.password !== '' ? settings.password : (parts.password ?? '');
    this.#auth = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    this.#timeoutMs = settings.timeoutMs ?? 30_000;
  }

  /**
   * Call one RPC method.
   * @throws OtP2pError `chain-error` when the node is unreachable, times out, refuses the
   *   credentials or answers something that is not JSON-RPC; `rpc-error` when the node answers
   *   with an error (context carries `method` and the node's `rpcCode`).
   */
  async call<T = unknown>(method: string, params: unknown[] = [], signal?: AbortSignal): Promise<T> {
    const body = await this.#post(method, { jsonrpc: '1.0', id: this.#nextId++, method, params }, signal);
    return this.#result(method, body) as T;
  }

  /**
   * Several calls in one JSON-RPC batch (one HTTP round trip); results in the order asked.
   * @throws OtP2pError as {@link call}; the first failed call decides the error.
   */
  async batch(calls: { method: string; params?: unknown[] }[], signal?: AbortSignal): Promise<unknown[]> {
    if (calls.length === 0) return [];
    const first = this.#nextId;
    this.#nextId += calls.length;
    const label = calls[0]!.method;
    const body = await this.#post(
      label,
      calls.map((c, i) => ({ jsonrpc: '1.0', id: first + i, method: c.method, params: c.params ?? [] })),
      signal,
    );
    if (!Array.isArray(body)) throw this.#shape(`${label} (batch)`, body);
    const byId = new Map<unknown, unknown>();
    for (const r of body) if (isRecord(r)) byId.set(r.id, r);
    return calls.map((c, i) => {
      const r = byId.get(first + i);
      if (r === undefined) throw this.#shape(`${c.method} (batch)`, body);
      return this.#result(c.method, r);
    });
  }

  async #post(method: string, payload: unknown, signal?: AbortSignal): Promise<unknown> {
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    let res: Response;
    try {
      res = await fetch(this.url, {
        method: 'POST',
        headers: { authorization: this.#auth, 'content-type': 'application/json' },
        body: JSON.stringify(payload),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (cause) {
      const timedOut = timeout.aborted;
      throw new OtP2pError(
        'chain-error',
        `bitcoin node ${this.url} ${timedOut ? `did not answer ${method} within ${this.#timeoutMs} ms` : `is unreachable (${method})`}`,
        {
          context: {
            url: this.url,
            method,
            reason: timedOut ? 'timeout' : signal?.aborted ? 'aborted' : 'unreachable',
          },
          cause,
        },
      );
    }
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      throw new OtP2pError('chain-error', `bitcoin node ${this.url} refused the RPC credentials (HTTP ${res.status})`, {
        context: { url: this.url, method, reason: 'auth', status: res.status },
      });
    }
    try {
      return JSON.parse(await res.text()) as unknown;
    } catch (cause) {
      throw new OtP2pError(
        'chain-error',
        `bitcoin node ${this.url} answered ${method} with non-JSON (HTTP ${res.status})`,
        {
          context: { url: this.url, method, reason: 'bad-response', status: res.status },
          cause,
        },
      );
    }
  }

  #result(method: string, body: unknown): unknown {
    if (!isRecord(body) || !('result' in body || 'error' in body)) {
      throw new OtP2pError(
        'chain-error',
        `bitcoin node ${this.url} answered ${method} with something that is not JSON-RPC`,
        {
          context: { url: this.url, method, reason: 'bad-response' },
        },
      );
    }
    const err = body.error;
    if (err !== null && err !== undefined) {
      const rpcCode = isRecord(err) && typeof err.code === 'number' ? err.code : undefined;
      const message = isRecord(err) && typeof err.message === 'string' ? err.message.slice(0, 300) : describeValue(err);
      throw new OtP2pError('rpc-error', `bitcoin node refused ${method}: ${message}`, { context: { method, rpcCode } });
    }
    return body.result;
  }

  async getBlockCount(): Promise<number> {
    const n = await this.call('getblockcount');
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw this.#shape('getblockcount', n);
    return n;
  }

  async getBlockHash(height: number): Promise<string> {
    const h = await this.call('getblockhash', [height]);
    if (typeof h !== 'string' || !HASH_RE.test(h)) throw this.#shape('getblockhash', h);
    return h;
  }

  async getBlockHex(hash: string): Promise<string> {
    const hex = await this.call('getblock', [hash, 0]);
    if (typeof hex !== 'string' || !/^(?:[0-9a-f]{2})+$/.test(hex)) throw this.#shape('getblock', hex);
    return hex;
  }

  async getBlockRange(from: number, count: number): Promise<{ hash: string; hex: string }[]> {
    const heights = Array.from({ length: count }, (_, i) => from + i);
    const hashes = await this.batch(heights.map((h) => ({ method: 'getblockhash', params: [h] })));
    for (const h of hashes) if (typeof h !== 'string' || !HASH_RE.test(h)) throw this.#shape('getblockhash', h);
    const hexes = await this.batch((hashes as string[]).map((h) => ({ method: 'getblock', params: [h, 0] })));
    return hexes.map((hex, i) => {
      if (typeof hex !== 'string' || !/^(?:[0-9a-f]{2})+$/.test(hex)) throw this.#shape('getblock', hex);
      return { hash: hashes[i] as string, hex };
    });
  }

  async getRawMempool(): Promise<string[]> {
    const list = await this.call('getrawmempool');
    if (!Array.isArray(list) || !list.every((t) => typeof t === 'string' && HASH_RE.test(t)))
      throw this.#shape('getrawmempool', list);
    return list as string[];
  }

  async getRawTransactionHex(txid: string): Promise<string | undefined> {
    try {
      const hex = await this.call('getrawtransaction', [txid, false]);
      return typeof hex === 'string' && hex.length > 0 ? hex : undefined;
    } catch (err) {
      if (err instanceof OtP2pError && err.code === 'rpc-error') return undefined;
      throw err;
    }
  }

  /**
   * Broadcast, then check the mempool (or the chain) holds the transaction: bcoin answers
   * `sendrawtransaction` with the txid even when its mempool refused it.
   * @throws OtP2pError `rpc-error` when the node refuses it, `chain-error` when it answered a
   *   txid but the transaction is nowhere to be found.
   */
  async sendRawTransaction(hex: string): Promise<string> {
    const txid = await this.call('sendrawtransaction', [hex]);
    if (typeof txid !== 'string' || !HASH_RE.test(txid)) throw this.#shape('sendrawtransaction', txid);
    const mempool = await this.getRawMempool();
    if (!mempool.includes(txid) && (await this.getRawTransactionHex(txid)) === undefined) {
      throw new OtP2pError(
        'chain-error',
        `bitcoin node answered txid ${txid} but its mempool does not hold the transaction (refused)`,
        {
          context: { txid, reason: 'not-in-mempool' },
        },
      );
    }
    return txid;
  }

  async estimateFeeRate(targetBlocks: number): Promise<bigint | undefined> {
    let res: unknown;
    try {
      res = await this.call('estimatesmartfee', [targetBlocks]);
    } catch (err) {
      if (err instanceof OtP2pError && err.code === 'rpc-error') return undefined;
      throw err;
    }
    if (!isRecord(res) || typeof res.feerate !== 'number' || res.feerate <= 0) return undefined;
    return btcToSats(res.feerate, 'feerate');
  }

  /** `getnetworkinfo` subversion, e.g. `/Satoshi:27.0.0/` or `/bcoin:1.0.2/`. */
  async getSubversion(): Promise<string> {
    const info = await this.call('getnetworkinfo');
    return isRecord(info) && typeof info.subversion === 'string' ? info.subversion : '';
  }

  /** Mine `n` blocks to `address` (regtest). @returns the block hashes. */
  async generateToAddress(n: number, address: string): Promise<string[]> {
    const hashes = await this.call('generatetoaddress', [n, address]);
    if (!Array.isArray(hashes)) throw this.#shape('generatetoaddress', hashes);
    return hashes as string[];
  }

  #shape(method: string, value: unknown): OtP2pError {
    return new OtP2pError(
      'chain-error',
      `bitcoin node answered ${method} with an unexpected value ${describeValue(value)}`,
      {
        context: { method, reason: 'bad-response' },
      },
    );
  }
}
