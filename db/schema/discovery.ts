import { index, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt, eventRecordColumns } from './columns';
import { discoveryFactEnum } from './enums';

/** D1: discovery notes, pain points, lead flow, provider stack and decision criteria. Internal only. */
export const discoveryNotes = pgTable(
  'discovery_notes',
  {
    ...eventRecordColumns(),
    fact: discoveryFactEnum('fact').notNull(),
    body: text('body').notNull(),
    recordedBy: text('recorded_by').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('discovery_notes_opportunity_idx').on(t.opportunityId, t.fact)],
);
export type DiscoveryNoteRow = typeof discoveryNotes.$inferSelect;

/**
 * A1: audit evidence: raw notes stay internal (K1). What a client may read goes through an
 * approved client-safe summary of kind `audit_findings`.
 */
export const auditEvidence = pgTable(
  'audit_evidence',
  {
    ...eventRecordColumns(),
    kind: text('kind').notNull(),
    summary: text('summary').notNull(),
    sourceUrl: text('source_url'),
    recordedBy: text('recorded_by').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('audit_evidence_opportunity_idx').on(t.opportunityId)],
);
export type AuditEvidenceRow = typeof auditEvidence.$inferSelect;
