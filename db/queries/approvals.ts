import { asc, eq } from 'drizzle-orm';
import type { Db } from '../client';
import {
  approvals,
  proposals,
  type ApprovalDecision,
  type ApprovalKind,
  type ApprovalRow,
  type ProposalRow,
  type SummaryKind,
} from '../schema';
import { stampSummaries } from './client-safe-summaries';
import { stampClientSafeContent } from './proposal-content';
import { getProposal, updateProposal } from './proposals';
import { inTransaction, insertIfAbsent, selectOne } from './support';

export type { ApprovalRow };

export interface NewApproval {
  /** Idempotency: the same key twice records one decision. */
  key: string;
  proposalId: string;
  kind: ApprovalKind;
  decision: ApprovalDecision;
  approvedBy: string;
  note?: string | null;
  /** The client-safe summaries a `client_safe_summary` approval covers (not stored on the approval row). */
  summaryKinds?: SummaryKind[];
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
    const { summaryKinds, ...row } = input;
    const created = await insertIfAbsent(tx, approvals, { ...row, proposalVersion: proposal.version }, approvals.key);
    if (!created) return (await selectOne(tx, approvals, eq(approvals.key, input.key)))!;
    await applyDecision(tx, proposal, created, summaryKinds ?? []);
    return created;
  });
}

async function applyDecision(
  db: Db,
  proposal: ProposalRow,
  approval: ApprovalRow,
  summaryKinds: SummaryKind[],
): Promise<void> {
  const approved = approval.decision === 'approved';
  if (approval.kind === 'client_safe_summary') {
    if (approved) await stampSummaries(db, proposal.opportunityId, approval.approvedBy, summaryKinds);
    return;
  }
  if (!approved) {
    await updateProposal(db, proposal.id, { status: 'draft' });
    return;
  }
  await stampClientSafeContent(db, proposal.id, {
    approvedBy: approval.approvedBy,
    approvedAt: approval.decidedAt,
    approvedVersion: proposal.version,
  });
  await updateProposal(db, proposal.id, { status: 'approved', approvalId: approval.id });
}

/** The decisions on one proposal version, oldest first. */
export function listProposalApprovals(db: Db, proposalId: string): Promise<ApprovalRow[]> {
  return db.select().from(approvals).where(eq(approvals.proposalId, proposalId)).orderBy(asc(approvals.decidedAt));
}

/** Every approval decision on any version of a deal's proposal, oldest first (AP1). */
export async function listApprovals(db: Db, opportunityId: string): Promise<ApprovalRow[]> {
  const rows = await db
    .select({ approval: approvals })
    .from(approvals)
    .innerJoin(proposals, eq(proposals.id, approvals.proposalId))
    .where(eq(proposals.opportunityId, opportunityId))
    .orderBy(asc(approvals.decidedAt));
  return rows.map((r) => r.approval);
}
