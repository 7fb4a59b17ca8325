import { sql } from 'drizzle-orm';
import { opportunities, opportunityEvents } from '../schema';

/** The workflow's own notes are by this actor; everything else is by a person. */
const SYSTEM_ACTOR = 'system';

/**
 * When a deal's log last moved, else its creation: a column expression over the outer
 * opportunities row. The subquery names that row in full: drizzle writes a lone table's columns unqualified.
 */
const lastEventOf = (where: string) =>
  sql<Date>`coalesce((SELECT max(e.occurred_at) FROM ${opportunityEvents} e WHERE e.opportunity_id = "opportunities"."id"${sql.raw(where)}), "opportunities"."created_at")`.mapWith(
    opportunities.createdAt,
  );

export const lastEventAt = lastEventOf('');
/** The last event by a person (the funnel's dormancy, the stuck list's `since`). */
export const lastActivityAt = lastEventOf(` AND e.actor_id <> '${SYSTEM_ACTOR}'`);
