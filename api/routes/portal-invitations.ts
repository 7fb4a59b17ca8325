import { randomBytes } from 'node:crypto';
import { acceptPortalInvitation, issuePortalInvitation, type IssueOutcome } from '../../db/queries/portal-invitations';
import type { AppDeps } from '../app';
import { hashToken, newToken } from '../auth';
import { DomainError, notFound } from '../errors';
import { pendingSecretOf } from '../idempotency';
import { iso } from '../resources/unreadable';
import { apiRouter } from '../route-kit';
import { idParams } from '../schemas/common';
import {
  acceptInvitationBody,
  issueInvitationBody,
  portalInvitationSchema,
  DEFAULT_PORTAL_INVITATION_DAYS,
  portalLoginSchema,
} from '../schemas/portal';

const DAY_MS = 86_400_000;
const SHOWN_ONCE = 'Shown once: only its hash is stored. Issuing a new invitation replaces this link.';
const REPLAYED =
  'The link was shown in the first answer only (only its hash is stored); issue a new invitation to get a new link (the earlier one then stops working).';

function refusedInvitation(outcome: Extract<IssueOutcome, { refused: string }>): never {
  switch (outcome.refused) {
    case 'not_found':
      throw notFound('The portal user');
    case 'already_active':
      throw new DomainError('portal_user_active', 409, 'The portal user accepted an invitation already and can log in');
  }
}

/** `POST /v1/portal-users/:id/invitation`: ops invite a portal contact of a handed-off client. */
export function portalInvitationRoutes({ db, logger, config }: AppDeps) {
  const { router, add } = apiRouter('/v1', { db, logger });
  const days = config.portalInvitationDays ?? DEFAULT_PORTAL_INVITATION_DAYS;

  add(
    {
      method: 'post',
      path: '/portal-users/:id/invitation',
      summary: 'Invite a portal user: a one-time link, shown once',
      description:
        'Issues an invitation link for a portal user the handoff wrote from the portal contacts. The link is in this answer only ' +
        '(only the sha256 of its token is stored); it works once, until `expiresAt`. Issuing again replaces the earlier link. ' +
        'A replay with the same Idempotency-Key answers without the link. A portal user that accepted already answers 409 `portal_user_active`.',
      tags: ['Portal'],
      roles: ['admin', 'ops'],
      params: idParams,
      body: issueInvitationBody,
      success: { status: 201, description: 'The invitation', schema: portalInvitationSchema },
      errors: [404, 409],
    },
    async ({ principal, params, idempotencyKey }) => {
      // Every attempt of one request stores the same token, so a retry's link is the stored one.
      const token = await pendingSecretOf(db, principal, idempotencyKey, () => randomBytes(32).toString('base64url'));
      const outcome = await issuePortalInvitation(db, {
        portalUserId: params.id,
        invitationHash: hashToken(token),
        expiresAt: new Date(Date.now() + days * DAY_MS),
      });
      if ('refused' in outcome) refusedInvitation(outcome);
      const { issued } = outcome;
      const invitation = {
        portalUserId: issued.id,
        email: issued.email,
        status: 'invited' as const,
        invitedAt: iso(issued.invitedAt),
        expiresAt: iso(issued.invitationExpiresAt),
      };
      return {
        body: { ...invitation, link: `/portal/invitation#${token}`, note: SHOWN_ONCE },
        replayBody: { ...invitation, link: null, note: REPLAYED },
      };
    },
  );

  return router;
}

/**
 * `POST /v1/portal/invitations/accept`: the invited person spends the link's token for a
 * bearer token of their own. No bearer token: the invitation is the secret.
 */
export function portalInvitationAcceptRoutes({ db, logger }: AppDeps) {
  const { router, add } = apiRouter('', { db, logger });

  add(
    {
      method: 'post',
      path: '/v1/portal/invitations/accept',
      summary: 'Accept a portal invitation: the portal user becomes active and gets a bearer token, once',
      description:
        'The token is the part of the invitation link after `#`. A live invitation makes its portal user `active` and answers a bearer token ' +
        'for its `portal` login, shown once (only its hash is stored); the invitation is then spent. ' +
        'An unknown or already used token answers 404, an expired one 410 (ask ops for a new invitation). ' +
        'A replay with the same Idempotency-Key answers without the bearer token.',
      tags: ['Portal'],
      roles: 'public',
      // Keys belong to the invitation: only its holder can replay the answer, and a replay shows no token.
      publicKeyOwner: (req) => {
        const token: unknown = (req.body as { token?: unknown } | undefined)?.token;
        return typeof token === 'string' ? `invitation:${hashToken(token)}` : undefined;
      },
      body: acceptInvitationBody,
      success: { status: 201, description: 'The portal login', schema: portalLoginSchema },
      errors: [404, 409, 410],
    },
    async ({ body, res }) => {
      res.set('Cache-Control', 'no-store');
      const token = newToken();
      const outcome = await acceptPortalInvitation(db, {
        invitationHash: hashToken(body.token),
        tokenHash: hashToken(token),
        label: 'portal invitation',
      });
      if ('refused' in outcome) {
        switch (outcome.refused) {
          case 'unknown':
            throw new DomainError('not_found', 404, 'The invitation was not found or was used already');
          case 'expired':
            throw new DomainError('invitation_expired', 410, 'This invitation expired; ask for a new one');
          case 'not_a_portal_login':
            throw new DomainError(
              'portal_login_conflict',
              409,
              "The invitation's login is not a portal user of this client; ask ops to correct the portal user",
            );
        }
      }
      const { portalUser, user } = outcome.accepted;
      const login = { portalUserId: portalUser.id, userId: user.id, clientId: portalUser.clientId };
      return {
        body: { ...login, token, note: 'Shown once: only its hash is stored' },
        replayBody: { ...login, token: null, note: 'The token was shown in the first answer only' },
      };
    },
  );

  return router;
}
