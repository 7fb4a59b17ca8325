import { proposalAuthors, SUMMARY_KINDS, type DealState } from '../../machines/opportunity';
import type {
  ApprovalRow,
  ClientSafeSummaryRow,
  ContractRow,
  OpportunityRow,
  ProjectRow,
  ClientServiceRow,
  ProposalLineItemRow,
  ProposalRow,
  ProposalSectionRow,
  ServiceRow,
} from '../../db/schema';
import { totalCents } from '../../machines/opportunity/attachments';
import { iso } from './opportunity';
import { serviceRef } from './services';

const approvalStamp = (r: {
  visibility: string;
  approvedBy: string | null;
  approvedAt: Date | null;
  approvedVersion: number | null;
}) => ({
  visibility: r.visibility,
  approvedBy: r.approvedBy,
  approvedAt: iso(r.approvedAt),
  approvedVersion: r.approvedVersion,
});

const approvalResource = (a: ApprovalRow) => ({
  id: a.id,
  proposalId: a.proposalId,
  proposalVersion: a.proposalVersion,
  kind: a.kind,
  decision: a.decision,
  approvedBy: a.approvedBy,
  note: a.note,
  decidedAt: iso(a.decidedAt),
});

/** T1: the tracking fields of one proposal version. */
export const proposalVersionResource = (p: ProposalRow) => ({
  id: p.id,
  version: p.version,
  status: p.status,
  createdBy: p.createdBy,
  submittedBy: p.submittedBy,
  submittedAt: iso(p.submittedAt),
  sentAt: iso(p.sentAt),
  firstViewedAt: iso(p.firstViewedAt),
  lastViewedAt: iso(p.lastViewedAt),
  viewCount: p.viewCount,
  followUpAt: iso(p.followUpAt),
  objection: p.objection,
  probability: p.probability,
  decisionDeadline: iso(p.decisionDeadline),
  linkActive: p.linkTokenHash !== null && p.status === 'sent' && p.linkRevokedAt === null,
  linkRevokedAt: iso(p.linkRevokedAt),
});

/** A priced line (S1) and the catalogue service it sells, if any (S2). */
const lineItemResource = (li: ProposalLineItemRow, services: ReadonlyMap<string, ServiceRow>) => {
  const service = li.serviceId ? services.get(li.serviceId) : undefined;
  return {
    id: li.id,
    position: li.position,
    description: li.description,
    quantity: li.quantity,
    unitPriceCents: li.unitPriceCents,
    totalCents: totalCents([li]),
    service: service ? serviceRef(service) : null,
    ...approvalStamp(li),
  };
};

/**
 * The internal proposal: separate sections and priced line items (S1), the records it is
 * attached to (S2: lead, client, service, project, approval, communication, and the services
 * its line items sell) and T1 tracking.
 */
export function proposalResource(input: {
  opportunity: OpportunityRow;
  proposal: ProposalRow;
  sections: ProposalSectionRow[];
  lineItems: ProposalLineItemRow[];
  approvals: ApprovalRow[];
  /** The distinct services of its line items. */
  services: ServiceRow[];
  project: ProjectRow | null;
  clientService: ClientServiceRow | null;
}) {
  const { opportunity, proposal: p } = input;
  const servicesById = new Map(input.services.map((s) => [s.id, s]));
  const base = `/v1/opportunities/${opportunity.id}`;
  const clientId = p.clientId ?? opportunity.clientId;
  const projectId = p.projectId ?? input.project?.id ?? null;
  return {
    ...proposalVersionResource(p),
    opportunityId: opportunity.id,
    sections: input.sections.map((s) => ({
      id: s.id,
      section: s.section,
      body: s.body,
      ...approvalStamp(s),
      updatedAt: iso(s.updatedAt),
    })),
    lineItems: input.lineItems.map((li) => lineItemResource(li, servicesById)),
    totalCents: totalCents(input.lineItems),
    approvals: input.approvals.map(approvalResource),
    records: {
      lead: { id: opportunity.id, href: base },
      client: clientId ? { id: clientId } : null,
      service: p.serviceId
        ? { id: p.serviceId }
        : input.clientService
          ? { id: input.clientService.id, clientServiceId: input.clientService.id }
          : null,
      project: projectId ? { id: projectId } : null,
      approval: p.approvalId ? { id: p.approvalId, href: `${base}/approvals` } : null,
      communication: p.communicationId ? { id: p.communicationId } : null,
      services: input.services.map(serviceRef),
    },
  };
}

/** AP1: where approval stands for the current proposal version and its client-safe summary. */
export function approvalStateResource(deal: DealState, approvals: ApprovalRow[]) {
  const p = deal.context.proposal;
  return {
    proposalVersion: p.version,
    submittedBy: p.submittedBy,
    submittedAt: p.submittedAt,
    proposal: { approved: p.approvedBy !== null, approvedBy: p.approvedBy, approvedAt: p.approvedAt },
    clientSafeSummary: {
      approved: p.clientSafeSummaryApprovedBy !== null,
      approvedBy: p.clientSafeSummaryApprovedBy,
      approvedAt: p.clientSafeSummaryApprovedAt,
      summaries: p.approvedSummaries,
      message: p.approvedMessage,
    },
    drafts: {
      summaries: Object.fromEntries(SUMMARY_KINDS.map((kind) => [kind, p.summaries[kind]?.revision ?? null])),
      message: p.message?.revision ?? null,
    },
    authors: proposalAuthors(deal.context),
    rejections: p.rejections,
    decisions: approvals.map(approvalResource),
  };
}

/** W2: contract and payment state, kickoff, onboarding owner and launch blockers. */
export function contractResource(deal: DealState, row: ContractRow | null) {
  const c = deal.context.contract;
  return {
    contractState: c.contractState,
    paymentState: c.paymentState,
    kickoffDate: c.kickoffDate,
    onboardingOwner: c.onboardingOwner,
    launchBlockers: c.launchBlockers,
    recordedAt: iso(row?.updatedAt),
  };
}

export const summaryResource = (s: ClientSafeSummaryRow) => ({
  id: s.id,
  kind: s.kind,
  body: s.body,
  version: s.version,
  ...approvalStamp(s),
  approvedForCurrentVersion: s.approvedAt !== null && s.approvedVersion === s.version && s.visibility === 'client_safe',
  updatedAt: iso(s.updatedAt),
});
