import { and, eq, isNull } from 'drizzle-orm';
import type { Db } from '../client';
import { tasks, type TaskRow } from '../schema';
import type { TaskOwner } from './tasks';

/**
 * Tasks that belong to no deal (an ops task about a failing webhook subscription): no workflow
 * writes them, so a person's action is written here directly, and only while the task is open.
 */
export async function assignDealLessTask(db: Db, id: string, owner: TaskOwner): Promise<TaskRow | null> {
  const [row] = await db
    .update(tasks)
    .set({ ownerId: owner.ownerId ?? null, queue: owner.queue ?? null })
    .where(and(eq(tasks.id, id), isNull(tasks.opportunityId), eq(tasks.status, 'open')))
    .returning();
  return row ?? null;
}

export async function closeDealLessTask(
  db: Db,
  id: string,
  closure: { status: 'done' | 'cancelled'; reason: 'completed' | 'cancelled'; closedBy: string; note?: string | null },
): Promise<TaskRow | null> {
  const [row] = await db
    .update(tasks)
    .set({
      status: closure.status,
      closedReason: closure.reason,
      closedBy: closure.closedBy,
      closedNote: closure.note ?? null,
      completedAt: new Date(),
    })
    .where(and(eq(tasks.id, id), isNull(tasks.opportunityId), eq(tasks.status, 'open')))
    .returning();
  return row ?? null;
}
