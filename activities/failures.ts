import { ApplicationFailure } from '@temporalio/common';
import { DEAL_FAILURES, type WriteRejection } from '../workflows/deal/messages';

/**
 * SQLSTATE classes that mean "this data can never be written": retrying the same write
 * cannot succeed, so the workflow must hear it at once instead of after a thousand attempts.
 * 22 data exception (NUL byte, value out of range, bad encoding), 23 integrity constraint
 * violation, 42 syntax error or access rule violation (a bug no retry fixes), 2B dependent
 * objects, 44 WITH CHECK OPTION. Connection loss (08), shutdown (57P), serialization and
 * deadlock (40) and resource shortage (53) are outages and keep retrying.
 */
const PERMANENT_CLASSES = new Set(['22', '23', '42', '2B', '44']);

/** JavaScript errors that come from a value, not from the network (an Invalid Date, a bad number). */
const PERMANENT_JS_ERRORS = new Set(['RangeError', 'TypeError', 'ZodError']);

function sqlStateOf(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/** What a permanent failure is, or undefined when retrying may help. */
function permanentFailureOf(error: unknown): WriteRejection | undefined {
  if (error instanceof ApplicationFailure) return undefined;
  const sqlState = sqlStateOf(error);
  const message = error instanceof Error ? error.message : String(error);
  // Drizzle prefixes the query text; the database's own sentence is what a person needs.
  const detail = (((error as { cause?: { message?: string } }).cause?.message ?? message) || 'write refused').slice(
    0,
    500,
  );
  if (sqlState)
    return PERMANENT_CLASSES.has(sqlState.slice(0, 2)) ? { code: `sqlstate_${sqlState}`, detail } : undefined;
  if (error instanceof Error && PERMANENT_JS_ERRORS.has(error.name)) return { code: 'invalid_value', detail };
  return undefined;
}

/** Runs an activity body; a permanent failure becomes a non-retryable `WriteRejected` failure. */
async function rejectingPermanentFailures<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const rejection = permanentFailureOf(error);
    if (!rejection) throw error;
    throw ApplicationFailure.create({
      type: DEAL_FAILURES.writeRejected,
      message: `The database refused the write (${rejection.code}): ${rejection.detail}`,
      details: [rejection],
      nonRetryable: true,
    });
  }
}

type AsyncFunctions = Record<string, (...args: never[]) => Promise<unknown>>;

/** Every activity of `activities` with its permanent failures made non-retryable. */
export function withPermanentFailures<T extends AsyncFunctions>(activities: T): T {
  return Object.fromEntries(
    Object.entries(activities).map(([name, run]) => [
      name,
      (...args: never[]) => rejectingPermanentFailures(() => run(...args)),
    ]),
  ) as T;
}
