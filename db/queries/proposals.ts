import { and, asc, desc, eq, isNull, sql, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable, PgUpdateSetSource } from 'drizzle-orm/pg-core';
import type { ContractState, PaymentState, ProposalSectionKind } from '../../machines/opportunity/vocabulary';
import type { Db } from '../client';
import {
  approvals,
  clientSafeSummaries,
  contracts,
  incomingLogs,
  proposalLineItems,
  proposals,
  proposalSections,
  type ApprovalDecision,
  type ApprovalKind,
  type ApprovalRow,
  type ClientSafeSummaryRow,
  type ContractRow,
  type ProposalLineItemRow,
  type ProposalRow,
  type ProposalSectionRow,
  type SummaryKind,
  type Visibility,
} from '../schema';
import { definedOnly, inTransaction, insertIfAbsent, prepared, selectOne } from './support';

export type { ApprovalRow, ClientSafeSummaryRow, ContractRow, ProposalLineItemRow, ProposalRow, ProposalSectionRow };

/* ---------------------------------------------------------------- proposals */

/** The latest version of a deal's proposal (prepared). */
export async function getCurrentProposal(db: Db, opportunityId: string): Promise<ProposalRow | null> {
  const statement = prepared(db, 'proposal_current', (d) =>
    d
      .select()
      .from(proposals)
      .where(eq(proposals.opportunityId, sql.placeholder('opportunityId')))
      .orderBy(desc(proposals.version))
      .limit(1),
  );
  const [row] = await statement.execute({ opportunityId });
  return row ?? null;
}

export async function getProposal(db: Db, id: string): Promise<ProposalRow | null> {
  return (await selectOne(db, proposals, eq(proposals.id, id))) ?? null;
}

/** S2: the records a proposal is attached to, where they exist. */
export interface ProposalLinks {
  clientId?: string | null;
  serviceId?: string | null;
  projectId?: string | null;
  approvalId?: string | null;
  communicationId?: string | null;
}

/** The deal's current proposal, or version 1 when it has none. */
export async function ensureCurrentProposal(db: Db, input: ProposalLinks & { opportunityId: string; createdBy: string }): Promise<ProposalRow> {
  const current = await getCurrentProposal(db, input.opportunityId);
  if (current) return current;
  await insertIfAbsent(db, proposals, { ...input, version: 1 }, [proposals.opportunityId, proposals.version]);
  return (await getCurrentProposal(db, input.opportunityId))!;
}

export interface ProposalDetail {
  proposal: ProposalRow;
  sections: ProposalSectionRow[];
  lineItems: ProposalLineItemRow[];
  approvals: ApprovalRow[];
}

/** A proposal with its sections, line items and approvals: the internal proposal resource. */
export async function getProposalDetail(db: Db, proposalId: string): Promise<ProposalDetail | null> {
  const proposal = await getProposal(db, proposalId);
  if (!proposal) return null;
  // One after another: inside a transaction `db` is a single connection (pg deprecates overlapping queries on one).
  const sections = await db.select().from(proposalSections).where(eq(proposalSections.proposalId, proposalId)).orderBy(asc(proposalSections.section));
  const lineItems = await db.select().from(proposalLineItems).where(eq(proposalLineItems.proposalId, proposalId)).orderBy(asc(proposalLineItems.position));
  const decisions = await db.select().from(approvals).where(eq(approvals.proposalId, proposalId)).orderBy(asc(approvals.decidedAt));
  return { proposal, sections, lineItems, approvals: decisions };
}

/** Updates the given fields of a proposal; returns the row, or null when there is none. */
async function updateProposal(db: Db, proposalId: string, fields: Partial<typeof proposals.$inferInsert>): Promise<ProposalRow | null> {
  const [row] = await db
    .update(proposals)
    .set({ ...definedOnly(fields), updatedAt: sql`now()` })
    .where(eq(proposals.id, proposalId))
    .returning();
  return row ?? null;
}

