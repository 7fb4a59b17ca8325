import { clientExists } from '../../db/queries/clients';
import {
  portalClientView,
  portalProjects,
  portalProposalByLinkToken,
  proposalLinkStatus,
} from '../../db/queries/portal';
import { recordProposalView } from '../../db/queries/proposals';
import type { AppDeps } from '../app';
import { hashToken } from '../auth';
import { DomainError, notFound } from '../errors';
import { portalClientResource, portalProjectResource, proposalLinkResource } from '../resources/portal';
import { apiRouter } from '../route-kit';
import {
  clientParams,
  linkParams,
  portalClientSchema,
  portalProjectsSchema,
  proposalLinkSchema,
} from '../schemas/portal';

/** The actor of events a proposal link sends on the client's behalf. */
export const LINK_ACTOR = { id: 'proposal-link', role: 'portal' } as const;

/** `GET /v1/portal/...`: a portal user reads its own client's approved client-safe text (K1). */
export function portalRoutes({ db, logger }: AppDeps) {
  const { router, add } = apiRouter('/v1', { db, logger });
  add(
    {
      method: 'get',
      path: '/portal/clients/:clientId',
      summary: "A client's approved client-safe summaries and sent proposals",
      description:
        'A portal user reads only its own client (another client answers 404); ops and admin may preview any client that exists (another id answers 404). ' +
        'Read through the portal views only: internal or unapproved text cannot appear.',
      tags: ['Portal'],
      roles: ['portal', 'ops', 'admin'],
      params: clientParams,
      success: { status: 200, description: 'What the client may read', schema: portalClientSchema },
      errors: [404],
    },
    async ({ principal, params }) => {
      if (principal.role === 'portal' && principal.clientId !== params.clientId) throw notFound('The client');
      // A portal user's own client exists (its user row references it); a preview names any id.
      if (principal.role !== 'portal' && !(await clientExists(db, params.clientId))) throw notFound('The client');
      return { body: portalClientResource(params.clientId, await portalClientView(db, params.clientId)) };
    },
  );
  add(
    {
      method: 'get',
      path: '/portal/projects',
      summary: "The portal user's own client's delivery projects: client-safe status and onboarding checklist",
      description:
        'Each project of the client the portal user belongs to, with a client-safe status and the onboarding checklist (titles and done flags). ' +
        'No internal notes, staff owner ids, connector or data-source details (K1).',
      tags: ['Portal'],
      roles: ['portal'],
      success: { status: 200, description: "The client's projects", schema: portalProjectsSchema },
    },
    async ({ principal }) => {
      const projects = principal.clientId ? await portalProjects(db, principal.clientId) : [];
      return { body: { items: projects.map(portalProjectResource) } };
    },
  );
  return router;
}

/** `GET /p/:token`: the client's proposal link (no token needed; the link is the secret). */
export function proposalLinkRoutes({ db, deals, logger }: AppDeps) {
  const { router, add } = apiRouter('', { db, logger });
  add(
    {
      method: 'get',
      path: '/p/:token',
      summary: 'Open a proposal link',
      description:
        'Shows the approved client-safe proposal and records the first and last viewed dates (T1), also as a RECORD_VIEW event of the deal. ' +
        'A link of a proposal that was revised since answers 410 Gone (R1).',
      tags: ['Portal'],
      roles: 'public',
      params: linkParams,
      success: { status: 200, description: 'The proposal as the client sees it', schema: proposalLinkSchema },
      errors: [404, 410],
    },
    async ({ params, res }) => {
      const tokenHash = hashToken(params.token);
      const status = await proposalLinkStatus(db, tokenHash);
      if (status === 'gone')
        throw new DomainError('gone', 410, 'This proposal link no longer works; ask for the current one');
      const found = status === 'live' ? await portalProposalByLinkToken(db, tokenHash) : null;
      if (!found) throw notFound('The proposal link');
      const viewedAt = new Date();
      // One view a second per link: a double-click or an immediate retry has one effect.
      const requestId = `view-${tokenHash.slice(0, 32)}-${Math.floor(viewedAt.getTime() / 1_000)}`;
      await deals
        .apply(
          found.proposal.opportunityId,
          { type: 'RECORD_VIEW', actor: LINK_ACTOR, at: viewedAt.toISOString() },
          {
            requestId,
            attachments: { linkTokenHash: tokenHash, viewedAt: viewedAt.toISOString() },
          },
        )
        .catch(async (error: unknown) => {
          // The deal has moved past viewing (e.g. won): the view is still the client's, so it is recorded on the proposal.
          if (!(error instanceof DomainError)) throw error;
          await recordProposalView(db, { linkTokenHash: tokenHash, viewedAt });
        });
      res.set('Cache-Control', 'no-store');
      return { body: proposalLinkResource(found) };
    },
  );
  return router;
}
