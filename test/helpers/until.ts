/**
 * Waiting in tests for something that happens asynchronously (an EOSE, an acknowledgement, a
 * live event): poll the condition, give up with a named error after a deadline. The deadline is a
 * hang guard, not a timed assertion: tests assert on the state reached, never on how fast.
 */

/**
 * Resolve once `cond()` is true (it may be async); throw `gave up waiting for <what>` after `ms`.
 * @param every polling interval in ms
 */
export async function until(
  cond: () => boolean | Promise<boolean>,
  what: string,
  ms = 10_000,
  every = 10,
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}
