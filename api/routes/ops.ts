import { FOLLOW_UP_STAGES, listStuckDeals, PROPOSAL_WORK_STAGES, type StuckRow } from '../../db/queries/metrics';
import type { AppDeps } from '../app';
import { stuckPageSchema, stuckQuery, type STUCK_REASONS } from '../metrics/schemas';
import { iso } from '../resources/unreadable';
import { apiRouter } from '../route-kit';
import { pageFrom, pageBody, renderRows } from './pagination';

interface StuckReason {
  code: (typeof STUCK_REASONS)[number];
  why: string;
  since: Date;
}

/** Why a deal is on the stuck list, and since when (DL1). */
export function stuckReasons(row: StuckRow, now: Date): StuckReason[] {
  const reasons: StuckReason[] = [];
  if (row.blockedCode) reasons.push({ code: 'write_blocked', why: `A write was refused for good (${row.blockedCode}): ${row.blockedDetail ?? ''}`, since: row.blockedAt ?? row.updatedAt });
  const nextActionOverdue = row.overdue && row.nextActionDueAt !== null && row.nextActionDueAt <= now;
  const deadlinePassed = row.decisionDeadline !== null && row.decisionDeadline <= now;
  if (nextActionOverdue) reasons.push({ code: 'next_action_overdue', why: `Next action "${row.nextActionDescription ?? 'next action'}" is overdue`, since: row.nextActionDueAt! });
  if (deadlinePassed) reasons.push({ code: 'decision_deadline_passed', why: 'The decision deadline passed without a decision', since: row.decisionDeadline! });
  if (row.overdue && !nextActionOverdue && !deadlinePassed) reasons.push({ code: 'overdue', why: 'Flagged overdue by its workflow', since: row.updatedAt });
  if (row.followUpPauseReasons.length > 0 && (FOLLOW_UP_STAGES as readonly string[]).includes(row.stage)) {
    reasons.push({ code: 'follow_up_paused', why: `Follow-up paused: ${row.followUpPauseReasons.join(', ')}`, since: row.lastEventAt });
  }
  if (row.proposalPauseReasons.length > 0 && (PROPOSAL_WORK_STAGES as readonly string[]).includes(row.stage)) {
    reasons.push({ code: 'proposal_work_paused', why: `Proposal work paused: ${row.proposalPauseReasons.join(', ')}`, since: row.lastEventAt });
  }
  if (row.dormant) reasons.push({ code: 'dormant', why: 'No activity by a person for the dormancy period', since: row.lastActivityAt });
  return reasons;
}

/** DL1: the deals ops should look at, with why, since when and where to look in Temporal. */
export function opsRoutes({ db, config, logger }: AppDeps) {
  const { router, add } = apiRouter('/v1', db);
  const workflowLink = (workflowId: string) => (config.temporalUiUrl ? `${config.temporalUiUrl}/namespaces/default/workflows/${workflowId}` : null);

  add(
    {
      method: 'get',
      path: '/ops/stuck',
      summary: 'List stuck deals: overdue, paused, dormant or past their decision deadline (DL1)',
      description:
        'Open deals whose next action is overdue, whose decision deadline passed, that are dormant, whose follow-up is paused ' +
        '(from qualified on: in lead, consent and timing are still being gathered) or whose proposal work is paused (audit to sent). ' +
        'In id order; each with its reasons, since when, and a link to its workflow in the Temporal UI (null when the UI address is unknown).',
      tags: ['Ops'],
      roles: ['admin', 'ops'],
      query: stuckQuery,
      success: { status: 200, description: 'A page of stuck deals', schema: stuckPageSchema },
    },
    async ({ query }) => {
      const page = await pageFrom(() => listStuckDeals(db, query));
      const now = new Date();
      const stuckDeal = (row: StuckRow) => {
        const reasons = stuckReasons(row, now);
        const since = reasons.reduce((earliest, r) => (r.since < earliest ? r.since : earliest), reasons[0]?.since ?? row.updatedAt);
        return {
          id: row.id,
          title: row.title,
          company: row.company,
          stage: row.stage,
          ownerId: row.ownerId,
          reasons: reasons.map((r) => ({ ...r, since: iso(r.since) })),
          since: iso(since),
          links: { self: `/v1/opportunities/${row.id}`, workflow: workflowLink(row.workflowId) },
        };
      };
      return { body: pageBody(renderRows(page.items, stuckDeal, { logger, kind: 'stuck deal' }), page.nextCursor) };
    },
  );

  return router;
}
