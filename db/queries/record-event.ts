import { and, eq, getTableColumns, lt, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../client';
import type { DetailColumns } from '../projection';
import { opportunities, opportunityEvents, type OpportunityRow } from '../schema';
import type { NewOpportunityEvent } from './events';
import type { OpportunityFlags, OpportunityProjection } from './opportunities';
import { getOpportunity } from './opportunities';
import { insertIfAbsent, prepared } from './support';

/**
 * Everything an accepted event moves on the deal's row. The deal's own fields are absent for a
 * deal whose state predates them, and `lastActivityAt` when no person acted (a workflow's event).
 */
export type ProjectionWithFlags = OpportunityProjection &
  OpportunityFlags &
  Partial<DetailColumns> & { lastActivityAt?: Date | null };

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
  'changes',
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
  'title',
  'company',
  'valueCents',
  'currency',
  'expectedCloseDate',
  'probability',
  'contactName',
  'contactEmail',
  'contactPhone',
  'lastActivityAt',
] as const satisfies readonly (keyof ProjectionWithFlags)[];

/**
 * Columns an absent value leaves as they are: title and company cannot be cleared (a deal from
 * before OW1 projects neither), and an event no person sent does not move the last activity.
 */
const KEPT_UNLESS_GIVEN: readonly (typeof PROJECTED_FIELDS)[number][] = ['title', 'company', 'lastActivityAt'];

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

/** The projection's SET: each column its placeholder, those of KEPT_UNLESS_GIVEN only when given. */
function projectedSet(): Record<string, SQL> {
  const set: Record<string, SQL> = placeholders('p_', PROJECTED_FIELDS);
  const columns = getTableColumns(opportunities);
  for (const field of KEPT_UNLESS_GIVEN) set[field] = sql`coalesce(${set[field]}, ${columns[field]})`;
  return set;
}

/**
 * The event row's values as placeholders take them: node-postgres would send a JS array as a
 * Postgres array literal, not JSON, so the changes go as JSON text (none: null).
 */
function eventValues(event: NewOpportunityEvent): Record<string, unknown> {
  return { ...event, changes: event.changes?.length ? JSON.stringify(event.changes) : null };
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
      .set({ ...projectedSet(), updatedAt: sql`now()` })
      .where(
        and(eq(opportunities.id, sql.placeholder('p_id')), lt(opportunities.version, sql.placeholder('p_version'))),
      )
      .returning({ appended: sql<number>`(SELECT count(*) FROM appended)`.mapWith(Number) });
  });
  const rows = await statement.execute({
    ...prefixed('e_', eventValues(event), EVENT_FIELDS),
    ...prefixed('p_', projection as unknown as Record<string, unknown>, [...PROJECTED_FIELDS, 'id']),
  });
  return rows.some((row) => row.appended > 0);
}

/** The deal's first row (its creation's projection); a retry returns the row already there. */
export async function insertDealRecord(db: Db, row: typeof opportunities.$inferInsert): Promise<OpportunityRow> {
  return (await insertIfAbsent(db, opportunities, row, opportunities.id)) ?? (await getOpportunity(db, row.id!))!;
}
