/**
 * What otp2p needs from an Open-Transactions wallet. `OtDataFolder` reads a real OT client data
 * folder (read-only); `SimulatedNotary` provides the same interface in-process for tests and the
 * demo; a binding to a live OT client would be a third implementation.
 */

/** Which OT generation a file or folder comes from. */
export type OtLayout = 'classic' | 'v094' | 'modern';

/** A notary (OT "server"). */
export interface NotaryInfo {
  id: string;
  name?: string;
  hostname?: string;
  port?: number;
}

/** A unit (asset type / instrument definition). `factor` and `decimalPower` come from the contract. */
export interface UnitDefinition {
  id: string;
  name?: string;
  /** Three-letter (or so) abbreviation, e.g. `USD`. */
  tla?: string;
  symbol?: string;
  /** Base units per display unit (e.g. 100 cents per dollar). */
  factor?: bigint;
  /** Decimal places shown (e.g. 2 for USD). */
  decimalPower?: number;
  fraction?: string;
}

/** One denomination of a public mint and its public key material. */
export interface MintDenomination {
  /** Face value in base units. */
  value: bigint;
  /** The inflated public key text (Lucre: `g=..\np=..\npublic=..`). */
  keyText: string;
}

/** A public mint: the keys a notary blind-signs cash with, for one unit and series. */
export interface PublicMint {
  notaryId: string;
  unitId: string;
  /** The notary's nym, which signed the mint. */
  signer: string;
  series: string;
  /** Unix seconds (classic files store seconds, 0.94 ISO-8601; both normalise to this). */
  validFrom: number;
  validTo: number;
  expiration: number;
  /** The mint's own public key (PEM or packed), whitespace-normalised, when present. */
  mintPublicKey?: string;
  denominations: MintDenomination[];
  /** The whole signed contract text as inflated (what evidence carries). */
  signedText: string;
  /** `classic` attribute names (serverID/assetTypeID) or `v2` (notaryID/instrumentDefinitionID). */
  attributeStyle: 'classic' | 'v2';
  /** Where it was read from, when read from a file. */
  source?: string;
}

/** An account in the wallet. */
export interface AccountInfo {
  id: string;
  notaryId: string;
  unitId?: string;
  nymId?: string;
  name?: string;
  type?: string;
  /** Last known balance in base units. */
  balance?: bigint;
  /** Unix seconds of the last known balance. */
  balanceDate?: number;
}

/**
 * A transfer between two accounts on one notary. `idempotencyKey` makes a retry safe: a second
 * call with the same key returns the original receipt and moves nothing.
 */
export interface TransferRequest {
  idempotencyKey: string;
  notaryId: string;
  fromAccountId: string;
  toAccountId: string;
  amount: bigint;
  memo?: string;
}

/** The result of a transfer. */
export interface TransferReceipt {
  idempotencyKey: string;
  transferId: string;
  notaryId: string;
  unitId: string;
  fromAccountId: string;
  toAccountId: string;
  amount: bigint;
  /** Unix milliseconds when the notary executed it. */
  executedAt: number;
  /** Balance of the sending account after the transfer. */
  fromBalanceAfter: bigint;
}

/** The OT API surface otp2p uses. */
export interface OtApi {
  /** Notaries the wallet knows. */
  listNotaries(): Promise<NotaryInfo[]>;
  /** Unit definitions the wallet knows. */
  listUnits(): Promise<UnitDefinition[]>;
  /** Every public mint the wallet holds (served to it by its notaries): what mint checks compare. */
  listMints(): Promise<PublicMint[]>;
  /** The public mint for a notary and unit (newest series), if any. */
  getMint(notaryId: string, unitId: string): Promise<PublicMint | undefined>;
  /** Accounts with their last known balances. */
  listAccounts(): Promise<AccountInfo[]>;
  /** The balance of one account. @throws OtP2pError `unknown-account`. */
  getBalance(accountId: string): Promise<bigint>;
  /**
   * Move `amount` from one account to another, exactly once per `idempotencyKey`.
   * @throws OtP2pError `unknown-account`, `insufficient-funds`, `idempotency-conflict`, `ot-read-only`.
   */
  transfer(request: TransferRequest): Promise<TransferReceipt>;
}
