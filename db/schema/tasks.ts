import { index, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt, id, opportunityRef, tz } from './columns';
import { taskKindEnum, taskStatusEnum } from './enums';

/** TK1: a task for every promised follow-up, review, contract step and handoff; `key` makes creation idempotent. */
export const tasks = pgTable(
  'tasks',
  {
    id: id(),
    key: text('key').notNull().unique(),
    opportunityId: opportunityRef(),
    kind: taskKindEnum('kind').notNull(),
    title: text('title').notNull(),
    ownerId: text('owner_id').notNull(),
    dueAt: tz('due_at').notNull(),
    status: taskStatusEnum('status').notNull().default('open'),
    createdAt: createdAt(),
    completedAt: tz('completed_at'),
  },
  (t) => [
    index('tasks_opportunity_idx').on(t.opportunityId, t.kind, t.status),
    index('tasks_owner_due_idx').on(t.ownerId, t.status, t.dueAt, t.id),
    index('tasks_due_idx').on(t.dueAt, t.id),
  ],
);
export type TaskRow = typeof tasks.$inferSelect;
