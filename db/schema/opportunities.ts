import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { stageEnum } from './enums';

/**
 * The read model of each deal. The deal's workflow is its only writer (through
 * activities); `version` grows with every accepted event so stale projections are ignored.
 */
export const opportunities = pgTable(
  'opportunities',
  {
    id: uuid('id').primaryKey(),
    title: text('title').notNull(),
    company: text('company').notNull(),
    stage: stageEnum('stage').notNull().default('lead'),
    ownerId: text('owner_id').notNull(),
    source: text('source'),
    nextActionDescription: text('next_action_description'),
    nextActionDueAt: timestamp('next_action_due_at', { withTimezone: true }),
    nextActionOwner: text('next_action_owner'),
    followUpPauseReasons: text('follow_up_pause_reasons').array().notNull().default(sql`'{}'::text[]`),
    proposalPauseReasons: text('proposal_pause_reasons').array().notNull().default(sql`'{}'::text[]`),
    scopeState: text('scope_state').notNull().default('unscoped'),
    clientSafeStatus: text('client_safe_status').notNull().default('none'),
    overdue: boolean('overdue').notNull().default(false),
    dormant: boolean('dormant').notNull().default(false),
    decisionDeadline: timestamp('decision_deadline', { withTimezone: true }),
    workflowId: text('workflow_id').notNull(),
    /** The machine snapshot as JSON, so reads can explain allowed events without asking the workflow. */
    snapshot: jsonb('snapshot').notNull(),
    version: integer('version').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('opportunities_stage_owner_idx').on(t.stage, t.ownerId, t.id), index('opportunities_owner_idx').on(t.ownerId, t.id)],
);
export type OpportunityRow = typeof opportunities.$inferSelect;
