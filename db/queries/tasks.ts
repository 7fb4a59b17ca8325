import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../client';
import { tasks, type TaskKind, type TaskRow, type TaskStatus } from '../schema';
import { decodeCursor, insertIfAbsent, optionalEquals, prepared, toPage, type Page, type PageRequest } from './support';

export type { TaskRow };

export interface NewTask {
  key: string;
  opportunityId: string;
  kind: TaskKind;
  title: string;
  ownerId: string;
  dueAt: Date;
}

/** Creates the task once per key (TK1); returns whether this call created it. */
export async function ensureTask(db: Db, task: NewTask): Promise<boolean> {
  return (await insertIfAbsent(db, tasks, task, tasks.key)) !== undefined;
}

export interface TaskFilter extends PageRequest {
  opportunityId?: string;
  ownerId?: string;
  status?: TaskStatus;
  kind?: TaskKind;
}

/**
 * The last task of the page, by id: the keyset position is read from that row, so a due date
 * JavaScript cannot represent (a BC date, infinity) still pages, at full precision. A task's
 * due date never changes.
 */
const taskCursor = z.object({ id: z.uuid() });

/** Tasks by deal, owner, status and kind, soonest due first, with an opaque keyset cursor (prepared). */
export async function listTasks(db: Db, filter: TaskFilter): Promise<Page<TaskRow>> {
  const afterId = sql`${sql.placeholder('afterId')}::uuid`;
  const statement = prepared(db, 'tasks_list', (d) =>
    d
      .select()
      .from(tasks)
      .where(
        and(
          optionalEquals(tasks.opportunityId, 'opportunityId', 'uuid'),
          optionalEquals(tasks.ownerId, 'ownerId', 'text'),
          optionalEquals(tasks.status, 'status', 'task_status'),
          optionalEquals(tasks.kind, 'kind', 'task_kind'),
          sql`(${afterId} IS NULL OR (${tasks.dueAt}, ${tasks.id}) > (SELECT t.due_at, t.id FROM ${tasks} t WHERE t.id = ${afterId}))`,
        ),
      )
      .orderBy(tasks.dueAt, tasks.id)
      .limit(sql.placeholder('limit')),
  );
  const after = decodeCursor(filter.cursor, taskCursor);
  const rows = await statement.execute({
    opportunityId: filter.opportunityId ?? null,
    ownerId: filter.ownerId ?? null,
    status: filter.status ?? null,
    kind: filter.kind ?? null,
    afterId: after?.id ?? null,
    limit: filter.limit + 1,
  });
  return toPage(rows, filter.limit, (row) => ({ id: row.id }));
}

/** Marks an open task done; returns whether it was open. */
export async function completeTask(db: Db, id: string): Promise<boolean> {
  const done = await db
    .update(tasks)
    .set({ status: 'done', completedAt: sql`now()` })
    .where(and(eq(tasks.id, id), eq(tasks.status, 'open')))
    .returning({ id: tasks.id });
  return done.length > 0;
}

/** Cancels a deal's open tasks of one kind (a resumed pause, a sent reminder); returns how many. */
export async function cancelOpenTasks(db: Db, which: { opportunityId: string; kind: TaskKind }): Promise<number> {
  const cancelled = await db
    .update(tasks)
    .set({ status: 'cancelled', completedAt: sql`now()` })
    .where(and(eq(tasks.opportunityId, which.opportunityId), eq(tasks.kind, which.kind), eq(tasks.status, 'open')))
    .returning({ id: tasks.id });
  return cancelled.length;
}

export async function getTask(db: Db, id: string): Promise<TaskRow | null> {
  const [row] = await db.select().from(tasks).where(eq(tasks.id, id)).limit(1);
  return row ?? null;
}
