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
 *   moved into handed_off before the period ended with every required handoff record complete
 *   (HO1: judged by its required fields against the deal's recorded handoff context, not by
 *   rows). A deal still waiting in won, blocked, is incomplete. `handoffRecords` is the share
 *   of the required records (client, project, tasks, portal, connectors, reporting) those
 *   deals have complete.
 * - timeToHandoff = over the deals that moved into handed_off in the period, the seconds from
 *   their last move into won (which may lie before the period) to that move: the median and
 *   the 90th percentile. Median and p90 rather than a mean: one handoff held up for weeks by a
 *   client's access would swamp a mean, and ops need to see both the usual wait and the tail.
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
    'Deals that moved into won in the period and then into handed_off before its end with every required handoff record complete (its required fields present as the recorded handoff context says), divided by the deals that moved into won in the period. A deal still waiting in won, blocked, counts as incomplete.',
  handoffRecords:
    'Required handoff records (client, project, tasks, portal, connectors, reporting) complete (their required fields present as the recorded handoff context says) for the deals won in the period, divided by six times those deals.',
};

export const TIME_TO_HANDOFF_DEFINITION =
  'Seconds from a deal’s last move into won to its move into handed_off, over the deals that moved into handed_off in the period (the move into won may lie before it): `deals` counts them, `median` is the middle value (the mean of the two middle ones for an even count) and `p90` the nearest-rank 90th percentile (the smallest value at least 90% of them do not exceed). Both null when no deal was handed off in the period.';

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

/** Seconds from won to handed_off over the deals handed off in the period (TIME_TO_HANDOFF_DEFINITION). */
export interface Durations {
  deals: number;
  median: number | null;
  p90: number | null;
}

export interface FunnelReport {
  /** Distinct deals that entered each stage in the period (lead: created or reactivated). */
  counts: Record<Stage, number>;
  rates: Record<RateName, Rate>;
  handoffRecords: Rate;
  timeToHandoff: Durations;
}

/** What one deal contributes to each measure in the period. */
interface DealOutcome {
  entered: Set<Stage>;
  qualifiedFromLead: boolean;
  qualified: boolean;
  sentFromQualified: boolean;
  decision: 'won' | 'lost' | null;
  won: boolean;
  /** Won in the period, then handed off before its end with every required record complete. */
  handedOffComplete: boolean;
  /** Seconds from the last move into won to a move into handed_off in the period. */
  handoffSeconds: number | null;
  dormant: boolean;
  recovered: boolean;
  /** Handoff records complete (0..6) when the deal was won in the period. */
  recordsPresent: number;
}

/** What the metrics read of a deal's handoff beyond the period's rows. */
export interface HandoffFacts {
  /** Deals won in the period: how many of the required records are complete (0..6). */
  recordsPresent: Map<string, number>;
  /** Deals handed off in the period: their last move into won, wherever it lies. */
  wonAt: Map<string, Date>;
}

export const isMove = (entry: LogEntry): boolean => entry.stageBefore !== entry.stageAfter;

const inPeriod = (at: Date, period: Period) => at >= period.from && at < period.to;

function firstMoveInto(entries: LogEntry[], stage: Stage, notBefore?: Date): Date | null {
  const found = entries.find((e) => isMove(e) && e.stageAfter === stage && (!notBefore || e.occurredAt >= notBefore));
  return found ? found.occurredAt : null;
}

/** Seconds from `start` to `end`; null unless both are real instants in that order (a stored row may hold neither). */
function secondsBetween(start: Date | null, end: Date | null): number | null {
  if (start === null || end === null) return null;
  const seconds = (end.getTime() - start.getTime()) / 1000;
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : null;
}

/** `entries`: this deal's rows in the period, oldest first. */
function outcomeOf(deal: DealFacts, entries: LogEntry[], period: Period, handoff: HandoffFacts): DealOutcome {
  const moves = entries.filter(isMove);
  const entered = new Set<Stage>(moves.map((e) => e.stageAfter));
  const createdInPeriod = inPeriod(deal.createdAt, period);
  if (createdInPeriod) entered.add('lead');
  const leadAt = createdInPeriod ? deal.createdAt : firstMoveInto(entries, 'lead');
  const qualifiedAt = firstMoveInto(entries, 'qualified');
  const wonAt = firstMoveInto(entries, 'won');
  const recordsPresent = wonAt !== null ? (handoff.recordsPresent.get(deal.id) ?? 0) : 0;
  const handedOffAt = firstMoveInto(entries, 'handed_off');
  const startedAt = handoff.wonAt.get(deal.id) ?? null;
  const decisions = moves.filter((e) => e.stageAfter === 'won' || e.stageAfter === 'lost');
  const recoveries = entries.filter((e) => e.eventType === 'DORMANT_RECOVERED');
  return {
    entered,
    qualifiedFromLead: leadAt !== null && firstMoveInto(entries, 'qualified', leadAt) !== null,
    qualified: qualifiedAt !== null,
    sentFromQualified: qualifiedAt !== null && firstMoveInto(entries, 'sent', qualifiedAt) !== null,
    decision: decisions.length ? (decisions[decisions.length - 1].stageAfter as 'won' | 'lost') : null,
    won: wonAt !== null,
    handedOffComplete:
      wonAt !== null &&
      firstMoveInto(entries, 'handed_off', wonAt) !== null &&
      recordsPresent === HANDOFF_RECORDS.length,
    handoffSeconds: secondsBetween(startedAt, handedOffAt),
    dormant: recoveries.length > 0 || (deal.dormant && deal.lastActivityAt < period.to),
    recovered: recoveries.some((e) => e.recoveredBy !== 'MARK_LOST'),
    recordsPresent,
  };
}

/** Median (mean of the two middle values for an even count) and nearest-rank p90 of `values`. */
export function durations(values: number[]): Durations {
  if (values.length === 0) return { deals: 0, median: null, p90: null };
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const median = n % 2 === 1 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  return { deals: n, median, p90: sorted[Math.ceil(0.9 * n) - 1] };
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
        count((o) => o.handedOffComplete),
        won.length,
      ),
    },
    handoffRecords: rate(
      won.reduce((sum, o) => sum + o.recordsPresent, 0),
      won.length * HANDOFF_RECORDS.length,
    ),
    timeToHandoff: durations(outcomes.flatMap((o) => (o.handoffSeconds === null ? [] : [o.handoffSeconds]))),
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
 * The funnel of a period from the deals it touches, their log rows in it, and their handoff
 * facts (`handoff.recordsPresent` for the deals of `wonInPeriod`, `handoff.wonAt` for those of
 * `handedOffInPeriod`).
 */
export function computeFunnel(input: {
  period: Period;
  filter: FunnelFilter;
  deals: DealFacts[];
  entries: LogEntry[];
  handoff: HandoffFacts;
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
      outcome: outcomeOf(deal, byDeal.get(deal.id) ?? [], period, input.handoff),
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

const movedInto = (entries: LogEntry[], stage: Stage): string[] => [
  ...new Set(entries.filter((e) => isMove(e) && e.stageAfter === stage).map((e) => e.opportunityId)),
];

/** The deals whose handoff records matter: those that moved into won in the period. */
export const wonInPeriod = (entries: LogEntry[]): string[] => movedInto(entries, 'won');

/** The deals whose time to handoff counts: those that moved into handed_off in the period. */
export const handedOffInPeriod = (entries: LogEntry[]): string[] => movedInto(entries, 'handed_off');
