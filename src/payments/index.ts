/** Multi-hop payments: messages, the persisted coordinator, its ports and adapters. */
export * from './messages.ts';
export * from './ports.ts';
export * from './quote.ts';
export * from './crash.ts';
export * from './coordinator.ts';
export { listMisbehaving, listPayments } from './store.ts';
export type { PaymentRecord } from './store.ts';
export type { HopState, PayeeState, PayerState, PaymentState } from './states.ts';
export * from './adapters/memory.ts';
export * from './adapters/otapi.ts';
export * from './adapters/pathing.ts';
export * from './adapters/bitcoin.ts';
