/** The persisted, outbox-model sync of the social web: the engine, its store and its query port. */
export { syncWeb, SCAN_CURSOR, FOLLOWERS_CURSOR } from './sync.ts';
export { relayGapsOf } from './report.ts';
export type { WebSyncOptions } from './sync.ts';
export type { SyncGap, SyncPhase, SyncProgress, WebSyncReport } from './report.ts';
export { WebStore, HEAD_KINDS, EVENT_KINDS } from './store.ts';
export type { IngestResult, WebCounts } from './store.ts';
export { transportQueryPort } from './port.ts';
export type { QueryAnswer, QueryPort, TransportPortOptions } from './port.ts';
