import { DomainError } from '../errors';
import { transitions } from './registry';

/** A refusal by the machine or a stale version: the deal said no. Anything else failed. */
const REFUSALS = new Set(['transition_refused', 'version_mismatch', 'invalid_event']);

const eventTypeOf = (event: unknown): string => {
  const type = (event as { type?: unknown } | null)?.type;
  return typeof type === 'string' && /^[A-Z_]{1,64}$/.test(type) ? type : 'unknown';
};

/** Counts one transition by its result once the gateway's apply settles; passes the outcome through. */
export async function countTransition<T>(event: unknown, outcome: Promise<T>): Promise<T> {
  const eventType = eventTypeOf(event);
  try {
    const value = await outcome;
    transitions.inc({ event_type: eventType, result: 'accepted' });
    return value;
  } catch (error) {
    const refused = error instanceof DomainError && REFUSALS.has(error.code);
    transitions.inc({ event_type: eventType, result: refused ? 'refused' : 'failed' });
    throw error;
  }
}
