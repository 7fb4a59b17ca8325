import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { tasks, type TaskKind, type TaskRow } from '../schema';
import { insertIfAbsent, keysetQuery, prepared, readPage, type Keyset, type ListRequest, type Page } from './support';
import { filterColumns } from './list-filters';

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

const taskList = {
  filters: filterColumns(tasks, 'opportunityId', 'ownerId', 'status', 'kind'),
  // A task's due date never changes, so it can key the page.
  order: [tasks.dueAt, tasks.id],
} satisfies Keyset;

export type TaskFilter = ListRequest<typeof taskList>;

/** Tasks by deal, owner, status and kind, soonest due first, with an opaque keyset cursor (prepared). */
export function listTasks(db: Db, filter: TaskFilter): Promise<Page<TaskRow>> {
  const statement = prepared(db, 'tasks_list', (d) => keysetQuery(d.select().from(tasks).$dynamic(), taskList));
  return readPage(statement, taskList, filter);
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
