import type { PortalProject, PortalProposal, PortalText } from '../../db/queries/portal';
import { totalCents } from '../../machines/opportunity/attachments';
import { CLIENT_PROJECT_STATUSES } from '../schemas/portal';
import { iso } from './opportunity';

/*
 * What a client reads. Built only from the portal views' rows (approved client-safe text);
 * ids of internal records and who approved what are not shown.
 */

const section = (t: PortalText) => ({ kind: t.kind, body: t.body });
const lineItem = (t: PortalText) => ({
  description: t.body,
  quantity: t.quantity ?? 1,
  unitPriceCents: t.unitPriceCents ?? 0,
});

function split(texts: PortalText[]) {
  const items = texts.filter((t) => t.source === 'line_item');
  return {
    sections: texts.filter((t) => t.source === 'proposal_section').map(section),
    lineItems: items.map(lineItem),
    totalCents: totalCents(items),
    summaries: texts.filter((t) => t.source === 'summary').map(section),
  };
}

export function proposalLinkResource(found: PortalProposal) {
  return {
    company: found.proposal.company,
    version: found.proposal.version,
    sentAt: iso(found.proposal.sentAt),
    decisionDeadline: iso(found.proposal.decisionDeadline),
    ...split(found.texts),
  };
}

export function portalClientResource(clientId: string, texts: PortalText[]) {
  const byDeal = new Map<string, PortalText[]>();
  for (const t of texts) byDeal.set(t.opportunityId, [...(byDeal.get(t.opportunityId) ?? []), t]);
  return {
    clientId,
    deals: [...byDeal.entries()].map(([opportunityId, dealTexts]) => ({
      opportunityId,
      proposalVersion: dealTexts.find((t) => t.proposalVersion !== null)?.proposalVersion ?? null,
      ...split(dealTexts),
    })),
  };
}

type ClientProjectStatus = (typeof CLIENT_PROJECT_STATUSES)[number];

const clientStatusOf = (status: string): ClientProjectStatus =>
  (CLIENT_PROJECT_STATUSES as readonly string[]).includes(status) ? (status as ClientProjectStatus) : 'in_progress';

/** A project as its client reads it (K1): a client-safe status and the checklist's progress (steps and done flags). */
export const portalProjectResource = (p: PortalProject) => ({
  id: p.id,
  name: p.name,
  status: clientStatusOf(p.status),
  kickoffDate: p.kickoffDate,
  checklist: p.checklist.map((item) => ({ step: Number(item.step), done: item.done })),
});
