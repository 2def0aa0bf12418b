/** Multi-hop payments: messages, the persisted coordinator, its ports and adapters. */
export * from './messages.ts';
export * from './ports.ts';
export * from './quote.ts';
export * from './crash.ts';
export * from './coordinator.ts';
export * from './store.ts';
export * from './adapters/memory.ts';
export * from './adapters/otapi.ts';
export * from './adapters/pathing.ts';
export * from './adapters/bitcoin.ts';
