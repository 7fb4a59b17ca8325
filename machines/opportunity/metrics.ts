import { HANDOFF_RECORDS, STAGES, type Stage } from './vocabulary';

/*
 * M1: the five measures of the guide, as pure functions of the event log over a period
 * [from, to). The SQL in db/queries/funnel.ts only fetches facts; every definition lives here.
 *
 * A "move into S" is an opportunity_events row with stage_after = S and stage_before <> S.
 * A deal "enters lead" in the period when it was created in it (opportunities.created_at)
 * or moved into lead in it (REACTIVATE). Every count is of distinct deals, so a deal that
 * is reactivated, lost or won twice in one period counts once.
 *
 * - qualificationRate = of the deals that entered lead in the period, the share that then
 *   moved into qualified before the period ended.
 * - proposalRate = of the deals that moved into qualified in the period, the share that then
 *   moved into sent before the period ended.
 * - closeRate = won / (won + lost) over the deals decided in the period (a move into won or
 *   lost); a deal decided twice counts by its last decision in the period.
 * - dormantRecovery = of the deals dormant during the period, the share recovered: a
 *   DORMANT_RECOVERED row in the period whose recovering event was not MARK_LOST. Dormant
 *   during the period = a DORMANT_RECOVERED row in it, or flagged dormant now with its last
 *   person activity before the period's end.
 * - handoffCompleteness = of the deals that moved into won in the period, the share that then
 *   moved into handed_off before the period ended; `handoffRecords` is the share of the
 *   required handoff records (client, project, tasks, portal, connectors, reporting) those
 *   deals have.
 *
 * A rate with no deals in its denominator is null (never 0 or NaN).
 */

export const RATE_NAMES = [
  'qualificationRate',
  'proposalRate',
  'closeRate',
  'dormantRecovery',
  'handoffCompleteness',
] as const;
export type RateName = (typeof RATE_NAMES)[number];

export const RATE_DEFINITIONS: Record<RateName | 'handoffRecords', string> = {
  qualificationRate:
    'Deals that entered lead in the period (created or reactivated) and then moved into qualified before its end, divided by the deals that entered lead in the period.',
  proposalRate:
    'Deals that moved into qualified in the period and then into sent before its end, divided by the deals that moved into qualified in the period.',
  closeRate:
    'Deals whose last decision in the period was won, divided by the deals decided (moved into won or lost) in the period.',
  dormantRecovery:
    'Deals recovered from dormancy in the period (a DORMANT_RECOVERED event not caused by MARK_LOST), divided by the deals dormant during the period (recovered in it, or still flagged dormant with their last activity before its end).',
  handoffCompleteness:
    'Deals that moved into won in the period and then into handed_off before its end, divided by the deals that moved into won in the period.',
  handoffRecords:
    'Required handoff records (client, project, tasks, portal, connectors, reporting) present for the deals won in the period, divided by six times those deals.',
};

export interface Period {
  from: Date;
  to: Date;
}

/** What the metrics read of one deal. */
export interface DealFacts {
  id: string;
  ownerId: string;
  /** The qualification fact service_fit, or `unspecified`. */
  service: string;
  createdAt: Date;
  dormant: boolean;
  /** The last event by a person (not the workflow), else the creation time. */
  lastActivityAt: Date;
}

/** A row of the log in the period: a move between stages, or a DORMANT_RECOVERED note. */
export interface LogEntry {
  opportunityId: string;
  eventType: string;
  stageBefore: Stage | null;
  stageAfter: Stage;
  occurredAt: Date;
  /** DORMANT_RECOVERED only: the event type that ended the dormancy. */
  recoveredBy: string | null;
}

export interface Rate {
  value: number | null;
  numerator: number;
  denominator: number;
}

export interface FunnelReport {
  /** Distinct deals that entered each stage in the period (lead: created or reactivated). */
  counts: Record<Stage, number>;
  rates: Record<RateName, Rate>;
  handoffRecords: Rate;
}

/** What one deal contributes to each measure in the period. */
interface DealOutcome {
  entered: Set<Stage>;
  qualifiedFromLead: boolean;
  qualified: boolean;
  sentFromQualified: boolean;
  decision: 'won' | 'lost' | null;
  won: boolean;
  handedOffFromWon: boolean;
  dormant: boolean;
  recovered: boolean;
  /** Handoff records present (0..6) when the deal was won in the period. */
  recordsPresent: number;
}

export const isMove = (entry: LogEntry): boolean => entry.stageBefore !== entry.stageAfter;

const inPeriod = (at: Date, period: Period) => at >= period.from && at < period.to;

function firstMoveInto(entries: LogEntry[], stage: Stage, notBefore?: Date): Date | null {
  const found = entries.find((e) => isMove(e) && e.stageAfter === stage && (!notBefore || e.occurredAt >= notBefore));
  return found ? found.occurredAt : null;
}

