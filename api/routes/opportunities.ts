import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import { getOpportunity } from '../../db/queries/opportunities';
import type { AppDeps } from '../app';
import { assertCanActOn, principalOf, requireRole } from '../auth';
import { notFound } from '../errors';
import { opportunityResource } from '../resources/opportunity';
import { parse } from '../validation';

export const createOpportunityBody = z.strictObject({
  title: z.string().trim().min(1).max(200),
  company: z.string().trim().min(1).max(200),
  source: z.string().trim().min(1).max(200).optional(),
  ownerId: z.uuid().optional(),
  /** The lead's first next action (E1); without one, "Qualify this lead" is due in two days. */
  nextAction: z
    .strictObject({
      description: z.string().trim().min(1).max(500),
      dueAt: z.iso.datetime({ offset: true }),
      ownerId: z.string().min(1).max(200).optional(),
    })
    .optional(),
});

const FIRST_ACTION_DUE_MS = 2 * 86_400_000;

export const opportunityParams = z.object({ id: z.uuid() });

export function opportunityRoutes(deps: AppDeps): Router {
  const router = Router();
  const { db, deals } = deps;

  const load = async (id: string) => {
    const row = await getOpportunity(db, id);
    if (!row) throw notFound('The opportunity');
    return row;
  };
  const respond = (row: Awaited<ReturnType<typeof load>>) => opportunityResource(row, { temporalUi: deps.config.temporalUiUrl });

  router.post('/opportunities', requireRole('admin', 'ops', 'rep'), async (req, res) => {
    const principal = principalOf(req);
    const body = parse(createOpportunityBody, req.body, 'body');
    const ownerId = principal.role === 'rep' ? principal.userId : (body.ownerId ?? principal.userId);
    if (principal.role === 'rep' && body.ownerId && body.ownerId !== principal.userId) assertCanActOn(principal, body.ownerId);
    const opportunityId = randomUUID();
    await deals.open({
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
    });
    const row = await load(opportunityId);
    res.status(201).location(`/v1/opportunities/${opportunityId}`).set('ETag', `"${row.version}"`).json(respond(row));
  });

  router.get('/opportunities/:id', requireRole('admin', 'ops', 'rep'), async (req, res) => {
    const { id } = parse(opportunityParams, req.params, 'params');
    const row = await load(id);
    assertCanActOn(principalOf(req), row.ownerId);
    res.set('ETag', `"${row.version}"`).json(respond(row));
  });

  return router;
}