/** S2: attaches the proposal to its client, service, project, approval and communication records. */
export function attachProposalRecords(db: Db, proposalId: string, links: ProposalLinks): Promise<ProposalRow | null> {
  return updateProposal(db, proposalId, links);
}

export function submitProposal(db: Db, input: { proposalId: string; submittedBy: string; submittedAt?: Date }): Promise<ProposalRow | null> {
  return updateProposal(db, input.proposalId, { status: 'submitted', submittedBy: input.submittedBy, submittedAt: input.submittedAt ?? new Date() });
}

/** T1: the tracking fields of a proposal (any subset). */
export interface ProposalTracking {
  followUpAt?: Date | null;
  objection?: string | null;
  probability?: number | null;
  decisionDeadline?: Date | null;
}

export function recordProposalTracking(db: Db, proposalId: string, tracking: ProposalTracking): Promise<ProposalRow | null> {
  return updateProposal(db, proposalId, tracking);
}

/** T1: the follow-up date of the deal's current proposal; returns whether there was one. */
export async function recordProposalFollowUp(db: Db, input: { opportunityId: string; followUpAt: Date }): Promise<boolean> {
  const current = await getCurrentProposal(db, input.opportunityId);
  return current !== null && (await recordProposalTracking(db, current.id, { followUpAt: input.followUpAt })) !== null;
}

/** T1: sent with a link (stored as the sha256 hex of its token). */
export function recordProposalSent(
  db: Db,
  input: { proposalId: string; linkTokenHash: string; sentAt: Date; followUpAt?: Date | null; decisionDeadline?: Date | null },
): Promise<ProposalRow | null> {
  const { proposalId, ...fields } = input;
  return updateProposal(db, proposalId, { ...fields, status: 'sent', linkRevokedAt: null });
}

/**
 * T1: someone opened the proposal link. Sets the first and last viewed dates of a live
 * link (sent, not revoked) and logs the visit in incoming_logs; null for a dead link.
 */
export async function recordProposalView(db: Db, input: { linkTokenHash: string; viewedAt: Date }): Promise<ProposalRow | null> {
  return inTransaction(db, async (tx) => {
    const [row] = await tx
      .update(proposals)
      .set({
        firstViewedAt: sql`coalesce(${proposals.firstViewedAt}, ${input.viewedAt})`,
        lastViewedAt: input.viewedAt,
        viewCount: sql`${proposals.viewCount} + 1`,
      })
      .where(liveLink(input.linkTokenHash))
      .returning();
    if (!row) return null;
    await tx.insert(incomingLogs).values({
      source: 'proposal_link',
      opportunityId: row.opportunityId,
      payload: { proposalId: row.id, version: row.version, viewedAt: input.viewedAt.toISOString() },
    });
    return row;
  });
}

function liveLink(linkTokenHash: string): SQL {
  return and(eq(proposals.linkTokenHash, linkTokenHash), eq(proposals.status, 'sent'), isNull(proposals.linkRevokedAt))!;
}

/**
 * R1: a change to a sent proposal. The old version is superseded and its link revoked; the
 * new version starts as a draft with the same attachments, sections and line items, none of
 * them approved. A retry returns the version already made.
 */
export async function reviseSentProposal(db: Db, input: { proposalId: string; createdBy: string }): Promise<ProposalRow> {
  return inTransaction(db, async (tx) => {
    const [old] = await tx.select().from(proposals).where(eq(proposals.id, input.proposalId)).for('update');
    if (!old) throw new Error(`proposal ${input.proposalId} not found`);
    if (old.status === 'superseded') return (await nextVersionOf(tx, old))!;
    await updateProposal(tx, old.id, { status: 'superseded', linkRevokedAt: new Date() });
    const { opportunityId, clientId, serviceId, projectId, communicationId, followUpAt, objection, probability, decisionDeadline } = old;
    const [next] = await tx
      .insert(proposals)
      .values({ opportunityId, clientId, serviceId, projectId, communicationId, followUpAt, objection, probability, decisionDeadline, version: old.version + 1, createdBy: input.createdBy })
      .returning();
    await copyContent(tx, old.id, next.id);
    return next;
  });
}

