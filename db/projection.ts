/**
 * The read model of a deal (the `opportunities` row) as a pure function of what its
 * workflow holds: the activities write it, and the API answers a retried request with it.
 */
import { explain, type DealState } from '../machines/opportunity';
import type { DealDetails } from '../machines/opportunity/context';

/** The workflow's flags the row carries (DealFlags in workflows/deal/messages.ts). */
interface Flags {
  overdue: boolean;
  decisionOverdue: boolean;
  dormant: boolean;
}

/** A write refused for good, flagged on the deal until its next accepted event (DealBlock in workflows/deal/messages.ts). */
interface Block {
  code: string;
  detail: string;
  what: string;
  at: string;
}

const toDate = (value: string | null | undefined): Date | null => (value ? new Date(value) : null);

/** Where the deal's scope stands, for the read model and the eight outputs (OUT1). */
export function scopeState(deal: DealState): string {
  const { proposal, verification } = deal.context;
  if (proposal.sections.scope) return proposal.approvedBy ? 'approved' : 'drafted';
  if (verification.scopeVerified) return 'verified';
  return 'unverified';
}

/** Whether client-facing text of this deal has been approved (K1, AP1). */
export function clientSafeStatus(deal: DealState): string {
  const { proposal } = deal.context;
  if (proposal.clientSafeSummaryApprovedBy) return 'approved';
  if (deal.stage === 'approval') return 'pending_approval';
  return 'none';
}

/** The read model's columns of the deal's own fields. */
export interface DetailColumns {
  title: string;
  company: string;
  valueCents: number | null;
  currency: string | null;
  /** ISO date (YYYY-MM-DD). */
  expectedCloseDate: string | null;
  probability: number | null;
  contactName: string | null;
  contactEmail: string | null;
  contactPhone: string | null;
}

/**
 * The deal's own fields as columns (OW1), so lists search, filter and sort on them. A title or
 * company the state does not name (a deal whose state predates `details`, or one created without
 * them) is left out rather than blanked: the row keeps the one it was created with.
 */
export function detailColumnsOf(details: DealDetails | undefined): Partial<DetailColumns> {
  if (!details) return {};
  return {
    ...(details.title ? { title: details.title } : {}),
    ...(details.company ? { company: details.company } : {}),
    valueCents: details.value?.amountCents ?? null,
    currency: details.value?.currency ?? null,
    expectedCloseDate: details.expectedCloseDate,
    probability: details.probability,
    contactName: details.contact?.name ?? null,
    contactEmail: details.contact?.email ?? null,
    contactPhone: details.contact?.phone ?? null,
  };
}

/** The read-model row of a deal, computed from the machine state alone. */
export function projectionOf(opportunityId: string, version: number, deal: DealState) {
  const { context } = deal;
  const explanation = explain(deal);
  return {
    id: opportunityId,
    version,
    stage: deal.stage,
    snapshot: deal,
    ownerId: context.ownerId,
    source: context.source ?? null,
    nextActionDescription: context.nextAction?.description ?? null,
    nextActionDueAt: toDate(context.nextAction?.dueAt),
    nextActionOwner: context.nextAction?.ownerId ?? null,
    followUpPauseReasons: [...explanation.pauses.followUp.reasons],
    proposalPauseReasons: [...explanation.pauses.proposalWork.reasons],
    scopeState: scopeState(deal),
    clientSafeStatus: clientSafeStatus(deal),
    decisionDeadline: toDate(context.proposal.decisionDeadline),
    lostReason: context.lost?.reason ?? null,
    lostDetail: context.lost?.detail ?? null,
    reactivateAt: toDate(context.lost?.reactivateAt),
    lostAt: toDate(context.lost?.lostAt),
    ...detailColumnsOf(context.details as DealDetails | undefined),
  };
}

/** The read model's columns of a blocked deal (all null once it is not). */
export const blockColumnsOf = (block: Block | null) => ({
  blockedCode: block?.code ?? null,
  blockedDetail: block ? `${block.what}: ${block.detail}` : null,
  blockedAt: block ? new Date(block.at) : null,
});

/** The read model's flag columns from the workflow's flags: overdue covers a passed decision deadline too. */
export const flagColumnsOf = (flags: Flags, block: Block | null) => ({
  overdue: flags.overdue || flags.decisionOverdue,
  dormant: flags.dormant,
  ...blockColumnsOf(block),
});
