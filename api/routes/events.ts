import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { OWNER_ROLES, parseDealEvent, type DealEvent } from '../../machines/opportunity';
import { listEvents } from '../../db/queries/events';
import { getOpportunity } from '../../db/queries/opportunities';
import { activeServiceIds } from '../../db/queries/services';
import { activeUserOf, userNames } from '../../db/queries/users-lookup';
import type { Db } from '../../db/client';
import type { AppDeps } from '../app';
import { etagOf, opportunityFor } from '../access';
import { rowAsOf } from '../deal-outcome';
import { hashToken } from '../auth';
import { resolveHandoffClient } from '../handoff-client';
import { badRequest, notFound } from '../errors';
import { pendingSecretOf, requestIdOf, type Reply } from '../idempotency';
import { documentSchema } from '../openapi/registry';
import { expectedVersionOf } from '../preconditions';
import { eventResource } from '../resources/event';
import { namedIdsOf, opportunityResource } from '../resources/opportunity';
import { apiRouter, type RouteInput } from '../route-kit';
import { idParams, pageOf, pageQuery } from '../schemas/common';
import { eventRequestSchema, timelineEntrySchema, type EventRequest } from '../schemas/events';
import { opportunitySchema } from '../schemas/opportunity';

const eventRequest = documentSchema('EventRequest', eventRequestSchema);
const eventResult = documentSchema(
  'EventResult',
  opportunitySchema.extend({
    proposalLink: z
      .object({ url: z.string().nullable(), note: z.string() })
      .optional()
      .meta({ description: 'SEND_PROPOSAL only: the client link, shown once (only its hash is stored)' }),
  }),
);
const timelinePage = documentSchema('EventTimelinePage', pageOf(documentSchema('TimelineEntry', timelineEntrySchema)));

/** What a replay of SEND_PROPOSAL says instead of the link (the token itself is not kept). */
const LINK_SHOWN_ONCE =
  'The link was shown in the first answer only (only its hash is stored). No route issues a new link for the same proposal version yet: ' +
  'to give the client a new link, revise the proposal (REVISE_PROPOSAL) and send it again; earlier links then answer 410.';

/** Rules of attachments that span fields: pricing lives in line items, and only there (S1). */
function checkAttachments(request: EventRequest): void {
  if (request.type !== 'RECORD_PROPOSAL_SECTION') return;
  const hasItems = request.attachments?.lineItems !== undefined;
  if (request.section === 'pricing' && !hasItems) {
    throw badRequest('Pricing lives in line items', [
      { field: 'attachments.lineItems', message: 'the pricing section needs at least one line item' },
    ]);
  }
  if (request.section !== 'pricing' && hasItems) {
    throw badRequest('Only the pricing section has line items', [
      { field: 'attachments.lineItems', message: `not allowed for section ${request.section}` },
    ]);
  }
}

/** S2: each named service must be an active service of the catalogue; refused before the deal hears of it. */
async function refuseInactiveServices(
  db: Db,
  named: { field: string; serviceId: string }[],
  message: string,
): Promise<void> {
  if (named.length === 0) return;
  const active = await activeServiceIds(
    db,
    named.map((n) => n.serviceId),
  );
  const unknown = named.filter((n) => !active.has(n.serviceId));
  if (unknown.length === 0) return;
  throw badRequest(
    message,
    unknown.map(({ field }) => ({ field, message: 'not an active service (GET /v1/services?active=true)' })),
  );
}

/** S2: what a line item or a sale names must be an active service of the catalogue. */
async function checkServices(db: Db, request: EventRequest, event: DealEvent): Promise<void> {
  if (event.type === 'RECORD_SERVICES_SOLD') {
    const named = event.serviceIds.map((serviceId, i) => ({ field: `serviceIds.${i}`, serviceId }));
    return refuseInactiveServices(db, named, 'A service sold is not an active service of the catalogue');
  }
  if (request.type !== 'RECORD_PROPOSAL_SECTION') return;
  const items = (request.attachments?.lineItems ?? []) as { serviceId?: string }[];
  const named = items.flatMap((item, i) =>
    item.serviceId ? [{ field: `attachments.lineItems.${i}.serviceId`, serviceId: item.serviceId }] : [],
  );
  return refuseInactiveServices(
    db,
    named,
    'A line item names a service that is not an active service of the catalogue',
  );
}

/**
 * OW1: a deal goes only to an active user of an owner role; the machine checks who may hand it
 * over (409 `may_reassign`), the API who may receive it, which the machine cannot know. The
 * owner's name travels with the event so the deal (and the Temporal UI) can show it.
 */
async function withNewOwner(db: Db, event: DealEvent): Promise<DealEvent> {
  if (event.type !== 'REASSIGN') return event;
  const owner = await activeUserOf(db, event.ownerId, OWNER_ROLES);
  if (!owner) {
    throw badRequest('The new owner is not an active user who may own deals', [
      { field: 'ownerId', message: `not an active user of role ${OWNER_ROLES.join(' or ')}` },
    ]);
  }
  return { ...event, ownerName: owner.name };
}

