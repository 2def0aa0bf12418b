/**
 * Row types of every table, as kysely sees them. Each area adds its tables' interfaces here next
 * to the migration that creates them.
 */
import type { Generated } from 'kysely';

export interface EventsTable {
  id: string;
  pubkey: string;
  kind: number;
  created_at: number;
  d: string | null;
  tags: string;
  content: string;
  sig: string;
  first_seen: number;
}

export interface DeletionsTable {
  target: string;
  pubkey: string;
  deletion_id: string;
  created_at: number;
}

export interface EventRelaysTable {
  event_id: string;
  relay: string;
  received_at: number;
}

export interface OutboxTable {
  event_id: string;
  event_json: string;
  created_at: number;
}

export type OutboxStatus = 'pending' | 'acked' | 'failed';

export interface OutboxTargetsTable {
  event_id: string;
  relay: string;
  status: OutboxStatus;
  attempts: Generated<number>;
  next_attempt_at: number;
  last_code: string | null;
  last_message: string | null;
  updated_at: number;
}

export interface CursorsTable {
  relay: string;
  sub_key: string;
  since: number;
  updated_at: number;
}

/** One payment this peer takes part in (migration 2026-11-24-08-payments). */
export interface PaymentsTable {
  id: string;
  role: 'payer' | 'hop' | 'payee';
  state: string;
  payment_hash: string | null;
  preimage: string | null;
  payer: string;
  prev_peer: string | null;
  next_peer: string | null;
  amount_in: string | null;
  amount_out: string | null;
  expires_at: number | null;
  deadline_at: number | null;
  data: string;
  error_code: string | null;
  error_message: string | null;
  created_at: number;
  updated_at: number;
}

/** One effect of a payment (a message or a transfer), committed before it happens. */
export interface PaymentStepsTable {
  id: Generated<number>;
  payment_id: string;
  idempotency_key: string;
  kind: 'send' | 'transfer';
  status: 'pending' | 'done' | 'failed';
  payload: string;
  result: string | null;
  attempts: Generated<number>;
  next_attempt_at: number;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

/** A peer that held a payment past its expiry or lied about amounts (read by routing). */
export interface PaymentMisbehavingTable {
  pubkey: string;
  payment_id: string;
  reason: string;
  detail: string | null;
  created_at: number;
}

/** One accepted gift-wrapped message (replay protection and `dm read`). */
export interface ReceivedMessagesTable {
  rumor_id: string;
  sender: string;
  /** The message's own nonce; '' when it has none (NIP-17 chat). */
  nonce: string;
  kind: number;
  /** The rumor's created_at (never the wrap's). */
  created_at: number;
  received_at: number;
  wrap_id: string;
  rumor_json: string;
}

/** A BIP84 wallet's scan position and address indices (migration 2026-11-24-07-bitcoin). */
export interface BtcWalletsTable {
  id: string;
  network: string;
  birth_height: number;
  scanned_height: number;
  scanned_hash: string;
  used_receive: number;
  used_change: number;
  issued_receive: number;
  issued_change: number;
  updated_at: number;
}

/** An output paying a wallet, spent or not (value: integer string of sats). */
export interface BtcOutputsTable {
  wallet_id: string;
  txid: string;
  vout: number;
  value: string;
  chain: number;
  idx: number;
  height: number | null;
  spent_by: string | null;
  own: number;
}

/** A transaction touching a wallet, with its block height (NULL: mempool). */
export interface BtcTxsTable {
  wallet_id: string;
  txid: string;
  height: number | null;
}

/** A Bitcoin transfer of an on-chain payment leg, by idempotency key (migration 2026-11-24-09-btc-payments). */
export interface BtcPaymentsTable {
  idempotency_key: string;
  txid: string;
  vout: number;
  address: string;
  amount: string;
  rawtx: string;
  created_at: number;
  broadcast_at: number | null;
}

/** A receive address handed out in a quote, bound to one payment. */
export interface BtcReceiveAddressesTable {
  address: string;
  payment_id: string;
  created_at: number;
}

/**
 * The persisted social web (migrations/2026-12-03-01-web.ts), read and written by web/store.ts
 * through prepared statements: per author and replaceable kind, the newest version held.
 */
export interface WebHeadsTable {
  pubkey: string;
  kind: number;
  /** 0 when the author was asked and nothing was held. */
  created_at: number;
  /** Size of the event's content and tags. */
  bytes: number;
  /** When the author was last asked for this kind. */
  asked_at: number | null;
}

/** One follow link of the newest follow list of `follower`. */
export interface WebFollowsTable {
  follower: string;
  followee: string;
  petname: string | null;
}

/** One relay of the newest NIP-65 relay list of `pubkey`. */
export interface WebRelaysTable {
  pubkey: string;
  relay: string;
  use: 'read' | 'write' | 'both';
}

/** The name an author chose to be shown by (kind 0). */
export interface WebNamesTable {
  pubkey: string;
  name: string;
}

/** Catalogs, offers and attestations, as verified event JSON, newest per address. */
export interface WebEventsTable {
  pubkey: string;
  kind: number;
  /** '' for catalogs (replaceable), the `d` tag otherwise. */
  d: string;
  created_at: number;
  event_json: string;
}

/** NIP-09 deletions by address: an older copy from a lagging relay stays deleted. */
export interface WebTombstonesTable {
  pubkey: string;
  kind: number;
  d: string;
  deleted_at: number;
}

/** The newest id seen per author, kind and address (migrations/2026-12-03-05-web-ids.ts, NIP-77). */
export interface WebIdsTable {
  pubkey: string;
  kind: number;
  /** '' for replaceable kinds, the `d` tag for addressable ones, the id for regular ones. */
  d: string;
  id: string;
  created_at: number;
}

export interface DatabaseSchema {
  events: EventsTable;
  deletions: DeletionsTable;
  event_relays: EventRelaysTable;
  outbox: OutboxTable;
  outbox_targets: OutboxTargetsTable;
  cursors: CursorsTable;
  received_messages: ReceivedMessagesTable;
  btc_wallets: BtcWalletsTable;
  btc_outputs: BtcOutputsTable;
  btc_txs: BtcTxsTable;
  btc_payments: BtcPaymentsTable;
  btc_receive_addresses: BtcReceiveAddressesTable;
  payments: PaymentsTable;
  payment_steps: PaymentStepsTable;
  payment_misbehaving: PaymentMisbehavingTable;
  web_heads: WebHeadsTable;
  web_follows: WebFollowsTable;
  web_relays: WebRelaysTable;
  web_names: WebNamesTable;
  web_events: WebEventsTable;
  web_tombstones: WebTombstonesTable;
  web_ids: WebIdsTable;
}
