/**
 * Access to `../shared` (vectors, OT fixtures, bench data). Tests that need it skip with a clear
 * message when the folder is absent, as the project rules ask; they never copy it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the project's root. */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Absolute path of `../shared` beside the project. */
export const SHARED_DIR = resolve(PROJECT_ROOT, '../shared');

/** Whether `../shared` is present. */
export const HAS_SHARED = existsSync(join(SHARED_DIR, 'vectors'));

/** Message used by `describe.skipIf(!HAS_SHARED)` blocks. */
export const SHARED_MISSING = `../shared not found at ${SHARED_DIR}: vector and fixture tests are skipped`;
if (!HAS_SHARED) console.warn(SHARED_MISSING);

/** Path inside `../shared`. */
export function sharedPath(...parts: string[]): string {
  return join(SHARED_DIR, ...parts);
}

/** Read and parse a JSON file from `../shared/vectors`. */
export function readVectors<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(sharedPath('vectors', name), 'utf8')) as T;
}
