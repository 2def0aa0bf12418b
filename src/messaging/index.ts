/** Gift-wrapped DMs (NIP-44/59/17), typed protocol messages and replay protection. */
export * from './nip44.ts';
export * from './nip59.ts';
export * from './nip17.ts';
export * from './protocol.ts';
export * from './replay.ts';
export * from './messenger.ts';
export * from './decrypt-budget.ts';
