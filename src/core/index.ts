export * from './errors.ts';
export * from './bytes.ts';
export * from './clock.ts';
export * from './random.ts';
export * from './amount.ts';
export * from './json.ts';
export * from './decimal.ts';