async function nextVersionOf(db: Db, proposal: ProposalRow): Promise<ProposalRow | undefined> {
  return selectOne(db, proposals, and(eq(proposals.opportunityId, proposal.opportunityId), eq(proposals.version, proposal.version + 1))!);
}

/** A section or line item copied to another version, without its approval. */
function unapprovedCopy<T extends { id: string; createdAt: Date; updatedAt?: Date }>(row: T, proposalId: string) {
  const { id: _id, createdAt: _createdAt, updatedAt: _updatedAt, ...rest } = row;
  return { ...rest, proposalId, approvedBy: null, approvedAt: null, approvedVersion: null };
}

async function copyContent(db: Db, fromId: string, toId: string): Promise<void> {
  const sections = await db.select().from(proposalSections).where(eq(proposalSections.proposalId, fromId));
  const items = await db.select().from(proposalLineItems).where(eq(proposalLineItems.proposalId, fromId));
  if (sections.length) await db.insert(proposalSections).values(sections.map((s) => unapprovedCopy(s, toId)));
  if (items.length) await db.insert(proposalLineItems).values(items.map((i) => unapprovedCopy(i, toId)));
}

/* ------------------------------------------------------ sections, line items */

interface UpsertOptions<T extends PgTable> {
  target: PgColumn[];
  /** The columns whose change makes the write an update; unchanged, the row stays as it is. */
  compared: PgColumn[];
  set: PgUpdateSetSource<T>;
  /** Finds the row when nothing was written. */
  existing: SQL;
}

/** Insert, or update only when a compared column differs; returns the row either way. */
async function upsertUnlessUnchanged<T extends PgTable>(db: Db, table: T, values: T['$inferInsert'], options: UpsertOptions<T>): Promise<T['$inferSelect']> {
  const changed = options.compared.map((c) => sql`${c} IS DISTINCT FROM excluded.${sql.identifier(c.name)}`);
  const rows = await db
    .insert(table)
    .values(values)
    .onConflictDoUpdate({ target: options.target, set: options.set, setWhere: sql`(${sql.join(changed, sql` OR `)})` })
    .returning();
  return (rows as T['$inferSelect'][])[0] ?? (await selectOne(db, table, options.existing))!;
}

/**
 * S1: one row per section kind. A changed body or visibility clears the section's approval
 * (K1); writing the same text again changes nothing.
 */
export function upsertProposalSection(
  db: Db,
  input: { proposalId: string; section: ProposalSectionKind; body: string; visibility: Visibility },
): Promise<ProposalSectionRow> {
  return upsertUnlessUnchanged(db, proposalSections, input, {
    target: [proposalSections.proposalId, proposalSections.section],
    compared: [proposalSections.body, proposalSections.visibility],
    set: { body: input.body, visibility: input.visibility, approvedBy: null, approvedAt: null, approvedVersion: null, updatedAt: sql`now()` },
    existing: and(eq(proposalSections.proposalId, input.proposalId), eq(proposalSections.section, input.section))!,
  });
}

