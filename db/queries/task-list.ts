import { sql } from 'drizzle-orm';
import type { Db } from '../client';
import { opportunities, tasks, type TaskRow } from '../schema';
import { filterColumns } from './list-filters';
import { decodeCursor, keysetQuery, prepared, toPage, type Keyset, type Page, type PageRequest } from './support';
import { z } from 'zod';

const dueFrom = sql`${sql.placeholder('dueFrom')}::timestamptz`;
const dueBefore = sql`${sql.placeholder('dueBefore')}::timestamptz`;
const visibleTo = sql`${sql.placeholder('visibleTo')}::text`;

const taskList = {
  filters: filterColumns(tasks, 'opportunityId', 'ownerId', 'queue', 'status', 'kind'),
  // A rep sees the tasks it owns and every task of the deals it owns (OW1).
  where: sql`(${dueFrom} IS NULL OR ${tasks.dueAt} >= ${dueFrom})
    AND (${dueBefore} IS NULL OR ${tasks.dueAt} < ${dueBefore})
    AND (${visibleTo} IS NULL OR ${tasks.ownerId} = ${visibleTo}
      OR ${tasks.opportunityId} IN (SELECT ${opportunities.id} FROM ${opportunities} WHERE ${opportunities.ownerId} = ${visibleTo}))`,
  // A task's due date never changes, so it can key the page.
  order: [tasks.dueAt, tasks.id],
} satisfies Keyset;

export interface TaskListRequest extends PageRequest {
  opportunityId?: string;
  ownerId?: string;
  queue?: TaskRow['queue'];
  status?: TaskRow['status'];
  kind?: TaskRow['kind'];
  /** Due at or after this instant. */
  dueFrom?: Date;
  /** Due before this instant. */
  dueBefore?: Date;
  /** Only tasks this person owns or of deals it owns (a rep's view). */
  visibleTo?: string;
}

const uuidCursor = z.object({ id: z.uuid() });

/** Tasks by deal, owner, queue, status, kind and due window, soonest due first, with an opaque keyset cursor. */
export async function listTasksBy(db: Db, request: TaskListRequest): Promise<Page<TaskRow>> {
  const statement = prepared(db, 'tasks_list_by', (d) => keysetQuery(d.select().from(tasks).$dynamic(), taskList));
  const rows = await statement.execute({
    opportunityId: request.opportunityId ?? null,
    ownerId: request.ownerId ?? null,
    queue: request.queue ?? null,
    status: request.status ?? null,
    kind: request.kind ?? null,
    dueFrom: request.dueFrom?.toISOString() ?? null,
    dueBefore: request.dueBefore?.toISOString() ?? null,
    visibleTo: request.visibleTo ?? null,
    after: decodeCursor(request.cursor, uuidCursor)?.id ?? null,
    limit: request.limit + 1,
  });
  return toPage(rows, request.limit, (row) => ({ id: row.id }));
}
