import type { Db } from '../client';
import type { ApprovalRow, ProposalLineItemRow, ProposalRow, ProposalSectionRow, ServiceRow } from '../schema';
import { listProposalApprovals } from './approvals';
import { listLineItems, listProposalSections } from './proposal-content';
import { getProposal } from './proposals';
import { servicesByIds } from './services';

export interface ProposalDetail {
  proposal: ProposalRow;
  sections: ProposalSectionRow[];
  lineItems: ProposalLineItemRow[];
  approvals: ApprovalRow[];
  /** The distinct services its line items sell (S2), in code order. */
  services: ServiceRow[];
}

/** A proposal with its sections, line items, approvals and services: the internal proposal resource. */
export async function getProposalDetail(db: Db, proposalId: string): Promise<ProposalDetail | null> {
  const proposal = await getProposal(db, proposalId);
  if (!proposal) return null;
  // One after another: inside a transaction `db` is a single connection (pg deprecates overlapping queries on one).
  const sections = await listProposalSections(db, proposalId);
  const lineItems = await listLineItems(db, proposalId);
  const approvals = await listProposalApprovals(db, proposalId);
  const serviceIds = lineItems.flatMap((li) => (li.serviceId ? [li.serviceId] : []));
  const services = await servicesByIds(db, serviceIds);
  return { proposal, sections, lineItems, approvals, services };
}
