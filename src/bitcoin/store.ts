/**
 * Persisting a {@link BitcoinWallet}'s state in the otp2p database (tables of migration
 * 2026-11-24-07-bitcoin): scan position, address indices, outputs and transaction heights.
 * A save replaces the wallet's rows in one transaction, so a crash leaves the previous state.
 */
import { createHash } from 'node:crypto';
import { OtP2pError } from '../core/errors.ts';
import type { Store } from '../store/db.ts';
import type { NetworkParams } from './networks.ts';
import type { AddressChain, WalletState } from './wallet.ts';

/**
 * The wallet's row id: a hash of network, regtest flavour and account public key, so the
 * database does not hold the xpub itself.
 */
export function walletId(network: NetworkParams, accountXpub: string): string {
  return createHash('sha256').update(`${network.name}:${network.flavor}:${accountXpub}`).digest('hex');
}

/**
 * Load a saved state, or undefined when this wallet was never saved.
 * @throws OtP2pError `db-error`.
 */
export async function loadWalletState(store: Store, id: string): Promise<WalletState | undefined> {
  try {
    const w = await store.db.selectFrom('btc_wallets').selectAll().where('id', '=', id).executeTakeFirst();
    if (!w) return undefined;
    const outputs = await store.db
      .selectFrom('btc_outputs')
      .selectAll()
      .where('wallet_id', '=', id)
      .orderBy('height')
      .execute();
    const txs = await store.db.selectFrom('btc_txs').selectAll().where('wallet_id', '=', id).execute();
    return {
      version: 1,
      birthHeight: w.birth_height,
      scannedHeight: w.scanned_height,
      scannedHash: w.scanned_hash,
      used: [w.used_receive, w.used_change],
      issued: [w.issued_receive, w.issued_change],
      outputs: outputs.map((o) => ({
        txid: o.txid,
        vout: o.vout,
        value: o.value,
        chain: o.chain as AddressChain,
        index: o.idx,
        height: o.height,
        spentBy: o.spent_by,
        own: o.own === 1,
      })),
      txs: Object.fromEntries(txs.map((t) => [t.txid, t.height])),
    };
  } catch (cause) {
    throw new OtP2pError('db-error', 'cannot read the bitcoin wallet state', { context: { wallet: id }, cause });
  }
}

/**
 * Save a state (replacing the previous one) in one transaction.
 * @throws OtP2pError `db-error`.
 */
export async function saveWalletState(
  store: Store,
  id: string,
  network: NetworkParams,
  state: WalletState,
  now = Date.now(),
): Promise<void> {
  try {
    await store.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('btc_outputs').where('wallet_id', '=', id).execute();
      await trx.deleteFrom('btc_txs').where('wallet_id', '=', id).execute();
      const row = {
        network: network.name,
        birth_height: state.birthHeight,
        scanned_height: state.scannedHeight,
        scanned_hash: state.scannedHash,
        used_receive: state.used[0],
        used_change: state.used[1],
        issued_receive: state.issued[0],
        issued_change: state.issued[1],
        updated_at: Math.floor(now / 1000),
      };
      await trx
        .insertInto('btc_wallets')
        .values({ id, ...row })
        .onConflict((oc) => oc.column('id').doUpdateSet(row))
        .execute();
      for (const o of state.outputs) {
        await trx
          .insertInto('btc_outputs')
          .values({
            wallet_id: id,
            txid: o.txid,
            vout: o.vout,
            value: o.value,
            chain: o.chain,
            idx: o.index,
            height: o.height,
            spent_by: o.spentBy,
            own: o.own ? 1 : 0,
          })
          .execute();
      }
      for (const [txid, height] of Object.entries(state.txs)) {
        await trx.insertInto('btc_txs').values({ wallet_id: id, txid, height }).execute();
      }
    });
  } catch (cause) {
    throw new OtP2pError('db-error', 'cannot save the bitcoin wallet state', { context: { wallet: id }, cause });
  }
}
