import { sql } from 'drizzle-orm';
import { check, index, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt, id, ref, tz } from './columns';
import { opportunities } from './opportunities';
import { taskKindEnum, taskStatusEnum } from './enums';

/**
 * TK1: a task for every promised follow-up, review, contract step and handoff; `key` makes creation
 * idempotent. Owned by a person, or waiting in a named queue (`ops`) until someone takes it. A task
 * closes with a reason: done by a person, or no longer needed (closed by the deal's workflow).
 * Every task belongs to a deal except an ops task about the system itself (a webhook
 * subscription disabled, NT1), which has none.
 */
export const tasks = pgTable(
  'tasks',
  {
    id: id(),
    key: text('key').notNull().unique(),
    opportunityId: ref(() => opportunities.id, 'opportunity_id'),
    kind: taskKindEnum('kind').notNull(),
    title: text('title').notNull(),
    ownerId: text('owner_id'),
    queue: text('queue'),
    dueAt: tz('due_at').notNull(),
    status: taskStatusEnum('status').notNull().default('open'),
    createdAt: createdAt(),
    completedAt: tz('completed_at'),
    closedReason: text('closed_reason'),
    closedNote: text('closed_note'),
    closedBy: text('closed_by'),
    /** Who made it: `system` for the workflow's own tasks, the person for a task made by hand (OW1). */
    createdBy: text('created_by').notNull().default('system'),
    /** What a person wrote when making the task by hand. */
    note: text('note'),
    /** When the overdue sweep announced the task as overdue (NT1 `task.overdue`, once per task). */
    overdueNotifiedAt: tz('overdue_notified_at'),
  },
  (t) => [
    index('tasks_opportunity_idx').on(t.opportunityId, t.kind, t.status),
    index('tasks_owner_due_idx').on(t.ownerId, t.status, t.dueAt, t.id),
    index('tasks_queue_due_idx').on(t.queue, t.status, t.dueAt, t.id),
    index('tasks_due_idx').on(t.dueAt, t.id),
    check('tasks_owner_or_queue', sql`${t.ownerId} IS NOT NULL OR ${t.queue} IS NOT NULL`),
    // The kind as text: Postgres refuses an enum value in the transaction that adds it, and migration 0013 does both.
    check('tasks_deal_check', sql`${t.opportunityId} IS NOT NULL OR ${t.kind}::text = 'webhook_failing'`),
    // What the overdue sweep reads: open tasks not yet announced, by due date.
    index('tasks_overdue_sweep_idx')
      .on(t.dueAt)
      .where(sql`${t.status} = 'open' AND ${t.overdueNotifiedAt} IS NULL`),
  ],
);
export type TaskRow = typeof tasks.$inferSelect;
