/**
 * `npm run bench -- web [--json] [--keys N] [--seed S] [--no-baseline] [--check-model]`: the web
 * sync on a simulated network of 100,000 keys (bench/web/main.ts).
 */
export { default } from './web/main.ts';
