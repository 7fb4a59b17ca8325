import { and, asc, eq, or, sql } from 'drizzle-orm';
import type { Db } from '../client';
import {
  portalClientTexts,
  portalProposalLinks,
  proposals,
  type PortalClientTextRow,
  type PortalProposalLinkRow,
} from '../schema';
import { prepared } from './support';

/*
 * The ONLY reads for portal users and proposal links (K1). They select from the views
 * `portal_client_texts` and `portal_proposal_links` alone, which contain nothing but
 * client_safe text approved for its current version: internal or unapproved text has no
 * column or row here to leak through.
 */

export type PortalText = Omit<PortalClientTextRow, 'clientId'>;

export interface PortalProposal {
  proposal: Omit<PortalProposalLinkRow, 'linkTokenHash' | 'clientId'>;
  texts: PortalText[];
}

const textColumns = {
  source: portalClientTexts.source,
  sourceId: portalClientTexts.sourceId,
  opportunityId: portalClientTexts.opportunityId,
  proposalId: portalClientTexts.proposalId,
  proposalVersion: portalClientTexts.proposalVersion,
  kind: portalClientTexts.kind,
  body: portalClientTexts.body,
  position: portalClientTexts.position,
  quantity: portalClientTexts.quantity,
  unitPriceCents: portalClientTexts.unitPriceCents,
  approvedAt: portalClientTexts.approvedAt,
};

const textOrder = [
  asc(portalClientTexts.opportunityId),
  asc(portalClientTexts.source),
  asc(portalClientTexts.kind),
  asc(portalClientTexts.position),
];

/** What a proposal link shows: its live proposal, the approved text of that version and the deal's approved summaries. */
export async function portalProposalByLinkToken(db: Db, tokenHash: string): Promise<PortalProposal | null> {
  const linkStatement = prepared(db, 'portal_link_by_token', (d) =>
    d
      .select({
        proposalId: portalProposalLinks.proposalId,
        opportunityId: portalProposalLinks.opportunityId,
        version: portalProposalLinks.version,
        company: portalProposalLinks.company,
        sentAt: portalProposalLinks.sentAt,
        decisionDeadline: portalProposalLinks.decisionDeadline,
      })
      .from(portalProposalLinks)
      .where(eq(portalProposalLinks.linkTokenHash, sql.placeholder('tokenHash'))),
  );
  const [proposal] = await linkStatement.execute({ tokenHash });
  if (!proposal) return null;
  const textStatement = prepared(db, 'portal_link_texts', (d) =>
    d
      .select(textColumns)
      .from(portalClientTexts)
      .where(
        and(
          eq(portalClientTexts.opportunityId, sql.placeholder('opportunityId')),
          or(eq(portalClientTexts.proposalId, sql.placeholder('proposalId')), eq(portalClientTexts.source, 'summary')),
        ),
      )
      .orderBy(...textOrder),
  );
  const texts = await textStatement.execute({ opportunityId: proposal.opportunityId, proposalId: proposal.proposalId });
  return { proposal, texts };
}

/** Everything approved as client-safe for one client: what a portal user of that client may read (prepared). */
export async function portalClientView(db: Db, clientId: string): Promise<PortalText[]> {
  const statement = prepared(db, 'portal_client_view', (d) =>
    d
      .select(textColumns)
      .from(portalClientTexts)
      .where(eq(portalClientTexts.clientId, sql.placeholder('clientId')))
      .orderBy(...textOrder),
  );
  return statement.execute({ clientId });
}

/**
 * Whether a proposal link token (its hash) is live, was issued and has since stopped
 * working (a revised or withdrawn proposal: 410 Gone), or was never issued. Reads no text.
 */
export async function proposalLinkStatus(db: Db, tokenHash: string): Promise<'live' | 'gone' | 'unknown'> {
  const statement = prepared(db, 'portal_link_status', (d) =>
    d
      .select({ live: sql<boolean>`${proposals.status} = 'sent' AND ${proposals.linkRevokedAt} IS NULL` })
      .from(proposals)
      .where(eq(proposals.linkTokenHash, sql.placeholder('tokenHash'))),
  );
  const [row] = await statement.execute({ tokenHash });
  if (!row) return 'unknown';
  return row.live ? 'live' : 'gone';
}
