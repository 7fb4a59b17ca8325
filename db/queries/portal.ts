import { and, asc, eq, isNull, or, sql } from 'drizzle-orm';
import type { Db } from '../client';
import {
  onboardingChecklists,
  portalClientTexts,
  portalProposalLinks,
  projects,
  proposals,
  type PortalClientTextRow,
  type PortalProposalLinkRow,
} from '../schema';
import { prepared } from './support';

/*
 * The ONLY reads for portal users and proposal links (K1). They select from the views
 * `portal_client_texts` and `portal_proposal_links` alone, which contain nothing but
 * client_safe text approved for its current version: internal or unapproved text has no
 * column or row here to leak through. A client's projects have no view: `portalProjects`
 * names the only columns it reads (no owner, no notes, no connector or data-source detail).
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

/** What a portal user sees of one project: its name, internal status (made client-safe by the resource), kickoff and checklist. */
export interface PortalProject {
  id: string;
  name: string;
  status: string;
  kickoffDate: string | null;
  /** Only each item's title and done flag. */
  checklist: { step: number; done: boolean }[];
}

/**
 * A client's delivery projects with their onboarding checklists (prepared). An explicit column
 * list of `projects` and, of the checklist, only each item's step number and done flag (K1).
 */
export async function portalProjects(db: Db, clientId: string): Promise<PortalProject[]> {
  const checklist = onboardingChecklists;
  const ofProject = or(
    eq(checklist.projectId, projects.id),
    and(isNull(checklist.projectId), eq(checklist.opportunityId, projects.opportunityId)),
  );
  const statement = prepared(db, 'portal_projects', (d) =>
    d
      .select({
        id: projects.id,
        name: projects.name,
        status: projects.status,
        kickoffDate: projects.kickoffDate,
        // Item titles are internal (raw launch blockers, never approved for the client): only steps and done flags.
        checklist: sql<{ step: number; done: boolean }[]>`coalesce((
          SELECT jsonb_agg(jsonb_build_object('step', position, 'done', item->'done' = 'true'::jsonb) ORDER BY position)
            FROM (SELECT ${checklist.items} AS items FROM ${checklist}
                   WHERE ${ofProject} AND jsonb_typeof(${checklist.items}) = 'array'
                   ORDER BY ${checklist.createdAt}, ${checklist.id} LIMIT 1) first_checklist,
                 jsonb_array_elements(first_checklist.items) WITH ORDINALITY AS listed(item, position)
        ), '[]'::jsonb)`,
      })
      .from(projects)
      .where(eq(projects.clientId, sql.placeholder('clientId')))
      .orderBy(asc(projects.createdAt), asc(projects.id)),
  );
  return statement.execute({ clientId });
}
