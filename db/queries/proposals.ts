import { and, desc, eq, isNull, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../client';
import { incomingLogs, proposals, type ProposalRow } from '../schema';
import { copyUnapprovedContent } from './proposal-content';
import { definedOnly, inTransaction, insertIfAbsent, prepared, selectOne } from './support';

export type { ProposalRow };

/* The proposal's versions: attachments (S2), tracking (T1), the link and its views, revision (R1). */

/** What a new proposal version keeps of the one it supersedes (S2 links and T1 tracking). */
/** What a new version inherits; what belonged to sending the old one (its message, follow-ups, deadline) stays with it. */
const CARRIED_TO_NEXT_VERSION = [
  'opportunityId',
  'clientId',
  'serviceId',
  'projectId',
  'objection',
  'probability',
] as const satisfies readonly (keyof ProposalRow)[];
const carriedToNextVersion = (old: ProposalRow) =>
  Object.fromEntries(CARRIED_TO_NEXT_VERSION.map((key) => [key, old[key]])) as Pick<
    ProposalRow,
    (typeof CARRIED_TO_NEXT_VERSION)[number]
  >;

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
export async function ensureCurrentProposal(
  db: Db,
  input: ProposalLinks & { opportunityId: string; createdBy: string },
): Promise<ProposalRow> {
  const current = await getCurrentProposal(db, input.opportunityId);
  if (current) return current;
  await insertIfAbsent(db, proposals, { ...input, version: 1 }, [proposals.opportunityId, proposals.version]);
  return (await getCurrentProposal(db, input.opportunityId))!;
}

/** Updates the given fields of a proposal; returns the row, or null when there is none. */
export async function updateProposal(
  db: Db,
  proposalId: string,
  fields: Partial<typeof proposals.$inferInsert>,
): Promise<ProposalRow | null> {
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

export function submitProposal(
  db: Db,
  input: { proposalId: string; submittedBy: string; submittedAt?: Date },
): Promise<ProposalRow | null> {
  return updateProposal(db, input.proposalId, {
    status: 'submitted',
    submittedBy: input.submittedBy,
    submittedAt: input.submittedAt ?? new Date(),
  });
}

/** T1: the tracking fields of a proposal (any subset). */
export interface ProposalTracking {
  followUpAt?: Date | null;
  objection?: string | null;
  probability?: number | null;
  decisionDeadline?: Date | null;
}

export function recordProposalTracking(
  db: Db,
  proposalId: string,
  tracking: ProposalTracking,
): Promise<ProposalRow | null> {
  return updateProposal(db, proposalId, tracking);
}

/** T1: the follow-up date of the deal's current proposal; returns whether there was one. */
export async function recordProposalFollowUp(
  db: Db,
  input: { opportunityId: string; followUpAt: Date },
): Promise<boolean> {
  const current = await getCurrentProposal(db, input.opportunityId);
  return current !== null && (await recordProposalTracking(db, current.id, { followUpAt: input.followUpAt })) !== null;
}

/** T1: sent with a link (stored as the sha256 hex of its token). */
export function recordProposalSent(
  db: Db,
  input: {
    proposalId: string;
    linkTokenHash: string;
    sentAt: Date;
    followUpAt?: Date | null;
    decisionDeadline?: Date | null;
  },
): Promise<ProposalRow | null> {
  const { proposalId, ...fields } = input;
  return updateProposal(db, proposalId, { ...fields, status: 'sent', linkRevokedAt: null });
}

/**
 * T1: someone opened the proposal link. Sets the first and last viewed dates of a live
 * link (sent, not revoked) and logs the visit in incoming_logs; null for a dead link.
 */
export async function recordProposalView(
  db: Db,
  input: { linkTokenHash: string; viewedAt: Date },
): Promise<ProposalRow | null> {
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

/** A lost deal's proposal link stops working (it answers 410); a reactivated deal sends a new one. */
export async function revokeProposalLinks(db: Db, opportunityId: string, at: Date): Promise<void> {
  await db
    .update(proposals)
    .set({ linkRevokedAt: at })
    .where(and(eq(proposals.opportunityId, opportunityId), isNull(proposals.linkRevokedAt)));
}

function liveLink(linkTokenHash: string): SQL {
  return and(
    eq(proposals.linkTokenHash, linkTokenHash),
    eq(proposals.status, 'sent'),
    isNull(proposals.linkRevokedAt),
  )!;
}

/**
 * R1: a change to a sent proposal. The old version is superseded and its link revoked; the
 * new version starts as a draft with the same attachments, sections and line items, none of
 * them approved. A retry returns the version already made.
 */
export async function reviseSentProposal(
  db: Db,
  input: { proposalId: string; createdBy: string },
): Promise<ProposalRow> {
  return inTransaction(db, async (tx) => {
    const [old] = await tx.select().from(proposals).where(eq(proposals.id, input.proposalId)).for('update');
    if (!old) throw new Error(`proposal ${input.proposalId} not found`);
    if (old.status === 'superseded') return (await nextVersionOf(tx, old))!;
    await updateProposal(tx, old.id, { status: 'superseded', linkRevokedAt: new Date() });
    const [next] = await tx
      .insert(proposals)
      .values({
        ...carriedToNextVersion(old),
        version: old.version + 1,
        createdBy: input.createdBy,
      })
      .returning();
    await copyUnapprovedContent(tx, old.id, next.id);
    return next;
  });
}

async function nextVersionOf(db: Db, proposal: ProposalRow): Promise<ProposalRow | undefined> {
  return selectOne(
    db,
    proposals,
    and(eq(proposals.opportunityId, proposal.opportunityId), eq(proposals.version, proposal.version + 1))!,
  );
}

/** Every version of a deal's proposal, newest first (R1). */
export function listProposals(db: Db, opportunityId: string): Promise<ProposalRow[]> {
  return db.select().from(proposals).where(eq(proposals.opportunityId, opportunityId)).orderBy(desc(proposals.version));
}
