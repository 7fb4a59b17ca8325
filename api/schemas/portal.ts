import { z } from 'zod';
import { documentSchema } from '../openapi/registry';
import { isoDate, isoDateTime, nullableIso } from './common';

const clientText = z.object({ kind: z.string(), body: z.string() });
const clientLineItem = z.object({ description: z.string(), quantity: z.int(), unitPriceCents: z.int() });
const approvedTexts = {
  sections: z.array(clientText),
  lineItems: z.array(clientLineItem),
  totalCents: z.int(),
  summaries: z.array(clientText),
};

export const proposalLinkSchema = documentSchema(
  'ClientProposal',
  z
    .object({
      company: z.string(),
      version: z.int(),
      sentAt: nullableIso,
      decisionDeadline: nullableIso,
      ...approvedTexts,
    })
    .meta({
      example: {
        company: 'Acme Dental',
        version: 1,
        sentAt: '2026-06-01T09:00:00Z',
        decisionDeadline: null,
        sections: [{ kind: 'scope', body: 'After-hours call routing for both locations' }],
        lineItems: [{ description: 'Setup', quantity: 1, unitPriceCents: 250000 }],
        totalCents: 250000,
        summaries: [{ kind: 'audit_findings', body: 'About a third of after-hours calls go unanswered.' }],
      },
    }),
);

export const portalClientSchema = documentSchema(
  'PortalClient',
  z.object({
    clientId: z.uuid(),
    deals: z.array(z.object({ opportunityId: z.uuid(), proposalVersion: z.int().nullable(), ...approvedTexts })),
  }),
);

export const linkParams = z.strictObject({
  token: z.string().regex(/^[A-Za-z0-9_-]{20,200}$/, 'not a proposal link token'),
});
export const clientParams = z.strictObject({ clientId: z.uuid() });

/** The project statuses a client may read; any other internal status reads as `in_progress`. */
export const CLIENT_PROJECT_STATUSES = ['onboarding', 'in_progress', 'live', 'completed'] as const;

export const portalProjectsSchema = documentSchema(
  'PortalProjects',
  z
    .object({
      items: z.array(
        z.object({
          id: z.uuid(),
          name: z.string(),
          status: z.enum(CLIENT_PROJECT_STATUSES).meta({
            description: 'A client-safe status: any internal status outside this list reads as `in_progress`',
          }),
          kickoffDate: isoDate.nullable(),
          checklist: z.array(z.object({ step: z.int(), done: z.boolean() })).meta({
            description:
              'Onboarding progress: each checklist step and whether it is done. Item titles are internal (unapproved launch blockers) and never shown',
          }),
        }),
      ),
    })
    .meta({
      example: {
        items: [
          {
            id: '0b9d6c8e-2f4a-4c61-9a57-3e1f0f6c2d11',
            name: 'Acme Dental delivery',
            status: 'onboarding',
            kickoffDate: '2026-12-07',
            checklist: [{ step: 1, done: false }],
          },
        ],
      },
    }),
);

/** An invitation link's token: what `/portal/invitation#<token>` carries. */
const invitationToken = z.string().regex(/^[A-Za-z0-9_-]{20,200}$/, 'not an invitation token');

export const portalInvitationSchema = documentSchema(
  'PortalInvitation',
  z
    .object({
      portalUserId: z.uuid(),
      email: z.string(),
      status: z.literal('invited'),
      invitedAt: isoDateTime,
      expiresAt: isoDateTime.meta({
        description: 'The link stops working then (PORTAL_INVITATION_DAYS after issuing)',
      }),
      link: z.string().nullable().meta({
        description:
          'The one-time link, in this answer only (only its sha256 is stored): the token follows `#`. A replay of the answer (same Idempotency-Key) shows null',
      }),
      note: z.string(),
    })
    .meta({
      example: {
        portalUserId: '0b9d6c8e-2f4a-4c61-9a57-3e1f0f6c2d11',
        email: 'dana@acme-dental.example',
        status: 'invited',
        invitedAt: '2026-12-07T09:00:00Z',
        expiresAt: '2026-12-14T09:00:00Z',
        link: '/portal/invitation#Q2xpZW50IGludml0YXRpb24gdG9rZW4gZXhhbXBsZQ',
        note: 'Shown once: only its hash is stored',
      },
    }),
);

export const issueInvitationBody = documentSchema(
  'IssuePortalInvitation',
  z.strictObject({}).meta({ description: 'No fields: an empty object, or no body' }),
);

export const acceptInvitationBody = documentSchema(
  'AcceptPortalInvitation',
  z
    .strictObject({ token: invitationToken.meta({ description: 'The part of the invitation link after `#`' }) })
    .meta({ example: { token: 'Q2xpZW50IGludml0YXRpb24gdG9rZW4gZXhhbXBsZQ' } }),
);

export const portalLoginSchema = documentSchema(
  'PortalLogin',
  z.object({
    portalUserId: z.uuid(),
    userId: z.uuid().meta({ description: 'The `portal` user the token belongs to' }),
    clientId: z.uuid(),
    token: z.string().nullable().meta({
      description:
        'A bearer token of the portal user, shown once (only its hash is stored); null in a replay of the answer (same Idempotency-Key)',
    }),
    note: z.string(),
  }),
);

/** How long an invitation link works unless PORTAL_INVITATION_DAYS says otherwise. */
export const DEFAULT_PORTAL_INVITATION_DAYS = 7;
/** PORTAL_INVITATION_DAYS as the configuration validates it: whole days, up to a quarter. */
export const portalInvitationDaysSchema = z.coerce
  .number()
  .int()
  .min(1)
  .max(90)
  .default(DEFAULT_PORTAL_INVITATION_DAYS);
