/**
 * Mint transparency: fingerprints, attestations, verdicts and evidence. The split-view
 * simulation is a test aid: `otp2p/testing`.
 */
export * from './fingerprint.ts';
export * from './verdict.ts';
export * from './collect.ts';
export * from './evidence.ts';
export * from './watcher.ts';
export * from '../events/attestation.ts';
export * from '../events/evidence.ts';
export * from './compare.ts';