type SendInput = RouteInput<z.infer<typeof idParams>, undefined, z.infer<typeof eventRequest>>;

/** Validates the event as the machine will, sends it to the deal and answers with the deal after it. */
async function sendEvent(deps: AppDeps, { req, principal, params, body, idempotencyKey }: SendInput): Promise<Reply> {
  const request = body as EventRequest;
  checkAttachments(request);
  const expectedVersion = expectedVersionOf(req);
  await opportunityFor(deps.db, principal, params.id);
  const { attachments, ...fields } = request;
  const parsed = parseDealEvent({
    ...fields,
    actor: { id: principal.userId, role: principal.role },
    at: new Date().toISOString(),
  });
  if (!parsed.ok) {
    throw badRequest(
      'The event is invalid',
      parsed.issues.map((i) => ({ field: i.path === '(event)' ? 'body' : i.path, message: i.message })),
    );
  }
  await checkServices(deps.db, request, parsed.event);
  const event = await resolveHandoffClient(deps.db, await withNewOwner(deps.db, parsed.event));
  // Every attempt of one request sends the same token: the workflow keeps the hash of the first.
  const linkToken =
    request.type === 'SEND_PROPOSAL'
      ? await pendingSecretOf(deps.db, principal, idempotencyKey, () => randomBytes(32).toString('base64url'))
      : undefined;
  const stored = linkToken ? { ...attachments, linkTokenHash: hashToken(linkToken) } : attachments;
  const view = await deps.deals.apply(params.id, event, {
    requestId: idempotencyKey ? requestIdOf(principal, idempotencyKey) : randomUUID(),
    expectedVersion,
    attachments: stored,
  });
  // The update's own result: a retry of an interrupted request answers with this event's outcome, not a later one.
  // Read without the ownership check made above: a rep that just handed its deal over no longer owns it.
  const current = await getOpportunity(deps.db, params.id);
  if (!current) throw notFound('The opportunity');
  const row = rowAsOf(current, view);
  const resource = opportunityResource(row, deps.config, await userNames(deps.db, namedIdsOf(row)));
  const headers = { ETag: etagOf(row) };
  if (!linkToken) return { body: resource, headers };
  return {
    body: { ...resource, proposalLink: { url: `/p/${linkToken}`, note: 'Shown once: only its hash is stored' } },
    replayBody: { ...resource, proposalLink: { url: null, note: LINK_SHOWN_ONCE } },
    headers,
  };
}

export function eventRoutes(deps: AppDeps) {
  const { db } = deps;
  const { router, add, list } = apiRouter('/v1', deps);

  add(
    {
      method: 'post',
      path: '/opportunities/:id/events',
      summary: 'Send one machine event to the deal (a transition or a fact)',
      description:
        'The body is one machine event without `actor` and `at` (taken from the token and the clock) plus its `attachments`. ' +
        'A refused move answers 409 with every unmet gate in `unmetGates` (`stage` first when the event is not valid in the deal\'s stage; every code is explained by `GET /v1/gates`); `If-Match: "<version>"` answers 412 when stale. ' +
        'SEND_PROPOSAL answers with the client link once. ' +
        "Daily pipeline work (OW1): `REASSIGN` hands the deal and its previous owner's open tasks to `ownerId`, an active user of role rep or ops (else 422 naming `ownerId`), sent by the current owner, ops or admin (else 409 `may_reassign`); " +
        '`RECORD_NOTE` keeps an internal note (`attachments.body`; never shown to portal users or proposal links); ' +
        '`UPDATE_DEAL` corrects title, company, contact, value, expected close date and probability (send `If-Match`), each change kept with before and after in the timeline.',
      tags: ['Events'],
      roles: ['admin', 'ops', 'rep'],
      params: idParams,
      body: eventRequest,
      ifMatch: true,
      success: { status: 200, description: 'The opportunity after the event', schema: eventResult, headers: ['ETag'] },
      errors: [404, 409, 412, 503],
    },
    async (input) => sendEvent(deps, input),
  );

  list(
    {
      path: '/opportunities/:id/events',
      summary: "The deal's event timeline",
      description: 'Every accepted event in order with owner, timestamp, stage before and after and next action (E1).',
      tags: ['Events'],
      roles: ['admin', 'ops', 'rep'],
      params: idParams,
      query: z.strictObject(pageQuery),
      errors: [404],
    },
    {
      of: 'timeline events',
      schema: timelinePage,
      resource: eventResource,
      idOf: (row) => `${row.opportunityId}#${row.position}`,
    },
    async ({ principal, params, query }) => {
      await opportunityFor(db, principal, params.id);
      return listEvents(db, { opportunityId: params.id, ...query });
    },
  );

  return router;
}
