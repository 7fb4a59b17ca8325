import { bigint, integer, pgView, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/*
 * The only relations portal users and proposal links are read through (K1). Both views are
 * created by the custom migration `0002_portal_views_and_guards.sql`; drizzle-kit does not
 * manage them (`.existing()`). A row appears only when its text is `client_safe`, approved
 * (`approved_at` set) and approved for the current version; internal text has no path here.
 */

/** Approved client-safe text: summaries of a deal and sections and line items of its sent proposal. */
export const portalClientTexts = pgView('portal_client_texts', {
  source: text('source').$type<'summary' | 'proposal_section' | 'line_item'>().notNull(),
  sourceId: uuid('source_id').notNull(),
  opportunityId: uuid('opportunity_id').notNull(),
  clientId: uuid('client_id'),
  proposalId: uuid('proposal_id'),
  proposalVersion: integer('proposal_version'),
  kind: text('kind').notNull(),
  body: text('body').notNull(),
  position: integer('position'),
  quantity: integer('quantity'),
  unitPriceCents: bigint('unit_price_cents', { mode: 'number' }),
  approvedAt: timestamp('approved_at', { withTimezone: true }).notNull(),
}).existing();
export type PortalClientTextRow = typeof portalClientTexts.$inferSelect;

/** Live proposal links: sent, current (not superseded) and not revoked (R1, T1). */
export const portalProposalLinks = pgView('portal_proposal_links', {
  proposalId: uuid('proposal_id').notNull(),
  opportunityId: uuid('opportunity_id').notNull(),
  clientId: uuid('client_id'),
  version: integer('version').notNull(),
  company: text('company').notNull(),
  linkTokenHash: text('link_token_hash').notNull(),
  sentAt: timestamp('sent_at', { withTimezone: true }),
  decisionDeadline: timestamp('decision_deadline', { withTimezone: true }),
}).existing();
export type PortalProposalLinkRow = typeof portalProposalLinks.$inferSelect;
