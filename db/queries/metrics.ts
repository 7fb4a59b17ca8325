import { and, desc, eq, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { HANDOFF_RECORDS } from '../../machines/opportunity/vocabulary';
import type { Db } from '../client';
import { metricSnapshots, opportunities, opportunityEvents, type MetricSnapshotRow, type OpportunityRow } from '../schema';
import { handoffRecords } from './handoff';
import {
  computeFunnel,
  wonInPeriod,
  type DealFacts,
  type Funnel,
  type FunnelFilter,
  type LogEntry,
  type Period,
} from './metrics-definitions';
import {
  decodeCursor,
  insertIfAbsent,
  optionalAfter,
  optionalEquals,
  prepared,
  selectOne,
  toPage,
  uuidCursor,
  type Page,
  type PageRequest,
} from './support';

export type { MetricSnapshotRow };

/** M1: the live reads behind the funnel, the snapshots and the stuck list (prepared statements). */

const SYSTEM_ACTOR = 'system';
export const FUNNEL_SNAPSHOT_KIND = 'funnel';

/** The log rows of a period that the measures read: stage moves and dormancy recoveries, oldest first. */
async function periodEntries(db: Db, period: Period): Promise<LogEntry[]> {
  const statement = prepared(db, 'metrics_period_entries', (d) =>
    d
      .select({
        opportunityId: opportunityEvents.opportunityId,
        eventType: opportunityEvents.eventType,
        stageBefore: opportunityEvents.stageBefore,
        stageAfter: opportunityEvents.stageAfter,
        occurredAt: opportunityEvents.occurredAt,
        recoveredBy: sql<string | null>`${opportunityEvents.payload}->>'recoveredBy'`,
      })
      .from(opportunityEvents)
      .where(
        and(
          sql`${opportunityEvents.occurredAt} >= ${sql.placeholder('from')}::timestamptz`,
          sql`${opportunityEvents.occurredAt} < ${sql.placeholder('to')}::timestamptz`,
          sql`(${opportunityEvents.stageBefore} IS DISTINCT FROM ${opportunityEvents.stageAfter} OR ${opportunityEvents.eventType} = 'DORMANT_RECOVERED')`,
        ),
      )
      .orderBy(opportunityEvents.occurredAt, opportunityEvents.id),
  );
  return statement.execute({ from: period.from.toISOString(), to: period.to.toISOString() });
}

/** The deal's service for grouping: its qualification fact service_fit. */
const serviceOf = sql<string>`coalesce(nullif(btrim(${opportunities.snapshot}->'context'->'qualification'->>'service_fit'), ''), 'unspecified')`;
/** Subqueries name the outer row in full: drizzle writes a lone table's columns unqualified. */
const lastEventOf = (where: string) =>
  sql<Date>`coalesce((SELECT max(e.occurred_at) FROM ${opportunityEvents} e WHERE e.opportunity_id = "opportunities"."id"${sql.raw(where)}), "opportunities"."created_at")`.mapWith(
    opportunities.createdAt,
  );
/** The last event by a person (the workflow's own notes are by `system`). */
const lastActivityOf = lastEventOf(` AND e.actor_id <> '${SYSTEM_ACTOR}'`);

/** The deals a period touches: named by its log rows, created in it, or flagged dormant. */
async function periodDeals(db: Db, period: Period, ids: string[]): Promise<DealFacts[]> {
  const statement = prepared(db, 'metrics_period_deals', (d) =>
    d
      .select({
        id: opportunities.id,
        ownerId: opportunities.ownerId,
        service: serviceOf,
        createdAt: opportunities.createdAt,
        dormant: opportunities.dormant,
        lastActivityAt: lastActivityOf,
      })
      .from(opportunities)
      .where(
        sql`(${opportunities.id} = ANY(${sql.placeholder('ids')}::uuid[])
          OR (${opportunities.createdAt} >= ${sql.placeholder('from')}::timestamptz AND ${opportunities.createdAt} < ${sql.placeholder('to')}::timestamptz)
          OR ${opportunities.dormant})`,
      ),
  );
  return statement.execute({ ids, from: period.from.toISOString(), to: period.to.toISOString() });
}

/** How many of the required handoff records (HANDOFF_RECORDS) each deal has. */
async function recordsPresent(db: Db, ids: string[]): Promise<Map<string, number>> {
  const present = new Map<string, number>();
  for (const id of ids) {
    const records = await handoffRecords(db, id);
    present.set(id, HANDOFF_RECORDS.filter((name) => records[name]).length);
  }
  return present;
}

/** The funnel counts and the five measures of a period, in total, per owner and per service. */
export async function funnelMetrics(db: Db, period: Period, filter: FunnelFilter = {}): Promise<Funnel> {
  const entries = await periodEntries(db, period);
  const ids = [...new Set(entries.map((e) => e.opportunityId))];
  const deals = await periodDeals(db, period, ids);
  return computeFunnel({ period, filter, deals, entries, recordsPresent: await recordsPresent(db, wonInPeriod(entries)) });
}

/**
 * Computes the funnel of a period and stores it as an immutable `funnel` snapshot under
 * `key`; the same key again returns the stored snapshot (`created: false`) unchanged.
 */
export async function captureFunnelSnapshot(
  db: Db,
  input: { key: string; period: Period; trigger: string },
): Promise<{ snapshot: MetricSnapshotRow; created: boolean }> {
  const existing = await selectOne(db, metricSnapshots, eq(metricSnapshots.key, input.key));
  if (existing) return { snapshot: existing, created: false };
  const funnel = await funnelMetrics(db, input.period);
  const created = await insertIfAbsent(
    db,
    metricSnapshots,
    {
      key: input.key,
      kind: FUNNEL_SNAPSHOT_KIND,
      periodStart: input.period.from,
      periodEnd: input.period.to,
      values: { trigger: input.trigger, ...funnel },
    },
    metricSnapshots.key,
  );
  if (created) return { snapshot: created, created: true };
  return { snapshot: (await selectOne(db, metricSnapshots, eq(metricSnapshots.key, input.key)))!, created: false };
}

/** The last snapshot of the page, by id: its position is read from that (immutable) row, so any stored time pages. */
const snapshotCursor = z.object({ id: z.uuid() });

/** Snapshots of a kind, newest first, with an opaque keyset cursor (prepared). */
export async function listMetricSnapshots(db: Db, request: PageRequest & { kind: string }): Promise<Page<MetricSnapshotRow>> {
  const afterId = sql`${sql.placeholder('afterId')}::uuid`;
  const statement = prepared(db, 'metric_snapshots_list', (d) =>
    d
      .select()
      .from(metricSnapshots)
      .where(
        and(
          optionalEquals(metricSnapshots.kind, 'kind', 'text'),
          sql`(${afterId} IS NULL OR (${metricSnapshots.capturedAt}, ${metricSnapshots.id}) < (SELECT s.captured_at, s.id FROM ${metricSnapshots} s WHERE s.id = ${afterId}))`,
        ),
      )
      .orderBy(desc(metricSnapshots.capturedAt), desc(metricSnapshots.id))
      .limit(sql.placeholder('limit')),
  );
  const after = decodeCursor(request.cursor, snapshotCursor);
  const rows = await statement.execute({ kind: request.kind, afterId: after?.id ?? null, limit: request.limit + 1 });
  return toPage(rows, request.limit, (row) => ({ id: row.id }));
}

/** Proposal work happens in these stages; before them a proposal-work pause holds nothing up. */
export const PROPOSAL_WORK_STAGES = ['audit', 'proposal', 'approval', 'sent'] as const;
/** Follow-ups are promised from qualification on; in `lead` consent and timing are still being gathered (Q1). */
export const FOLLOW_UP_STAGES = ['qualified', 'discovery', 'audit', 'proposal', 'approval', 'sent', 'contract'] as const;
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
  | 'updatedAt'
> & { lastActivityAt: Date; lastEventAt: Date };

/**
 * DL1: open deals that are overdue, paused (follow-up in FOLLOW_UP_STAGES, proposal work in
 * PROPOSAL_WORK_STAGES), dormant, or past their decision deadline, and deals of any stage
 * whose last write was refused for good (blocked); in id order (prepared).
 */
export async function listStuckDeals(db: Db, request: PageRequest & { ownerId?: string }): Promise<Page<StuckRow>> {
  const statement = prepared(db, 'metrics_stuck_deals', (d) =>
    d
      .select({
        id: opportunities.id,
        title: opportunities.title,
        company: opportunities.company,
        stage: opportunities.stage,
        ownerId: opportunities.ownerId,
        workflowId: opportunities.workflowId,
        overdue: opportunities.overdue,
        dormant: opportunities.dormant,
        // A new lead's row carries its first next action only in the snapshot until its first event.
        nextActionDescription: sql<string | null>`coalesce(${opportunities.nextActionDescription}, ${opportunities.snapshot}->'context'->'nextAction'->>'description')`,
        // Cast only text Postgres reads as a timestamp: one snapshot's bad date must not fail the whole list.
        nextActionDueAt: sql<Date | null>`coalesce(${opportunities.nextActionDueAt}, ${timestampOrNull(sql`${opportunities.snapshot}->'context'->'nextAction'->>'dueAt'`)})`.mapWith(
          opportunities.nextActionDueAt,
        ),
        decisionDeadline: opportunities.decisionDeadline,
        followUpPauseReasons: opportunities.followUpPauseReasons,
        proposalPauseReasons: opportunities.proposalPauseReasons,
        blockedCode: opportunities.blockedCode,
        blockedDetail: opportunities.blockedDetail,
        blockedAt: opportunities.blockedAt,
        updatedAt: opportunities.updatedAt,
        lastActivityAt: lastActivityOf,
        lastEventAt: lastEventOf(''),
      })
      .from(opportunities)
      .where(
        and(
          sql`(${opportunities.blockedCode} IS NOT NULL OR (${opportunities.stage} NOT IN ('won', 'handed_off', 'lost') AND (${opportunities.overdue} OR ${opportunities.dormant}
            OR (${opportunities.stage} IN (${sqlList(FOLLOW_UP_STAGES)}) AND cardinality(${opportunities.followUpPauseReasons}) > 0)
            OR (${opportunities.stage} IN (${sqlList(PROPOSAL_WORK_STAGES)}) AND cardinality(${opportunities.proposalPauseReasons}) > 0)
            OR ${opportunities.decisionDeadline} <= now())))`,
          optionalEquals(opportunities.ownerId, 'ownerId', 'text'),
          optionalAfter(opportunities.id, 'after', 'uuid'),
        ),
      )
      .orderBy(opportunities.id)
      .limit(sql.placeholder('limit')),
  );
  const after = decodeCursor(request.cursor, uuidCursor)?.id ?? null;
  const rows = await statement.execute({ ownerId: request.ownerId ?? null, after, limit: request.limit + 1 });
  return toPage(rows, request.limit, (row) => ({ id: row.id }));
}