/** `entries`: this deal's rows in the period, oldest first. */
function outcomeOf(deal: DealFacts, entries: LogEntry[], period: Period, recordsPresent: number): DealOutcome {
  const moves = entries.filter(isMove);
  const entered = new Set<Stage>(moves.map((e) => e.stageAfter));
  const createdInPeriod = inPeriod(deal.createdAt, period);
  if (createdInPeriod) entered.add('lead');
  const leadAt = createdInPeriod ? deal.createdAt : firstMoveInto(entries, 'lead');
  const qualifiedAt = firstMoveInto(entries, 'qualified');
  const wonAt = firstMoveInto(entries, 'won');
  const decisions = moves.filter((e) => e.stageAfter === 'won' || e.stageAfter === 'lost');
  const recoveries = entries.filter((e) => e.eventType === 'DORMANT_RECOVERED');
  return {
    entered,
    qualifiedFromLead: leadAt !== null && firstMoveInto(entries, 'qualified', leadAt) !== null,
    qualified: qualifiedAt !== null,
    sentFromQualified: qualifiedAt !== null && firstMoveInto(entries, 'sent', qualifiedAt) !== null,
    decision: decisions.length ? (decisions[decisions.length - 1].stageAfter as 'won' | 'lost') : null,
    won: wonAt !== null,
    handedOffFromWon: wonAt !== null && firstMoveInto(entries, 'handed_off', wonAt) !== null,
    dormant: recoveries.length > 0 || (deal.dormant && deal.lastActivityAt < period.to),
    recovered: recoveries.some((e) => e.recoveredBy !== 'MARK_LOST'),
    recordsPresent,
  };
}

export const rate = (numerator: number, denominator: number): Rate => ({
  value: denominator === 0 ? null : numerator / denominator,
  numerator,
  denominator,
});

function report(outcomes: DealOutcome[]): FunnelReport {
  const count = (test: (o: DealOutcome) => boolean) => outcomes.filter(test).length;
  const counts = Object.fromEntries(STAGES.map((stage) => [stage, count((o) => o.entered.has(stage))])) as Record<
    Stage,
    number
  >;
  const won = outcomes.filter((o) => o.won);
  return {
    counts,
    rates: {
      qualificationRate: rate(
        count((o) => o.qualifiedFromLead),
        counts.lead,
      ),
      proposalRate: rate(
        count((o) => o.sentFromQualified),
        count((o) => o.qualified),
      ),
      closeRate: rate(
        count((o) => o.decision === 'won'),
        count((o) => o.decision !== null),
      ),
      dormantRecovery: rate(
        count((o) => o.dormant && o.recovered),
        count((o) => o.dormant),
      ),
      handoffCompleteness: rate(
        count((o) => o.handedOffFromWon),
        won.length,
      ),
    },
    handoffRecords: rate(
      won.reduce((sum, o) => sum + o.recordsPresent, 0),
      won.length * HANDOFF_RECORDS.length,
    ),
  };
}

export interface FunnelFilter {
  ownerId?: string;
  service?: string;
}

export interface Funnel {
  period: { from: string; to: string };
  filter: FunnelFilter;
  /** Deals that count in at least one measure of the period. */
  deals: number;
  total: FunnelReport;
  byOwner: (FunnelReport & { ownerId: string })[];
  byService: (FunnelReport & { service: string })[];
}

function groupBy<T>(items: T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(keyOf(item), [...(groups.get(keyOf(item)) ?? []), item]);
  return new Map([...groups.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * The funnel of a period from the deals it touches and their log rows in it.
 * `recordsPresent(id)` answers how many required handoff records a won deal has.
 */
export function computeFunnel(input: {
  period: Period;
  filter: FunnelFilter;
  deals: DealFacts[];
  entries: LogEntry[];
  recordsPresent: Map<string, number>;
}): Funnel {
  const { period, filter } = input;
  const byDeal = groupBy(input.entries, (e) => e.opportunityId);
  const rows = input.deals
    .filter(
      (d) =>
        (filter.ownerId === undefined || d.ownerId === filter.ownerId) &&
        (filter.service === undefined || d.service === filter.service),
    )
    .map((deal) => ({
      deal,
      outcome: outcomeOf(deal, byDeal.get(deal.id) ?? [], period, input.recordsPresent.get(deal.id) ?? 0),
    }))
    .filter(({ outcome }) => outcome.entered.size > 0 || outcome.dormant);
  const outcomes = (list: typeof rows) => list.map((r) => r.outcome);
  return {
    period: { from: period.from.toISOString(), to: period.to.toISOString() },
    filter,
    deals: rows.length,
    total: report(outcomes(rows)),
    byOwner: [...groupBy(rows, (r) => r.deal.ownerId)].map(([ownerId, list]) => ({
      ownerId,
      ...report(outcomes(list)),
    })),
    byService: [...groupBy(rows, (r) => r.deal.service)].map(([service, list]) => ({
      service,
      ...report(outcomes(list)),
    })),
  };
}

/** The deals whose handoff records matter: those that moved into won in the period. */
export function wonInPeriod(entries: LogEntry[]): string[] {
  return [...new Set(entries.filter((e) => isMove(e) && e.stageAfter === 'won').map((e) => e.opportunityId))];
}
