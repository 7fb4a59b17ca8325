import { and, sql } from 'drizzle-orm';
import {
  computeFunnel,
  handedOffInPeriod,
  wonInPeriod,
  type DealFacts,
  type Funnel,
  type FunnelFilter,
  type LogEntry,
  type Period,
} from '../../machines/opportunity/metrics';
import { HANDOFF_RECORDS } from '../../machines/opportunity/vocabulary';
import type { Db } from '../client';
import { opportunities, opportunityEvents } from '../schema';
import { lastActivityAt } from './deal-activity';
import { handoffRecords } from './handoff';
import { prepared } from './support';

/* M1: the facts behind the funnel of a period (prepared); machines/opportunity/metrics.ts defines the measures. */

/** What the measures read of each log row: which deal, which event, the stage move and when (M1, PV1). */
export const STAGE_MOVE_COLUMNS = {
  opportunityId: opportunityEvents.opportunityId,
  eventType: opportunityEvents.eventType,
  stageBefore: opportunityEvents.stageBefore,
  stageAfter: opportunityEvents.stageAfter,
  occurredAt: opportunityEvents.occurredAt,
};

/** The log rows of a period that the measures read: stage moves and dormancy recoveries, oldest first. */
async function periodEntries(db: Db, period: Period): Promise<LogEntry[]> {
  const statement = prepared(db, 'metrics_period_entries', (d) =>
    d
      .select({
        ...STAGE_MOVE_COLUMNS,
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
        lastActivityAt,
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

/**
 * How many of the required handoff records (HANDOFF_RECORDS) each deal has complete: judged by
 * `handoffRecords`, by their required fields against the deal's recorded context (HO1).
 */
async function recordsPresent(db: Db, ids: string[]): Promise<Map<string, number>> {
  const present = new Map<string, number>();
  for (const id of ids) {
    const records = await handoffRecords(db, id);
    present.set(id, HANDOFF_RECORDS.filter((name) => records[name]).length);
  }
  return present;
}

/** Each deal's last move into won, wherever it lies: the start of its handoff (handed_off is final, so it precedes the handoff). */
async function lastWonAt(db: Db, ids: string[]): Promise<Map<string, Date>> {
  if (ids.length === 0) return new Map();
  const statement = prepared(db, 'metrics_last_won_at', (d) =>
    d
      .select({
        opportunityId: opportunityEvents.opportunityId,
        wonAt: sql<Date>`max(${opportunityEvents.occurredAt})`.mapWith(opportunityEvents.occurredAt),
      })
      .from(opportunityEvents)
      .where(
        and(
          sql`${opportunityEvents.opportunityId} = ANY(${sql.placeholder('ids')}::uuid[])`,
          sql`${opportunityEvents.stageAfter} = 'won'`,
          sql`${opportunityEvents.stageBefore} IS DISTINCT FROM 'won'`,
          sql`isfinite(${opportunityEvents.occurredAt})`,
        ),
      )
      .groupBy(opportunityEvents.opportunityId),
  );
  const rows = await statement.execute({ ids });
  return new Map(rows.map((r) => [r.opportunityId, r.wonAt]));
}

/** The funnel counts, the five measures and the time to handoff of a period, in total, per owner and per service. */
export async function funnelMetrics(db: Db, period: Period, filter: FunnelFilter = {}): Promise<Funnel> {
  const entries = await periodEntries(db, period);
  const ids = [...new Set(entries.map((e) => e.opportunityId))];
  const deals = await periodDeals(db, period, ids);
  return computeFunnel({
    period,
    filter,
    deals,
    entries,
    handoff: {
      recordsPresent: await recordsPresent(db, wonInPeriod(entries)),
      wonAt: await lastWonAt(db, handedOffInPeriod(entries)),
    },
  });
}
