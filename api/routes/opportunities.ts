import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { listOpportunities } from '../../db/queries/opportunities';
import { activeUserOf, userNames } from '../../db/queries/users-lookup';
import { OWNER_ROLES } from '../../machines/opportunity';
import type { Principal } from '../auth';
import type { AppDeps } from '../app';
import { etagOf, opportunityFor, uuidFromSeed } from '../access';
import { rowAsOf } from '../deal-outcome';
import { badRequest } from '../errors';
import { requestIdOf } from '../idempotency';
import { namedIdsOf, opportunityResource } from '../resources/opportunity';
import { apiRouter, type RouteInput } from '../route-kit';
import { idParams } from '../schemas/common';
import {
  createOpportunityBody,
  listOpportunitiesQuery,
  opportunityPageSchema,
  opportunitySchema,
} from '../schemas/opportunity';

const FIRST_ACTION_DUE_MS = 2 * 86_400_000;
const INTERNAL = ['admin', 'ops', 'rep'] as const;

type Routes = ReturnType<typeof apiRouter>;
type AddRoute = Routes['add'];
type Respond = (row: Parameters<typeof opportunityResource>[0]) => ReturnType<typeof opportunityResource>;
type CreateInput = RouteInput<undefined, undefined, z.infer<typeof createOpportunityBody>>;

/**
 * The name of the deal's owner. A named owner must be an active user of an owner role (OW1);
 * without one the caller owns the deal, whose token just proved it active.
 */
async function ownerNameOf(deps: AppDeps, principal: Principal, named: string | undefined): Promise<string | null> {
  if (named === undefined || named === principal.userId) {
    return (await userNames(deps.db, [principal.userId])).get(principal.userId) ?? null;
  }
  const owner = await activeUserOf(deps.db, named, OWNER_ROLES);
  if (!owner) {
    throw badRequest('The owner is not an active user who may own deals', [
      { field: 'ownerId', message: `not an active user of role ${OWNER_ROLES.join(' or ')}` },
    ]);
  }
  return owner.name;
}

/** Opens the lead a request asks for: the caller owns it unless ops or an admin names an owner. */
async function openLead(deps: AppDeps, { principal, body, idempotencyKey }: CreateInput) {
  if (principal.role === 'rep' && body.ownerId && body.ownerId !== principal.userId) {
    throw badRequest('A rep owns the deals it creates', [
      { field: 'ownerId', message: 'a rep cannot assign another owner' },
    ]);
  }
  const ownerId = principal.role === 'rep' ? principal.userId : (body.ownerId ?? principal.userId);
  const ownerName = await ownerNameOf(deps, principal, body.ownerId);
  const opportunityId = idempotencyKey
    ? uuidFromSeed(`opportunity\n${principal.userId}\n${idempotencyKey}`)
    : randomUUID();
  const view = await deps.deals.open(
    {
      opportunityId,
      title: body.title,
      company: body.company,
      ownerId,
      ownerName,
      source: body.source ?? null,
      createdAt: new Date().toISOString(),
      nextAction: {
        description: body.nextAction?.description ?? 'Qualify this lead',
        dueAt: body.nextAction?.dueAt ?? new Date(Date.now() + FIRST_ACTION_DUE_MS).toISOString(),
        ownerId: body.nextAction?.ownerId ?? ownerId,
      },
    },
    idempotencyKey ? requestIdOf(principal, idempotencyKey) : undefined,
  );
  // As the deal was opened, also for a retry that finds it moved on since.
  return { opportunityId, row: rowAsOf(await opportunityFor(deps.db, principal, opportunityId), view) };
}

function listRoute(deps: AppDeps, list: Routes['list'], respond: Respond): void {
  list(
    {
      path: '/opportunities',
      summary: 'Find opportunities: text search, filters and sorts',
      description:
        'Text search over company, title and contact (`q`), filters that combine with AND, and a sort. A rep sees only its own deals.\n\n' +
        'Keyset pagination on (sort key, id): pass `nextCursor` back as `cursor` with the same `sort` and `order` (another sort is 400). ' +
        "Each page starts strictly after the sort key and id the previous page's last row had when that page was read, so a deal that " +
        'matches throughout and whose sort key does not change is listed exactly once however other deals change meanwhile; a deal whose ' +
        'sort key changes during the walk is listed where its new key falls (again if still ahead of the cursor, not at all if it moved behind).',
      tags: ['Opportunities'],
      roles: INTERNAL,
      query: listOpportunitiesQuery,
    },
    {
      of: 'opportunities',
      schema: opportunityPageSchema,
      resource: respond,
      unreadable: (_row, item) => item.unreadable ?? [],
    },
    async ({ principal, query }) => {
      const ownerId = principal.role === 'rep' ? principal.userId : query.ownerId;
      if (principal.role === 'rep' && query.ownerId && query.ownerId !== principal.userId)
        return { items: [], nextCursor: null };
      const updatedSince = query.updatedSince === undefined ? undefined : new Date(query.updatedSince);
      return listOpportunities(deps.db, { ...query, ownerId, updatedSince });
    },
  );
}

function createRoute(deps: AppDeps, add: AddRoute): void {
  add(
    {
      method: 'post',
      path: '/opportunities',
      summary: 'Create a lead and start its deal workflow',
      description:
        'With an `Idempotency-Key` the new id is derived from the caller and the key, so a retry can never create two deals. ' +
        'A rep owns what it creates; ops or an admin may name `ownerId`, an active user of role rep or ops (else 422 naming `ownerId`). ' +
        'The answer shows the owner with its name (`owner: {id, name}`).',
      tags: ['Opportunities'],
      roles: INTERNAL,
      body: createOpportunityBody,
      success: { status: 201, description: 'The new lead', schema: opportunitySchema, headers: ['Location', 'ETag'] },
      errors: [503],
    },
    async (input) => {
      const { opportunityId, row } = await openLead(deps, input);
      const names = await userNames(deps.db, namedIdsOf(row));
      return {
        body: opportunityResource(row, deps.config, names),
        headers: { Location: `/v1/opportunities/${opportunityId}`, ETag: etagOf(row) },
      };
    },
  );
}

function readRoute(deps: AppDeps, add: AddRoute): void {
  add(
    {
      method: 'get',
      path: '/opportunities/:id',
      summary: 'Read one opportunity',
      tags: ['Opportunities'],
      roles: INTERNAL,
      params: idParams,
      success: { status: 200, description: 'The opportunity', schema: opportunitySchema, headers: ['ETag'] },
      errors: [404],
    },
    async ({ principal, params }) => {
      const row = await opportunityFor(deps.db, principal, params.id);
      const names = await userNames(deps.db, namedIdsOf(row));
      return { body: opportunityResource(row, deps.config, names), headers: { ETag: etagOf(row) } };
    },
  );
}

export function opportunityRoutes(deps: AppDeps) {
  const { router, add, list } = apiRouter('/v1', deps);
  const respond: Respond = (row) => opportunityResource(row, deps.config);
  listRoute(deps, list, respond);
  createRoute(deps, add);
  readRoute(deps, add);
  return router;
}
