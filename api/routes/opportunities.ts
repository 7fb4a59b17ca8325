import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { listOpportunities } from '../../db/queries/opportunities';
import type { AppDeps } from '../app';
import { etagOf, opportunityFor, uuidFromSeed } from '../access';
import { rowAsOf } from '../deal-outcome';
import { badRequest } from '../errors';
import { requestIdOf } from '../idempotency';
import { opportunityResource } from '../resources/opportunity';
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

/** Opens the lead a request asks for: the caller owns it unless ops or an admin names an owner. */
async function openLead(deps: AppDeps, { principal, body, idempotencyKey }: CreateInput) {
  if (principal.role === 'rep' && body.ownerId && body.ownerId !== principal.userId) {
    throw badRequest('A rep owns the deals it creates', [
      { field: 'ownerId', message: 'a rep cannot assign another owner' },
    ]);
  }
  const ownerId = principal.role === 'rep' ? principal.userId : (body.ownerId ?? principal.userId);
  const opportunityId = idempotencyKey
    ? uuidFromSeed(`opportunity\n${principal.userId}\n${idempotencyKey}`)
    : randomUUID();
  const view = await deps.deals.open(
    {
      opportunityId,
      title: body.title,
      company: body.company,
      ownerId,
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
      summary: 'List opportunities by stage, owner and flags',
      description: 'Keyset pagination: pass `nextCursor` back as `cursor`. A rep sees only its own deals.',
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
      return listOpportunities(deps.db, { ...query, ownerId });
    },
  );
}

function createRoute(deps: AppDeps, add: AddRoute, respond: Respond): void {
  add(
    {
      method: 'post',
      path: '/opportunities',
      summary: 'Create a lead and start its deal workflow',
      description:
        'With an `Idempotency-Key` the new id is derived from the caller and the key, so a retry can never create two deals.',
      tags: ['Opportunities'],
      roles: INTERNAL,
      body: createOpportunityBody,
      success: { status: 201, description: 'The new lead', schema: opportunitySchema, headers: ['Location', 'ETag'] },
      errors: [503],
    },
    async (input) => {
      const { opportunityId, row } = await openLead(deps, input);
      return { body: respond(row), headers: { Location: `/v1/opportunities/${opportunityId}`, ETag: etagOf(row) } };
    },
  );
}

function readRoute(deps: AppDeps, add: AddRoute, respond: Respond): void {
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
      return { body: respond(row), headers: { ETag: etagOf(row) } };
    },
  );
}

export function opportunityRoutes(deps: AppDeps) {
  const { router, add, list } = apiRouter('/v1', deps);
  const respond: Respond = (row) => opportunityResource(row, deps.config);
  listRoute(deps, list, respond);
  createRoute(deps, add, respond);
  readRoute(deps, add, respond);
  return router;
}
