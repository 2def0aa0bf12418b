/**
 * The {@link TransferExecutor} over the OT API: transfers go through `OtApi.transfer` (final,
 * exactly once per idempotency key) and an incoming receipt is checked by looking the transfer up
 * on the notary. On OT a peer is paid into an account, so the "nym" a party gives in its quote is
 * the ID of its receiving account.
 */
import Database from 'better-sqlite3';
import { OtP2pError } from '../../core/errors.ts';
import type { OtApi, TransferReceipt as OtReceipt } from '../../otapi/api.ts';
import type { WireReceipt } from '../messages.ts';
import type { TransferExecutor, TransferReceipt, TransferRequest, VerifiedTransfer } from '../ports.ts';

/** One of our accounts: pays out of and is paid into. */
export interface OtAccountBinding {
  notary: string;
  unit: string;
  account: string;
}

/** Finds a transfer the notary executed, by its transfer ID. */
export type ReceiptLookup = (notary: string, transferId: string) => Promise<OtReceipt | undefined>;

/** Options for {@link OtApiTransfers}. */
export interface OtApiTransfersOptions {
  /** The OT API client for each notary we hold accounts on. */
  apis: Record<string, OtApi>;
  accounts: OtAccountBinding[];
  lookup: ReceiptLookup;
}

/** A {@link TransferExecutor} over one OT API client per notary. */
export class OtApiTransfers implements TransferExecutor {
  readonly #o: OtApiTransfersOptions;
  constructor(options: OtApiTransfersOptions) {
    this.#o = options;
  }

  /**
   * Transfer through the notary's OT API.
   * @throws OtP2pError `unknown-notary` (no client for it), or what `OtApi.transfer` throws.
   */
  async transfer(request: TransferRequest): Promise<TransferReceipt> {
    const api = this.#o.apis[request.notary];
    if (!api)
      throw new OtP2pError('unknown-notary', `no OT API client for notary ${request.notary}`, {
        context: { notary: request.notary },
      });
    const r = await api.transfer({
      idempotencyKey: request.idempotencyKey,
      notaryId: request.notary,
      fromAccountId: request.fromAccount,
      toAccountId: request.toNym,
      amount: request.amount,
    });
    return { kind: 'ot', notary: r.notaryId, unit: r.unitId, id: r.transferId, amount: r.amount };
  }

  /** Look the receipt up on the notary; only transfers into one of our accounts count. */
  async verifyIncoming(receipt: WireReceipt): Promise<VerifiedTransfer | null> {
    if (receipt.kind !== 'ot') return null;
    const r = await this.#o.lookup(receipt.notary, receipt.id);
    if (
      !r ||
      r.notaryId !== receipt.notary ||
      !this.#o.accounts.some((a) => a.notary === r.notaryId && a.account === r.toAccountId)
    )
      return null;
    return { notary: r.notaryId, unit: r.unitId, toNym: r.toAccountId, fromNym: r.fromAccountId, amount: r.amount };
  }

  /** Our account for `unit` on `notary`. */
  account(notary: string, unit: string): { account: string; nym: string } | undefined {
    const a = this.#o.accounts.find((x) => x.notary === notary && x.unit === unit);
    return a ? { account: a.account, nym: a.account } : undefined;
  }
}

/**
 * A {@link ReceiptLookup} for a `SimulatedNotary`: reads its ledger file (read-only). A real OT
 * client would ask the notary for the receipt instead.
 */
export function simulatedNotaryLookup(ledgerPaths: Record<string, string>): ReceiptLookup & { close(): void } {
  const dbs = new Map<string, Database.Database>();
  const open = (notary: string): Database.Database | undefined => {
    const path = ledgerPaths[notary];
    if (path === undefined) return undefined;
    let db = dbs.get(notary);
    if (!db) {
      db = new Database(path, { readonly: true, fileMustExist: true });
      dbs.set(notary, db);
    }
    return db;
  };
  const lookup = async (notary: string, transferId: string): Promise<OtReceipt | undefined> => {
    const db = open(notary);
    const text = db
      ?.prepare(`SELECT receipt FROM sim_transfers WHERE json_extract(receipt, '$.transferId') = ?`)
      .pluck()
      .get(transferId) as string | undefined;
    if (text === undefined) return undefined;
    const o = JSON.parse(text) as OtReceipt & { amount: string; fromBalanceAfter: string };
    return { ...o, amount: BigInt(o.amount), fromBalanceAfter: BigInt(o.fromBalanceAfter) };
  };
  return Object.assign(lookup, {
    close: () => {
      for (const db of dbs.values()) db.close();
      dbs.clear();
    },
  });
}
