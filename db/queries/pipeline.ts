import { and, sql } from 'drizzle-orm';
import {
  blockedTime,
  forecast,
  GATE_FACT_EVENTS,
  HANDOFF_NOTES,
  openPipeline,
  outcomes,
  stagesOfCode,
  BLOCKED_CODES,
  timeInStage,
  type BlockedTime,
  type DealLog,
  type Decision,
  type Forecast,
  type OpenGroup,
  type OpenPipeline,
  type Outcomes,
  type Period,
  type StageTime,
} from '../../machines/opportunity/pipeline-metrics';
import { OPEN_STAGES, type OpenStage, type Stage } from '../../machines/opportunity/vocabulary';
import type { Db } from '../client';
import { opportunities, opportunityEvents } from '../schema';
import { STAGE_MOVE_COLUMNS } from './funnel';
import { prepared } from './support';

/* PV1: the facts behind the pipeline figures (prepared); machines/opportunity/pipeline-metrics.ts defines them. */

const sqlList = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(', '));
/** Only the deals of one owner when the placeholder `ownerId` is given (the deal's current owner). */
const ofOwner = sql`(${sql.placeholder('ownerId')}::text IS NULL OR ${opportunities.ownerId} = ${sql.placeholder('ownerId')}::text)`;

/** The probability the last sent proposal recorded, when the snapshot holds a number there. */
const proposalProbability = sql`(CASE WHEN jsonb_typeof(${opportunities.snapshot}->'context'->'proposal'->'probability') = 'number' THEN (${opportunities.snapshot}->'context'->'proposal'->>'probability')::numeric END)`;
const probability = sql`coalesce(${opportunities.probability}::numeric, ${proposalProbability})`;
/** A currency only with a value: a deal without one is counted apart, whatever currency it names. */
const currency = sql<
  string | null
>`(CASE WHEN ${opportunities.valueCents} IS NULL THEN NULL ELSE ${opportunities.currency} END)`;
const closeMonth = sql<string | null>`to_char(${opportunities.expectedCloseDate}, 'YYYY-MM')`;
const countWhere = (condition: ReturnType<typeof sql>) =>
  sql<number>`count(*) FILTER (WHERE ${condition})`.mapWith(Number);

/** The open deals summed per stage, owner, currency and expected close month. */
async function openGroups(db: Db, ownerId: string | null): Promise<OpenGroup[]> {
  const statement = prepared(db, 'pipeline_open_groups', (d) =>
    d
      .select({
        stage: opportunities.stage,
        ownerId: opportunities.ownerId,
        currency,
        closeMonth,
        deals: sql<number>`count(*)`.mapWith(Number),
        valueCents: sql<number>`coalesce(sum(${opportunities.valueCents}), 0)::text`.mapWith(Number),
        weightedNumerator: sql<number>`coalesce(sum(${opportunities.valueCents} * ${probability}), 0)::text`.mapWith(
          Number,
        ),
        byDeal: countWhere(sql`${opportunities.probability} IS NOT NULL`),
        byProposal: countWhere(sql`${opportunities.probability} IS NULL AND ${proposalProbability} IS NOT NULL`),
        byNone: countWhere(sql`${probability} IS NULL`),
      })
      .from(opportunities)
      .where(and(sql`${opportunities.stage} IN (${sqlList(OPEN_STAGES)})`, ofOwner))
      .groupBy(opportunities.stage, opportunities.ownerId, currency, closeMonth),
  );
  const rows = await statement.execute({ ownerId });
  return rows.map((r) => ({
    stage: r.stage as OpenStage,
    ownerId: r.ownerId,
    currency: r.currency,
    closeMonth: r.closeMonth,
    deals: r.deals,
    valueCents: r.valueCents,
    weightedNumerator: r.weightedNumerator,
    probability: { deal: r.byDeal, proposal: r.byProposal, none: r.byNone },
  }));
}

/** The moves into won or lost in the period, with the deal's value now and the loss's reason. */
function decisions(db: Db, period: Period, ownerId: string | null): Promise<Decision[]> {
  const statement = prepared(db, 'pipeline_decisions', (d) =>
    d
      .select({
        opportunityId: opportunityEvents.opportunityId,
        outcome: sql<'won' | 'lost'>`${opportunityEvents.stageAfter}::text`,
        occurredAt: opportunityEvents.occurredAt,
        reason: sql<string | null>`${opportunityEvents.payload}->>'reason'`,
        valueCents: opportunities.valueCents,
        currency: opportunities.currency,
      })
      .from(opportunityEvents)
      .innerJoin(opportunities, sql`${opportunities.id} = ${opportunityEvents.opportunityId}`)
      .where(
        and(
          sql`${opportunityEvents.stageAfter} IN ('won', 'lost')`,
          sql`${opportunityEvents.stageBefore} IS DISTINCT FROM ${opportunityEvents.stageAfter}`,
          sql`${opportunityEvents.occurredAt} >= ${sql.placeholder('from')}::timestamptz`,
          sql`${opportunityEvents.occurredAt} < ${sql.placeholder('to')}::timestamptz`,
          ofOwner,
        ),
      ),
  );
  return statement.execute({ from: period.from.toISOString(), to: period.to.toISOString(), ownerId });
}

