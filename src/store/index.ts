/** The otp2p database: opening and migrating it, and the repositories over it. */
export { openStore, migratorFor } from './db.ts';
export type { Store } from './db.ts';
export { EventStore } from './events.ts';
export type { EventStoreOptions, IngestResult, InsertItem, InsertStatus } from './events.ts';
export type * from './schema.ts';
