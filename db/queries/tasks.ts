import { and, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import type { Db } from '../client';
import type { TaskClosure } from '../../machines/opportunity/vocabulary';
import { tasks, type TaskKind, type TaskQueue, type TaskRow } from '../schema';
import { insertIfAbsent, keysetQuery, prepared, readPage, type Keyset, type ListRequest, type Page } from './support';
import { filterColumns } from './list-filters';

export type { TaskClosure, TaskRow };

/** Who a task belongs to: a person, or a named queue until someone takes it. */
export type TaskOwner = { ownerId: string; queue?: null } | { ownerId?: null; queue: TaskQueue };

export type NewTask = {
  key: string;
  opportunityId: string;
  kind: TaskKind;
  title: string;
  dueAt: Date;
} & TaskOwner;

/** Creates the task once per key (TK1); returns whether this call created it. */
export async function ensureTask(db: Db, task: NewTask): Promise<boolean> {
  return (await insertIfAbsent(db, tasks, task, tasks.key)) !== undefined;
}

const taskList = {
  filters: filterColumns(tasks, 'opportunityId', 'ownerId', 'queue', 'status', 'kind'),
  // A task's due date never changes, so it can key the page.
  order: [tasks.dueAt, tasks.id],
} satisfies Keyset;

export type TaskFilter = ListRequest<typeof taskList>;

/** Tasks by deal, owner, queue, status and kind, soonest due first, with an opaque keyset cursor (prepared). */
export function listTasks(db: Db, filter: TaskFilter): Promise<Page<TaskRow>> {
  const statement = prepared(db, 'tasks_list', (d) => keysetQuery(d.select().from(tasks).$dynamic(), taskList));
  return readPage(statement, taskList, filter);
}

/** Closes the deal's open tasks a closure names; returns how many. */
export async function closeTasks(db: Db, opportunityId: string, closure: TaskClosure, at: Date): Promise<number> {
  const which = [
    eq(tasks.opportunityId, opportunityId),
    eq(tasks.status, 'open'),
    closure.taskId !== undefined ? eq(tasks.id, closure.taskId) : undefined,
    closure.kinds !== undefined ? inArray(tasks.kind, [...closure.kinds]) : undefined,
  ];
  const closed = await db
    .update(tasks)
    .set({
      status: closure.status,
      completedAt: at,
      closedReason: closure.reason,
      closedNote: closure.note ?? null,
      closedBy: closure.closedBy,
      // A queued task a person did becomes theirs; one cancelled because it stopped mattering keeps its owner.
      ...(closure.status === 'done' ? { ownerId: sql`coalesce(${tasks.ownerId}, ${closure.closedBy})` } : {}),
    })
    .where(and(...which))
    .returning({ id: tasks.id });
  return closed.length;
}

/** A task a person made by hand on a deal (OW1); its id is the one the API chose and answered with. */
export type ManualTask = {
  id: string;
  key: string;
  opportunityId: string;
  title: string;
  dueAt: Date;
  note: string | null;
  createdBy: string;
} & TaskOwner;

/**
 * Creates the hand-made task once: a retry with the same key, or with the same id, creates
 * nothing. Returns whether this call created it.
 */
export async function createManualTask(db: Db, task: ManualTask): Promise<boolean> {
  const created = await db
    .insert(tasks)
    .values({ ...task, kind: 'other' })
    .onConflictDoNothing()
    .returning({ id: tasks.id });
  return created.length > 0;
}

/**
 * Gives one open task of the deal to a person or to a queue; the other is cleared, since the
 * task now waits for that one. A closed task, or another deal's, is left alone: returns false.
 */
export async function assignTask(
  db: Db,
  opportunityId: string,
  assignment: { taskId: string } & TaskOwner,
): Promise<boolean> {
  const assigned = await db
    .update(tasks)
    .set({ ownerId: assignment.ownerId ?? null, queue: assignment.queue ?? null })
    .where(and(eq(tasks.id, assignment.taskId), eq(tasks.opportunityId, opportunityId), eq(tasks.status, 'open')))
    .returning({ id: tasks.id });
  return assigned.length > 0;
}

/**
 * A reassigned deal takes its previous owner's open tasks with it (OW1): every open task of
 * the deal owned by `from` becomes `to`'s, queued ones included. Returns how many moved.
 */
export async function moveOpenTasks(db: Db, opportunityId: string, from: string, to: string): Promise<number> {
  const moved = await db
    .update(tasks)
    .set({ ownerId: to })
    .where(and(eq(tasks.opportunityId, opportunityId), eq(tasks.status, 'open'), eq(tasks.ownerId, from)))
    .returning({ id: tasks.id });
  return moved.length;
}

/** A person takes a queued open task: it becomes theirs and stays listed in its queue. */
export async function claimTask(db: Db, id: string, userId: string): Promise<TaskRow | null> {
  const [row] = await db
    .update(tasks)
    .set({ ownerId: userId })
    .where(and(eq(tasks.id, id), eq(tasks.status, 'open'), isNotNull(tasks.queue)))
    .returning();
  return row ?? null;
}

export async function getTask(db: Db, id: string): Promise<TaskRow | null> {
  const [row] = await db.select().from(tasks).where(eq(tasks.id, id)).limit(1);
  return row ?? null;
}