/** Stages in which some followed code can hold a deal up. */
const BLOCKING_STAGES = [...new Set(BLOCKED_CODES.flatMap(stagesOfCode))];
/** Log rows the log-based figures read: stage moves, the facts of the logged gates, the handoff's notes. */
const relevantRow = sql`(${opportunityEvents.stageBefore} IS DISTINCT FROM ${opportunityEvents.stageAfter}
  OR ${opportunityEvents.eventType} IN (${sqlList([...GATE_FACT_EVENTS, ...HANDOFF_NOTES])}))`;

/**
 * The deals the log-based figures can see in the period: those with a relevant row in it, and
 * those sitting all through it in a stage where they can be held up (no row, same stage).
 */
function periodDeals(db: Db, period: Period, ownerId: string | null) {
  const statement = prepared(db, 'pipeline_period_deals', (d) =>
    d
      .select({
        id: opportunities.id,
        ownerId: opportunities.ownerId,
        company: opportunities.company,
        createdAt: opportunities.createdAt,
      })
      .from(opportunities)
      .where(
        and(
          ofOwner,
          sql`${opportunities.createdAt} < ${sql.placeholder('to')}::timestamptz`,
          sql`(${opportunities.stage} IN (${sqlList(BLOCKING_STAGES)}) OR EXISTS (
            SELECT 1 FROM ${opportunityEvents} WHERE ${opportunityEvents.opportunityId} = "opportunities"."id"
              AND ${opportunityEvents.occurredAt} >= ${sql.placeholder('from')}::timestamptz
              AND ${opportunityEvents.occurredAt} < ${sql.placeholder('to')}::timestamptz AND ${relevantRow}))`,
        ),
      ),
  );
  return statement.execute({ from: period.from.toISOString(), to: period.to.toISOString(), ownerId });
}

/** The relevant rows of these deals before the period's end, in log order; payloads only where read. */
function periodRows(db: Db, ids: string[], to: Date) {
  const statement = prepared(db, 'pipeline_period_rows', (d) =>
    d
      .select({
        ...STAGE_MOVE_COLUMNS,
        payload: sql<unknown>`(CASE WHEN ${opportunityEvents.eventType} IN (${sqlList([...GATE_FACT_EVENTS, ...HANDOFF_NOTES])}) THEN ${opportunityEvents.payload} END)`,
      })
      .from(opportunityEvents)
      .where(
        and(
          sql`${opportunityEvents.opportunityId} = ANY(${sql.placeholder('ids')}::uuid[])`,
          sql`${opportunityEvents.occurredAt} < ${sql.placeholder('to')}::timestamptz`,
          sql`isfinite(${opportunityEvents.occurredAt})`,
          relevantRow,
        ),
      )
      .orderBy(opportunityEvents.opportunityId, opportunityEvents.position),
  );
  return statement.execute({ ids, to: to.toISOString() });
}

async function dealLogs(db: Db, period: Period, ownerId: string | null): Promise<DealLog[]> {
  const deals = await periodDeals(db, period, ownerId);
  if (deals.length === 0) return [];
  const rows = await periodRows(
    db,
    deals.map((d) => d.id),
    period.to,
  );
  const byDeal = new Map<string, DealLog['rows']>();
  for (const { opportunityId, ...row } of rows) {
    const list = byDeal.get(opportunityId) ?? [];
    list.push({ ...row, stageBefore: row.stageBefore as Stage | null, stageAfter: row.stageAfter as Stage });
    byDeal.set(opportunityId, list);
  }
  return deals.map((d) => ({ ...d, rows: byDeal.get(d.id) ?? [] }));
}

export interface PipelineFacts {
  open: OpenPipeline;
  forecast: Forecast;
  outcomes: Outcomes;
  timeInStage: StageTime[];
  blocked: BlockedTime[];
}

/** PV1: open and weighted value now, forecast, won and lost in the period, time in stage and time blocked. */
export async function pipelineMetrics(
  db: Db,
  period: Period,
  filter: { ownerId?: string },
  now: Date = new Date(),
): Promise<PipelineFacts> {
  const ownerId = filter.ownerId ?? null;
  const groups = await openGroups(db, ownerId);
  const logs = await dealLogs(db, period, ownerId);
  return {
    open: openPipeline(groups),
    forecast: forecast(groups),
    outcomes: outcomes(await decisions(db, period, ownerId)),
    timeInStage: timeInStage(logs, period),
    blocked: blockedTime(logs, period, now),
  };
}
