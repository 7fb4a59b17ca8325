import { sql } from 'drizzle-orm';
import { bigint, check, index, integer, pgTable, text, unique, type AnyPgColumn } from 'drizzle-orm/pg-core';
import { clients, services } from './clients';
import { approvalColumns, createdAt, id, opportunityRef, ref, tz, updatedAt } from './columns';
import { communications } from './communications';
import {
  approvalDecisionEnum,
  approvalKindEnum,
  proposalSectionEnum,
  proposalStatusEnum,
  summaryKindEnum,
} from './enums';
import { projects } from './handoff';

/**
 * One row per proposal version (R1): a change to a sent proposal makes a new row and
 * revokes the old link. Attached to its lead, client, service, project, approval and
 * communication records where they exist (S2); carries the T1 tracking fields.
 */
export const proposals = pgTable(
  'proposals',
  {
    id: id(),
    opportunityId: opportunityRef(),
    version: integer('version').notNull(),
    status: proposalStatusEnum('status').notNull().default('draft'),
    clientId: ref(() => clients.id, 'client_id'),
    serviceId: ref(() => services.id, 'service_id'),
    projectId: ref(() => projects.id, 'project_id'),
    approvalId: ref((): AnyPgColumn => approvals.id, 'approval_id'),
    communicationId: ref(() => communications.id, 'communication_id'),
    createdBy: text('created_by').notNull(),
    submittedBy: text('submitted_by'),
    submittedAt: tz('submitted_at'),
    sentAt: tz('sent_at'),
    firstViewedAt: tz('first_viewed_at'),
    lastViewedAt: tz('last_viewed_at'),
    viewCount: integer('view_count').notNull().default(0),
    followUpAt: tz('follow_up_at'),
    objection: text('objection'),
    probability: integer('probability'),
    decisionDeadline: tz('decision_deadline'),
    /** sha256 hex of the proposal link's token; the token itself is never stored. */
    linkTokenHash: text('link_token_hash').unique(),
    linkRevokedAt: tz('link_revoked_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique('proposals_opportunity_version_unique').on(t.opportunityId, t.version),
    check('proposals_probability_check', sql`${t.probability} IS NULL OR ${t.probability} BETWEEN 0 AND 100`),
  ],
);
export type ProposalRow = typeof proposals.$inferSelect;

/** S1: scope, exclusions, assumptions, integrations, timeline and pricing kept apart, one row per kind. */
export const proposalSections = pgTable(
  'proposal_sections',
  {
    id: id(),
    proposalId: ref(() => proposals.id, 'proposal_id').notNull(),
    section: proposalSectionEnum('section').notNull(),
    body: text('body').notNull(),
    ...approvalColumns(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [unique('proposal_sections_proposal_section_unique').on(t.proposalId, t.section)],
);
export type ProposalSectionRow = typeof proposalSections.$inferSelect;

/** H1 / S1: pricing lives here, one row per priced line. */
export const proposalLineItems = pgTable(
  'proposal_line_items',
  {
    id: id(),
    proposalId: ref(() => proposals.id, 'proposal_id').notNull(),
    position: integer('position').notNull().default(0),
    description: text('description').notNull(),
    quantity: integer('quantity').notNull().default(1),
    unitPriceCents: bigint('unit_price_cents', { mode: 'number' }).notNull(),
    /** The catalogue service this line sells (S2), if any. */
    serviceId: ref(() => services.id, 'service_id'),
    ...approvalColumns(),
    createdAt: createdAt(),
  },
  (t) => [
    index('proposal_line_items_proposal_idx').on(t.proposalId, t.position),
    check('proposal_line_items_amounts_check', sql`${t.quantity} > 0 AND ${t.unitPriceCents} >= 0`),
  ],
);
export type ProposalLineItemRow = typeof proposalLineItems.$inferSelect;

/** AP1: every approval decision on a proposal version or its client-safe summary. */
export const approvals = pgTable(
  'approvals',
  {
    id: id(),
    key: text('key').unique(),
    proposalId: ref((): AnyPgColumn => proposals.id, 'proposal_id').notNull(),
    proposalVersion: integer('proposal_version').notNull(),
    kind: approvalKindEnum('kind').notNull(),
    decision: approvalDecisionEnum('decision').notNull(),
    approvedBy: text('approved_by').notNull(),
    note: text('note'),
    decidedAt: tz('decided_at').notNull().defaultNow(),
  },
  (t) => [index('approvals_proposal_idx').on(t.proposalId, t.proposalVersion)],
);
export type ApprovalRow = typeof approvals.$inferSelect;

/**
 * K1: the client-safe summaries of audit findings, revenue proof, provider caveats and
 * launch blockers. `version` grows with every edit, so an approval of an earlier text no
 * longer shows it.
 */
export const clientSafeSummaries = pgTable(
  'client_safe_summaries',
  {
    id: id(),
    opportunityId: opportunityRef(),
    kind: summaryKindEnum('kind').notNull(),
    body: text('body').notNull(),
    version: integer('version').notNull().default(1),
    ...approvalColumns(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [unique('client_safe_summaries_opportunity_kind_unique').on(t.opportunityId, t.kind)],
);
export type ClientSafeSummaryRow = typeof clientSafeSummaries.$inferSelect;
