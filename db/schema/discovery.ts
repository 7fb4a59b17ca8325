import { boolean, index, pgTable, text } from 'drizzle-orm/pg-core';
import { recordedByColumns } from './columns';
import { discoveryFactEnum } from './enums';

/**
 * A1: audit evidence: raw notes stay internal (K1). What a client may read goes through an
 * approved client-safe summary of kind `audit_findings`.
 */
export const auditEvidence = pgTable(
  'audit_evidence',
  {
    ...recordedByColumns(),
    kind: text('kind').notNull(),
    summary: text('summary').notNull(),
    sourceUrl: text('source_url'),
  },
  (t) => [index('audit_evidence_opportunity_idx').on(t.opportunityId)],
);

/** D1: discovery notes, pain points, lead flow, provider stack and decision criteria. Internal only. */
export const discoveryNotes = pgTable(
  'discovery_notes',
  {
    ...recordedByColumns(),
    fact: discoveryFactEnum('fact').notNull(),
    body: text('body').notNull(),
  },
  (t) => [index('discovery_notes_opportunity_idx').on(t.opportunityId, t.fact)],
);
export type DiscoveryNoteRow = typeof discoveryNotes.$inferSelect;
export type AuditEvidenceRow = typeof auditEvidence.$inferSelect;

/**
 * OW1: a person's note on a deal. Internal only (K1): no portal view or proposal link reads this
 * table. `for_handoff` notes travel with the handoff to the delivery project.
 */
export const dealNotes = pgTable(
  'deal_notes',
  {
    ...recordedByColumns(),
    body: text('body').notNull(),
    pinned: boolean('pinned').notNull().default(false),
    forHandoff: boolean('for_handoff').notNull().default(false),
  },
  (t) => [index('deal_notes_opportunity_idx').on(t.opportunityId, t.createdAt)],
);
export type DealNoteRow = typeof dealNotes.$inferSelect;
