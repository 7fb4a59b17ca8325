import { userNames } from '../../db/queries/users-lookup';
import { listStuckDeals, type StuckRow } from '../../db/queries/stuck-list';
import { stuckReasons, stuckSince } from '../../machines/opportunity/stuck-reasons';
import type { AppDeps } from '../app';
import { stuckPageSchema, stuckQuery } from '../metrics/schemas';
import { dealHeading, handoffBlockersOf } from '../resources/opportunity';
import { iso } from '../resources/unreadable';
import { apiRouter } from '../route-kit';
import { workflowUiLink } from '../temporal-ui';
import { pageFrom, pageBody, renderRows } from './pagination';

/** DL1: the deals ops should look at, with why, since when and where to look in Temporal. */
export function opsRoutes({ db, config, logger }: AppDeps) {
  const { router, add } = apiRouter('/v1', { db, logger });

  add(
    {
      method: 'get',
      path: '/ops/stuck',
      summary:
        'List stuck deals: overdue, paused, dormant, past their decision deadline, or a handoff that waits (DL1, HO1)',
      description:
        'Open deals whose next action is overdue, whose decision deadline passed, that are dormant, whose follow-up is paused ' +
        '(from qualified on: in lead, consent and timing are still being gathered) or whose proposal work is paused (audit to sent); ' +
        'deals whose last write was refused for good; and won deals whose handoff waits on blockers (reason `handoff_blocked`, the blockers in `handoffBlockers`). ' +
        'In id order; each with its reasons, since when, and a link to its workflow in the Temporal UI (null when the UI address is unknown).',
      tags: ['Ops'],
      roles: ['admin', 'ops'],
      query: stuckQuery,
      success: { status: 200, description: 'A page of stuck deals', schema: stuckPageSchema },
    },
    async ({ query }) => {
      const page = await pageFrom(() => listStuckDeals(db, query));
      const names = await userNames(
        db,
        page.items.map((row) => row.ownerId),
      );
      const now = new Date();
      const stuckDeal = (row: StuckRow) => {
        const blockers = handoffBlockersOf(row);
        const reasons = stuckReasons({ ...row, handoffBlockers: blockers }, now);
        return {
          ...dealHeading(row),
          ownerName: names.get(row.ownerId) ?? null,
          reasons: reasons.map((r) => ({ ...r, since: iso(r.since) })),
          since: iso(stuckSince(reasons, row.updatedAt)),
          handoffBlockers: blockers,
          links: { self: `/v1/opportunities/${row.id}`, workflow: workflowUiLink(config, row.workflowId) },
        };
      };
      return { body: pageBody(renderRows(page.items, stuckDeal, { logger, kind: 'stuck deal' }), page.nextCursor) };
    },
  );

  return router;
}
