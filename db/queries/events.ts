import { and, count, eq, gt, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { FieldChange, Stage } from '../../machines/opportunity/vocabulary';
import type { Db } from '../client';
import { opportunityEvents, type OpportunityEventRow } from '../schema';
import { decodeCursor, insertIfAbsent, prepared, toPage, type Page, type PageRequest } from './support';

export type { FieldChange, OpportunityEventRow };

/** A row of the deal's timeline: the fields its event changed, before and after, or null when none (OW1). */
export type TimelineEventRow = Omit<OpportunityEventRow, 'changes'> & { changes: FieldChange[] | null };

export interface NewOpportunityEvent {
  opportunityId: string;
  version: number;
  /** The row's place in the deal's log (1, 2, 3… without gaps); `version` is the deal's state version. */
  position: number;
  idempotencyKey: string;
  eventType: string;
  stageBefore: Stage | null;
  stageAfter: Stage;
  actorId: string;
  ownerId: string;
  payload: unknown;
  nextAction: unknown;
  /** The fields the event changed (UPDATE_DEAL, REASSIGN); empty or absent is stored as null. */
  changes?: FieldChange[] | null;
  occurredAt: Date;
}

/** Appends one event (E1); the same idempotency key twice leaves one row. Returns whether it was inserted. */
export async function appendEvent(db: Db, row: NewOpportunityEvent): Promise<boolean> {
  const changes = row.changes?.length ? row.changes : null;
  const inserted = await insertIfAbsent(db, opportunityEvents, { ...row, changes }, opportunityEvents.idempotencyKey);
  return inserted !== undefined;
}

const eventCursor = z.object({ position: z.number().int().nonnegative() });

/** A deal's history in log order, each row with the fields it changed, with an opaque keyset cursor (prepared). */
export async function listEvents(
  db: Db,
  request: PageRequest & { opportunityId: string },
): Promise<Page<TimelineEventRow>> {
  const statement = prepared(db, 'opportunity_events_list', (d) =>
    d
      .select()
      .from(opportunityEvents)
      .where(
        and(
          eq(opportunityEvents.opportunityId, sql.placeholder('opportunityId')),
          gt(opportunityEvents.position, sql.placeholder('after')),
        ),
      )
      .orderBy(opportunityEvents.position)
      .limit(sql.placeholder('limit')),
  );
  const after = decodeCursor(request.cursor, eventCursor)?.position ?? 0;
  const rows = (await statement.execute({
    opportunityId: request.opportunityId,
    after,
    limit: request.limit + 1,
  })) as TimelineEventRow[];
  return toPage(rows, request.limit, (row) => ({ position: row.position }));
}

/** How many events carry this idempotency key (0 or 1). */
export async function countEventsByKey(db: Db, key: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(opportunityEvents)
    .where(eq(opportunityEvents.idempotencyKey, key));
  return row.n;
}
