/**
 * What the role modules (`payer.ts`, `hop.ts`, `payee.ts`, `receiving.ts`) work with: the
 * coordinator hands each transition this context, so the roles hold no state of their own.
 */
import type { CrashHook } from './crash.ts';
import type { PaymentPorts } from './ports.ts';
import type { StepExecutor } from './steps.ts';
import type { PaymentRepository } from './store.ts';
import type { CoordinatorLimits } from './types.ts';

/** The coordinator's parts, as the role modules see them. */
export interface PaymentContext {
  readonly repo: PaymentRepository;
  readonly ports: PaymentPorts;
  readonly steps: StepExecutor;
  /** Our pubkey (hex). */
  readonly self: string;
  readonly limits: CoordinatorLimits;
  readonly crash: CrashHook;
  readonly log: (line: string) => void;
  /** How a person reads a peer's key (petname, profile name or short npub): for error messages. */
  readonly nameOf: (pubkey: string) => string;
  /** Run one transition: state and steps commit together, then its transitions are announced. */
  tx(fn: () => void): void;
  /** A payer payment reached a terminal state: resolve whoever waits on it. */
  settled(id: string): void;
}
