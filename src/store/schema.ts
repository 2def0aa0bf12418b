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

export interface DatabaseSchema {
  events: EventsTable;
  deletions: DeletionsTable;
  event_relays: EventRelaysTable;
  outbox: OutboxTable;
  outbox_targets: OutboxTargetsTable;
  cursors: CursorsTable;
  received_messages: ReceivedMessagesTable;
}
