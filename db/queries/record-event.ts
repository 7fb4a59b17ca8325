import { and, eq, lt, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../client';
import { opportunities, opportunityEvents } from '../schema';
import type { NewOpportunityEvent } from './events';
import type { OpportunityFlags, OpportunityProjection } from './opportunities';
import { prepared } from './support';

export type ProjectionWithFlags = OpportunityProjection & OpportunityFlags;

const EVENT_FIELDS = [
  'opportunityId',
  'version',
  'position',
  'idempotencyKey',
  'eventType',
  'stageBefore',
  'stageAfter',
  'actorId',
  'ownerId',
  'payload',
  'nextAction',
  'occurredAt',
] as const satisfies readonly (keyof NewOpportunityEvent)[];

const PROJECTED_FIELDS = [
  'version',
  'stage',
  'snapshot',
  'ownerId',
  'source',
  'nextActionDescription',
  'nextActionDueAt',
  'nextActionOwner',
  'followUpPauseReasons',
  'proposalPauseReasons',
  'scopeState',
  'clientSafeStatus',
  'decisionDeadline',
  'lostReason',
  'lostDetail',
  'reactivateAt',
  'lostAt',
  'overdue',
  'dormant',
  'blockedCode',
  'blockedDetail',
  'blockedAt',
] as const satisfies readonly (keyof ProjectionWithFlags)[];

/**
 * Placeholders named `<prefix><field>`, as plain SQL: node-postgres turns the values into
 * text itself (Date, arrays, objects as JSON) and Postgres types each from its column. A bare
 * placeholder would get its column's drizzle encoder, which fails on null timestamps.
 */
function placeholders<K extends string>(prefix: string, fields: readonly K[]): Record<K, SQL> {
  return Object.fromEntries(fields.map((field) => [field, sql`${sql.placeholder(`${prefix}${field}`)}`])) as Record<
    K,
    SQL
  >;
}

function prefixed(prefix: string, values: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(fields.map((field) => [`${prefix}${field}`, values[field] ?? null]));
}

/**
 * Appends an event (a retried key appends nothing) and moves the read model to its version,
 * in one statement: one round trip instead of a transaction of four. Postgres runs the
 * insert of the WITH even though the update does not read it, and the statement is atomic.
 * The projection is applied only when its version is newer than the row's, as
 * `projectOpportunity` does. Answers whether the event was new (a retry appends and moves nothing).
 */
export async function appendEventAndProject(
  db: Db,
  event: NewOpportunityEvent,
  projection: ProjectionWithFlags,
): Promise<boolean> {
  const statement = prepared(db, 'opportunity_event_append_and_project', (d) => {
    const appended = d
      .$with('appended')
      .as(
        d
          .insert(opportunityEvents)
          .values(placeholders('e_', EVENT_FIELDS))
          .onConflictDoNothing({ target: opportunityEvents.idempotencyKey })
          .returning({ id: opportunityEvents.id }),
      );
    return d
      .with(appended)
      .update(opportunities)
      .set({ ...placeholders('p_', PROJECTED_FIELDS), updatedAt: sql`now()` })
      .where(
        and(eq(opportunities.id, sql.placeholder('p_id')), lt(opportunities.version, sql.placeholder('p_version'))),
      )
      .returning({ appended: sql<number>`(SELECT count(*) FROM appended)`.mapWith(Number) });
  });
  const rows = await statement.execute({
    ...prefixed('e_', event as unknown as Record<string, unknown>, EVENT_FIELDS),
    ...prefixed('p_', projection as unknown as Record<string, unknown>, [...PROJECTED_FIELDS, 'id']),
  });
  return rows.some((row) => row.appended > 0);
}
