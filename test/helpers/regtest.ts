/**
 * A real Bitcoin node for tests: bcoin 1.0.2 in-process, regtest, in-memory chain, JSON-RPC on
 * 127.0.0.1 (an ephemeral port). bcoin's regtest uses `rb` addresses, and SegWit is a BIP9
 * deployment there: {@link activateSegwit} mines past its activation before P2WPKH spends.
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { payments } from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';
import { BitcoinCoreRpc } from '../../src/bitcoin/chain.ts';
import { bitcoinNetwork } from '../../src/bitcoin/networks.ts';

const require = createRequire(import.meta.url);

interface BcoinFullNode {
  open(): Promise<void>;
  close(): Promise<void>;
  http: { http: { address(): AddressInfo } };
}

/** A running regtest node. */
export interface RegtestNode {
  rpc: BitcoinCoreRpc;
  /** `{ url, user, password }` as `config.json` `bitcoinRpc` takes it. */
  settings: { url: string; user: string; password: string };
  /** An `rb` address nobody in the test owns, to mine blocks away. */
  burnAddress: string;
  /** Mine `n` blocks to `address` (default: the burn address). */
  mine(n: number, address?: string): Promise<string[]>;
  close(): Promise<void>;
}

/** The bcoin regtest network parameters. */
export const BCOIN_REGTEST = bitcoinNetwork('regtest', 'bcoin');

/** Start bcoin (regtest, in memory, no P2P, no workers). */
export async function startRegtest(): Promise<RegtestNode> {
  const bcoin = require('bcoin') as { FullNode: new (o: Record<string, unknown>) => BcoinFullNode };
  const apiKey = randomBytes(16).toString('hex');
  const node = new bcoin.FullNode({
    network: 'regtest',
    memory: true,
    workers: false,
    listen: false,
    httpHost: '127.0.0.1',
    httpPort: 0,
    apiKey,
    logLevel: 'none',
  });
  await node.open();
  const port = node.http.http.address().port;
  const settings = { url: `http://127.0.0.1:${port}/`, user: 'otp2p', password: apiKey };
  const rpc = new BitcoinCoreRpc({ ...settings, timeoutMs: 20_000 });
  let sk = randomBytes(32);
  while (!ecc.isPrivate(sk)) sk = randomBytes(32);
  const burnAddress = payments.p2wpkh({ pubkey: ecc.pointFromScalar(sk, true)!, network: BCOIN_REGTEST.params })
    .address!;
  return {
    rpc,
    settings,
    burnAddress,
    mine: (n, address = burnAddress) => rpc.generateToAddress(n, address),
    close: () => node.close(),
  };
}

/** Mine until bcoin's regtest SegWit deployment is active (BIP9: ~432 blocks). */
export async function activateSegwit(node: RegtestNode): Promise<void> {
  for (let i = 0; i < 10; i++) {
    const info = (await node.rpc.call('getblockchaininfo')) as { bip9_softforks?: { segwit?: { status?: string } } };
    if (info.bip9_softforks?.segwit?.status === 'active') return;
    await node.mine(144);
  }
  throw new Error('SegWit did not activate on the regtest node');
}
