import type { PortalProposal, PortalText } from '../../db/queries/portal';
import { totalCents } from '../../machines/opportunity/attachments';
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
