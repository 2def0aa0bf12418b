/**
 * Multi-hop payments: messages, the persisted coordinator, its ports and adapters, and the hop
 * policy over a peer's own offers. Test aids (the in-memory channel hub, crash hooks, the
 * simulated notary's receipt lookup) are in `otp2p/testing`.
 */
export * from './messages.ts';
export * from './ports.ts';
export * from './quote.ts';
export type { CrashHook, CrashPoint } from './crash.ts';
export * from './coordinator.ts';
export { listMisbehaving, listPayments } from './store.ts';
export type { MisbehavingRecord, PaymentRecord } from './store.ts';
export type { HopState, PayeeState, PayerState, PaymentState } from './states.ts';
export { OtApiTransfers } from './adapters/otapi.ts';
export type { OtAccountBinding, OtApiTransfersOptions, ReceiptLookup } from './adapters/otapi.ts';
export * from './adapters/pathing.ts';
export * from './adapters/bitcoin.ts';
export { OwnOffersPolicy } from './own-offers-policy.ts';
