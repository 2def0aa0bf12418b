/**
 * `npm run bench -- bitcoin [--json]`: the BIP84 wallet's hot paths against bcoin regtest
 * in-process (JSON-RPC on 127.0.0.1).
 * - Block scan: `wallet.sync()` over 500 blocks with batched JSON-RPC (25 blocks per batch,
 *   next batch in flight), against the baseline of one `getblockhash` + one `getblock` call per
 *   block, sequentially, in the same process.
 * - Coin selection over 1,000 UTXOs (branch-and-bound, then largest-first).
 * - Build + sign + finalise a 1-input PSBT.
 */
import { randomBytes } from 'node:crypto';
import { Block } from 'bitcoinjs-lib';
import { selectCoins } from '../src/bitcoin/coinselect.ts';
import { BitcoinWallet } from '../src/bitcoin/wallet.ts';
import { bip84FromSeed } from '../src/keys/bip84.ts';
import { activateSegwit, BCOIN_REGTEST, startRegtest } from '../test/helpers/regtest.ts';
import { median, quantile, round } from './_stats.ts';

export default async function main(args: string[]): Promise<void> {
  const json = args.includes('--json');
  const node = await startRegtest();
  try {
    await activateSegwit(node);
    const height = await node.rpc.getBlockCount();
    const account = bip84FromSeed(randomBytes(64), { network: 'regtest', bech32Prefix: 'rb' }).node;
    const mk = () => new BitcoinWallet({ network: BCOIN_REGTEST, account, chain: node.rpc });

    const scanRuns: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      await mk().sync();
      scanRuns.push(performance.now() - t);
    }
    const baseRuns: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      for (let h = 0; h <= height; h++) Block.fromHex(await node.rpc.getBlockHex(await node.rpc.getBlockHash(h)));
      baseRuns.push(performance.now() - t);
    }

    const coins = Array.from({ length: 1000 }, (_, i) => ({
      id: `${i}`,
      value: BigInt(10_000 + ((i * 7919) % 5_000_000)),
    }));
    const script = new Uint8Array([0x00, 0x14, ...new Uint8Array(20)]);
    const sel: number[] = [];
    for (let i = 0; i < 200; i++) {
      const amount = BigInt(50_000 + ((i * 104_729) % 20_000_000));
      const t = performance.now();
      selectCoins({ coins, outputs: [{ script, value: amount }], feeRate: 5n });
      sel.push(performance.now() - t);
    }

    const wallet = mk();
    await node.mine(1, wallet.nextReceiveAddress());
    await node.mine(100);
    await wallet.sync();
    const sign: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      const built = await wallet.createPsbt({ to: node.burnAddress, amount: 100_000n, feeRate: 2n });
      wallet.signPsbt(built.psbt);
      sign.push(performance.now() - t);
    }

    const blocks = height + 1;
    const res = {
      blocks,
      scan_ms: round(median(scanRuns)),
      scan_blocks_per_s: round((blocks / median(scanRuns)) * 1000, 0),
      baseline_per_block_rpc_ms: round(median(baseRuns)),
      speedup_vs_baseline: round(median(baseRuns) / median(scanRuns)),
      coinselect_1000_utxos_ms: round(median(sel), 3),
      coinselect_p99_ms: round(quantile(sel, 0.99), 3),
      psbt_build_sign_ms: round(median(sign)),
    };
    if (json) console.log(JSON.stringify(res));
    else {
      console.log(
        `block scan (${blocks} regtest blocks, batched RPC): median ${res.scan_ms} ms (${res.scan_blocks_per_s} blocks/s)`,
      );
      console.log(
        `baseline: getblockhash + getblock per block:     median ${res.baseline_per_block_rpc_ms} ms (batched is ${res.speedup_vs_baseline}x faster)`,
      );
      console.log(
        `coin selection over 1,000 UTXOs:                 median ${res.coinselect_1000_utxos_ms} ms, p99 ${res.coinselect_p99_ms} ms`,
      );
      console.log(`build + sign + finalise a 1-input PSBT:          median ${res.psbt_build_sign_ms} ms`);
    }
  } finally {
    await node.close();
  }
}