export interface NewLineItem {
  description: string;
  unitPriceCents: number;
  quantity?: number;
  visibility?: Visibility;
  position?: number;
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

/* ---------------------------------------------------------------- approvals */

export interface NewApproval {
  /** Idempotency: the same key twice records one decision. */
  key: string;
  proposalId: string;
  kind: ApprovalKind;
  decision: ApprovalDecision;
  approvedBy: string;
  note?: string | null;
}

/**
 * AP1: records a decision on the proposal's current version. An approval stamps the
 * client-safe text it covers with who, when and which version (K1): the proposal's
 * sections and line items, or the deal's client-safe summaries. A rejected proposal goes
 * back to draft.
 */
export async function recordApproval(db: Db, input: NewApproval): Promise<ApprovalRow> {
  return inTransaction(db, async (tx) => {
    const proposal = await getProposal(tx, input.proposalId);
    if (!proposal) throw new Error(`proposal ${input.proposalId} not found`);
    const created = await insertIfAbsent(tx, approvals, { ...input, proposalVersion: proposal.version }, approvals.key);
    if (!created) return (await selectOne(tx, approvals, eq(approvals.key, input.key)))!;
    await applyDecision(tx, proposal, created);
    return created;
  });
}

async function applyDecision(db: Db, proposal: ProposalRow, approval: ApprovalRow): Promise<void> {
  const approved = approval.decision === 'approved';
  if (approval.kind === 'client_safe_summary') {
    if (approved) await stampSummaries(db, proposal.opportunityId, approval.approvedBy);
    return;
  }
  if (!approved) {
    await updateProposal(db, proposal.id, { status: 'draft' });
    return;
  }
  const stamp = { approvedBy: approval.approvedBy, approvedAt: approval.decidedAt, approvedVersion: proposal.version };
  await db.update(proposalSections).set(stamp).where(and(eq(proposalSections.proposalId, proposal.id), eq(proposalSections.visibility, 'client_safe')));
  await db.update(proposalLineItems).set(stamp).where(and(eq(proposalLineItems.proposalId, proposal.id), eq(proposalLineItems.visibility, 'client_safe')));
  await updateProposal(db, proposal.id, { status: 'approved', approvalId: approval.id });
}

/* ---------------------------------------------------- client-safe summaries */

/**
 * K1: a client-safe summary of a deal. A changed body or visibility makes a new version, so
 * an earlier approval no longer covers it; the same text again changes nothing.
 */
export function upsertClientSafeSummary(
  db: Db,
  input: { opportunityId: string; kind: SummaryKind; body: string; visibility: Visibility },
): Promise<ClientSafeSummaryRow> {
  return upsertUnlessUnchanged(db, clientSafeSummaries, input, {
    target: [clientSafeSummaries.opportunityId, clientSafeSummaries.kind],
    compared: [clientSafeSummaries.body, clientSafeSummaries.visibility],
    set: { body: input.body, visibility: input.visibility, version: sql`${clientSafeSummaries.version} + 1`, updatedAt: sql`now()` },
    existing: and(eq(clientSafeSummaries.opportunityId, input.opportunityId), eq(clientSafeSummaries.kind, input.kind))!,
  });
}

/** Approves the deal's client-safe summaries at their current versions; returns how many. */
export async function stampSummaries(db: Db, opportunityId: string, approvedBy: string): Promise<number> {
  const stamped = await db
    .update(clientSafeSummaries)
    .set({ approvedBy, approvedAt: sql`now()`, approvedVersion: sql`${clientSafeSummaries.version}` })
    .where(and(eq(clientSafeSummaries.opportunityId, opportunityId), eq(clientSafeSummaries.visibility, 'client_safe')))
    .returning({ id: clientSafeSummaries.id });
  return stamped.length;
}

export function listClientSafeSummaries(db: Db, opportunityId: string): Promise<ClientSafeSummaryRow[]> {
  return db.select().from(clientSafeSummaries).where(eq(clientSafeSummaries.opportunityId, opportunityId)).orderBy(asc(clientSafeSummaries.kind));
}

/* ---------------------------------------------------------------- contracts */

/** W2: the facts of a contract; any subset, the rest keep their values. */
export interface ContractFacts {
  contractState?: ContractState;
  paymentState?: PaymentState;
  kickoffDate?: string | null;
  onboardingOwner?: string | null;
  launchBlockers?: string[] | null;
}

export async function upsertContract(db: Db, input: ContractFacts & { opportunityId: string }): Promise<ContractRow> {
  const { opportunityId, ...facts } = input;
  const given = definedOnly(facts);
  const [row] = await db
    .insert(contracts)
    .values({ opportunityId, ...given })
    .onConflictDoUpdate({ target: contracts.opportunityId, set: { ...given, updatedAt: sql`now()` } })
    .returning();
  return row;
}

export async function getContract(db: Db, opportunityId: string): Promise<ContractRow | null> {
  return (await selectOne(db, contracts, eq(contracts.opportunityId, opportunityId))) ?? null;
}
