import { and, asc, eq, sql } from 'drizzle-orm';
import type { ProposalSectionKind } from '../../machines/opportunity/vocabulary';
import type { Db } from '../client';
import {
  proposalLineItems,
  proposalSections,
  type ProposalLineItemRow,
  type ProposalSectionRow,
  type Visibility,
} from '../schema';
import { inTransaction, selectAll, upsertApprovableText } from './support';

export type { ProposalLineItemRow, ProposalSectionRow };

/* A proposal version's content: its sections (S1) and the line items that carry its pricing. */

/**
 * S1: one row per section kind. A changed body or visibility clears the section's approval
 * (K1); writing the same text again changes nothing.
 */
export function upsertProposalSection(
  db: Db,
  input: { proposalId: string; section: ProposalSectionKind; body: string; visibility: Visibility },
): Promise<ProposalSectionRow> {
  return upsertApprovableText(db, proposalSections, input, ['proposalId', 'section'], {
    approvedBy: null,
    approvedAt: null,
    approvedVersion: null,
  });
}

export function listProposalSections(db: Db, proposalId: string): Promise<ProposalSectionRow[]> {
  return selectAll(db, proposalSections, eq(proposalSections.proposalId, proposalId), asc(proposalSections.section));
}

export interface NewLineItem {
  description: string;
  unitPriceCents: number;
  quantity?: number;
  visibility?: Visibility;
  position?: number;
  /** The catalogue service the line sells (S2); the API lets only an active one through. */
  serviceId?: string | null;
}

/** Pricing lives in line items (S1); appended after the existing ones unless a position is given. */
export async function addLineItems(db: Db, proposalId: string, items: NewLineItem[]): Promise<ProposalLineItemRow[]> {
  if (items.length === 0) return [];
  const [{ next }] = await db
    .select({ next: sql<number>`coalesce(max(${proposalLineItems.position}) + 1, 0)::int` })
    .from(proposalLineItems)
    .where(eq(proposalLineItems.proposalId, proposalId));
  const values = items.map((item, i) => ({ ...item, proposalId, position: item.position ?? next + i }));
  return db.insert(proposalLineItems).values(values).returning();
}

/** Replaces all line items of a proposal: a retried write leaves the same list. */
export function replaceLineItems(db: Db, proposalId: string, items: NewLineItem[]): Promise<ProposalLineItemRow[]> {
  return inTransaction(db, async (tx) => {
    await tx.delete(proposalLineItems).where(eq(proposalLineItems.proposalId, proposalId));
    return addLineItems(tx, proposalId, items);
  });
}

export function listLineItems(db: Db, proposalId: string): Promise<ProposalLineItemRow[]> {
  const ofProposal = eq(proposalLineItems.proposalId, proposalId);
  return selectAll(db, proposalLineItems, ofProposal, asc(proposalLineItems.position));
}

/** Who approved a version's client-safe content, when, and which version (K1). */
export interface ContentStamp {
  approvedBy: string;
  approvedAt: Date;
  approvedVersion: number;
}

/** AP1: stamps the client-safe sections and line items of a proposal as approved. */
export async function stampClientSafeContent(db: Db, proposalId: string, stamp: ContentStamp): Promise<void> {
  await db
    .update(proposalSections)
    .set(stamp)
    .where(and(eq(proposalSections.proposalId, proposalId), eq(proposalSections.visibility, 'client_safe')));
  await db
    .update(proposalLineItems)
    .set(stamp)
    .where(and(eq(proposalLineItems.proposalId, proposalId), eq(proposalLineItems.visibility, 'client_safe')));
}

/** A section or line item copied to another version, without its approval. */
function unapprovedCopy<T extends { id: string; createdAt: Date; updatedAt?: Date }>(row: T, proposalId: string) {
  const { id: _id, createdAt: _createdAt, updatedAt: _updatedAt, ...rest } = row;
  return { ...rest, proposalId, approvedBy: null, approvedAt: null, approvedVersion: null };
}

/** R1: a new version starts with the old one's sections and line items, none of them approved. */
export async function copyUnapprovedContent(db: Db, fromId: string, toId: string): Promise<void> {
  const sections = await db.select().from(proposalSections).where(eq(proposalSections.proposalId, fromId));
  const items = await db.select().from(proposalLineItems).where(eq(proposalLineItems.proposalId, fromId));
  if (sections.length) await db.insert(proposalSections).values(sections.map((s) => unapprovedCopy(s, toId)));
  if (items.length) await db.insert(proposalLineItems).values(items.map((i) => unapprovedCopy(i, toId)));
}
