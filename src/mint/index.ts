/** Mint transparency: fingerprints, attestations, verdicts, evidence and the split-view simulation. */
export * from './fingerprint.ts';
export * from './verdict.ts';
export * from './collect.ts';
export * from './evidence.ts';
export * from './watcher.ts';
export * from './sim.ts';
export * from '../events/attestation.ts';
export * from '../events/evidence.ts';
export * from './compare.ts';
