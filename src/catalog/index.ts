/** Catalogs (kind 11560) and negotiation of a mutually acceptable settlement asset. */
export * from '../events/catalog.ts';
export * from './negotiation.ts';
export * from './from-ot.ts';
export * from './exchange.ts';
export * from './scales.ts';
