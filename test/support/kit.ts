/** Test helpers that need nothing running: waiting, polling, and the run count of property tests. */

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `check` returns a value (not undefined) or the time runs out; a throw counts as not yet. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`condition not met in ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ''}`);
    await sleep(everyMs);
  }
}

/**
 * How many cases a fast-check property runs: `PROPERTY_RUNS` for every property when set
 * (fewer for a quick local run, more for a deep one), else the property's own count, which
 * is what CI runs.
 */
export function propertyRuns(count: number, env: NodeJS.ProcessEnv = process.env): number {
  const override = env.PROPERTY_RUNS;
  if (override === undefined || override === '') return count;
  if (!/^[1-9]\d*$/.test(override)) throw new Error(`PROPERTY_RUNS must be a positive integer, got "${override}"`);
  return Number(override);
}
