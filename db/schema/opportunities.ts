import { sql, type SQL } from 'drizzle-orm';
import {
  bigint,
  boolean,
  customType,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uuid,
  type AnyPgColumn,
} from 'drizzle-orm/pg-core';
import { clients } from './clients';
import { lostReasonEnum, stageEnum } from './enums';

/** Postgres' full-text document type (drizzle has no builder for it). */
const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

/** One reason a won deal's handoff waits, as stored on the deal's row. */
export interface HandoffBlockerEntry {
  code: string;
  ref: string | null;
  detail: string;
}

/**
 * The read model of each deal. The deal's workflow is its only writer (through
 * activities); `version` grows with every accepted event so stale projections are ignored.
 * Rows are never deleted (L1): the database refuses DELETE and TRUNCATE (migration 0002).
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
    followUpPauseReasons: text('follow_up_pause_reasons')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    proposalPauseReasons: text('proposal_pause_reasons')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    scopeState: text('scope_state').notNull().default('unscoped'),
    clientSafeStatus: text('client_safe_status').notNull().default('none'),
    overdue: boolean('overdue').notNull().default(false),
    dormant: boolean('dormant').notNull().default(false),
    /** Set when a write for this deal failed for good (bad data, not an outage): the error's code, for ops. */
    blockedCode: text('blocked_code'),
    blockedDetail: text('blocked_detail'),
    blockedAt: timestamp('blocked_at', { withTimezone: true }),
    /**
     * Why the won deal's handoff waits (HO1), as the workflow last saw it: `{ code, ref, detail }`
     * each. Empty when nothing holds it up; ops read it without asking Temporal.
     */
    handoffBlockers: jsonb('handoff_blockers').$type<HandoffBlockerEntry[]>().notNull().default([]),
    decisionDeadline: timestamp('decision_deadline', { withTimezone: true }),
    /** L1: a lost deal keeps its reason, the context (competitor, budget issue, no-fit reason) and its reactivation window. */
    lostReason: lostReasonEnum('lost_reason'),
    lostDetail: text('lost_detail'),
    reactivateAt: timestamp('reactivate_at', { withTimezone: true }),
    lostAt: timestamp('lost_at', { withTimezone: true }),
    /** The deal's own fields (OW1), projected from the machine's `details` so lists can filter and sort on them. */
    valueCents: bigint('value_cents', { mode: 'number' }),
    currency: text('currency'),
    expectedCloseDate: date('expected_close_date', { mode: 'string' }),
    probability: integer('probability'),
    contactName: text('contact_name'),
    contactEmail: text('contact_email'),
    contactPhone: text('contact_phone'),
    /** When a person last acted on the deal (the workflow's own notes do not count). */
    lastActivityAt: timestamp('last_activity_at', { withTimezone: true }),
    /** Text search over company, title and contact (SR1): one generated column, one GIN index. */
    search: tsvector('search').generatedAlwaysAs(
      (): SQL =>
        sql`to_tsvector('simple', coalesce(${opportunities.company}, '') || ' ' || coalesce(${opportunities.title}, '') || ' ' || coalesce(${opportunities.contactName}, '') || ' ' || coalesce(${opportunities.contactEmail}, ''))`,
    ),
    /** The client record the deal belongs to, once the handoff (or a proposal) names one. */
    clientId: uuid('client_id').references((): AnyPgColumn => clients.id),
    workflowId: text('workflow_id').notNull(),
    /** The machine snapshot as JSON, so reads can explain allowed events without asking the workflow. */
    snapshot: jsonb('snapshot').notNull(),
    version: integer('version').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('opportunities_stage_owner_idx').on(t.stage, t.ownerId, t.id),
    index('opportunities_owner_idx').on(t.ownerId, t.id),
    index('opportunities_overdue_idx').on(t.overdue, t.id),
    index('opportunities_client_idx').on(t.clientId),
    index('opportunities_search_idx').using('gin', t.search),
    index('opportunities_next_action_due_idx').on(t.nextActionDueAt, t.id),
    index('opportunities_value_idx').on(t.valueCents, t.id),
    index('opportunities_expected_close_idx').on(t.expectedCloseDate, t.id),
    index('opportunities_last_activity_idx').on(t.lastActivityAt, t.id),
    index('opportunities_created_idx').on(t.createdAt, t.id),
  ],
);
export type OpportunityRow = typeof opportunities.$inferSelect;
