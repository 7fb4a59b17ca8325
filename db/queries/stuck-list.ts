import { sql, type SQL } from 'drizzle-orm';
import { FOLLOW_UP_STAGES, PROPOSAL_WORK_STAGES } from '../../machines/opportunity/vocabulary';
import type { Db } from '../client';
import { opportunities, type OpportunityRow } from '../schema';
import { lastActivityAt, lastEventAt } from './deal-activity';
import { keysetQuery, prepared, readPage, type Keyset, type Page, type PageRequest } from './support';
import { filterColumns } from './list-filters';

/* DL1: the deals on the stuck list (prepared); machines/opportunity/stuck-reasons.ts says why each is there. */

const sqlList = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(', '));
/** A text as timestamptz, or NULL when Postgres cannot read it as one (migration 0006). */
const timestampOrNull = (text: SQL) => sql`timestamptz_or_null(${text})`;

export type StuckRow = Pick<
  OpportunityRow,
  | 'id'
  | 'title'
  | 'company'
  | 'stage'
  | 'ownerId'
  | 'workflowId'
  | 'overdue'
  | 'dormant'
  | 'nextActionDescription'
  | 'nextActionDueAt'
  | 'decisionDeadline'
  | 'followUpPauseReasons'
  | 'proposalPauseReasons'
  | 'blockedCode'
  | 'blockedDetail'
  | 'blockedAt'
  | 'handoffBlockers'
  | 'updatedAt'
> & { lastActivityAt: Date; lastEventAt: Date };

/** The stuck list's columns: the deal's own, its next action as the machine has it, and its last activity. */
const stuckColumns = {
  id: opportunities.id,
  title: opportunities.title,
  company: opportunities.company,
  stage: opportunities.stage,
  ownerId: opportunities.ownerId,
  workflowId: opportunities.workflowId,
  overdue: opportunities.overdue,
  dormant: opportunities.dormant,
  // A new lead's row carries its first next action only in the snapshot until its first event.
  nextActionDescription: sql<
    string | null
  >`coalesce(${opportunities.nextActionDescription}, ${opportunities.snapshot}->'context'->'nextAction'->>'description')`,
  // Cast only text Postgres reads as a timestamp: one snapshot's bad date must not fail the whole list.
  nextActionDueAt:
    sql<Date | null>`coalesce(${opportunities.nextActionDueAt}, ${timestampOrNull(sql`${opportunities.snapshot}->'context'->'nextAction'->>'dueAt'`)})`.mapWith(
      opportunities.nextActionDueAt,
    ),
  decisionDeadline: opportunities.decisionDeadline,
  followUpPauseReasons: opportunities.followUpPauseReasons,
  proposalPauseReasons: opportunities.proposalPauseReasons,
  blockedCode: opportunities.blockedCode,
  blockedDetail: opportunities.blockedDetail,
  blockedAt: opportunities.blockedAt,
  handoffBlockers: opportunities.handoffBlockers,
  updatedAt: opportunities.updatedAt,
  lastActivityAt,
  lastEventAt,
};

const stuckList = {
  filters: filterColumns(opportunities, 'ownerId'),
  /**
   * DL1: open deals that are overdue, paused (follow-up in FOLLOW_UP_STAGES, proposal work in
   * PROPOSAL_WORK_STAGES), dormant, or past their decision deadline, deals of any stage
   * whose last write was refused for good (blocked), and won deals whose handoff waits on
   * blockers (HO1).
   */
  where: sql`(${opportunities.blockedCode} IS NOT NULL
    OR (${opportunities.stage} = 'won' AND ${opportunities.handoffBlockers} <> '[]'::jsonb AND jsonb_typeof(${opportunities.handoffBlockers}) = 'array')
    OR (${opportunities.stage} NOT IN ('won', 'handed_off', 'lost') AND (${opportunities.overdue} OR ${opportunities.dormant}
    OR (${opportunities.stage} IN (${sqlList(FOLLOW_UP_STAGES)}) AND cardinality(${opportunities.followUpPauseReasons}) > 0)
    OR (${opportunities.stage} IN (${sqlList(PROPOSAL_WORK_STAGES)}) AND cardinality(${opportunities.proposalPauseReasons}) > 0)
    OR (${opportunities.stage} = 'sent' AND ${opportunities.decisionDeadline} <= now()))))`,
  order: [opportunities.id],
} satisfies Keyset;

/** DL1: the stuck deals, optionally of one owner, in id order with an opaque keyset cursor (prepared). */
export function listStuckDeals(db: Db, request: PageRequest & { ownerId?: string }): Promise<Page<StuckRow>> {
  const statement = prepared(db, 'metrics_stuck_deals', (d) =>
    keysetQuery(d.select(stuckColumns).from(opportunities).$dynamic(), stuckList),
  );
  return readPage(statement, stuckList, request);
}
