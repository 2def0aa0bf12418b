/**
 * otp2p/testing: aids for testing a wallet against otp2p without real notaries or relays. None of
 * it belongs in production: a simulated OT notary (SQLite ledger, optional cheating), its receipt
 * lookup, the mint split-view simulation, the in-process transport (named relays that can be
 * taken down), the in-memory payment channel hub, and the crash hooks of the payments crash tests.
 */
export { SimulatedNotary, verifySimulatedMintSignature } from '../otapi/notary.ts';
export type { CheatMode, SimulatedNotaryOptions, SimulatedUnit } from '../otapi/notary.ts';
export { simulatedNotaryLookup } from '../payments/adapters/otapi.ts';
export { SCENARIOS, runMintSimulation } from '../mint/sim.ts';
export type { MintSimOptions, MintSimResult, ScenarioName } from '../mint/sim.ts';
export { MemoryNetwork, MemoryRelay, MemoryTransport } from '../relays/memory.ts';
export type { MemoryTransportOptions } from '../relays/memory.ts';
export { MemoryChannelHub } from '../payments/adapters/memory.ts';
export type { HubRecord } from '../payments/adapters/memory.ts';
export { CRASH_POINTS, crashHookFromEnv, killAt, noCrash } from '../payments/crash.ts';
export type { CrashHook, CrashPoint } from '../payments/crash.ts';
