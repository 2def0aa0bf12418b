/** The OT layer: the `OtApi` interface, the data-folder reader and the simulated notary. */
export * from './api.ts';
export * from './armor.ts';
export * from './xml.ts';
export * from './signed.ts';
export * from './files.ts';
export * from './datafolder.ts';
export * from './ids.ts';
export * from './notary.ts';
export * from './combined.ts';
export * from './otcrypto.ts';
