import { initialContext, type DealContext } from './context';
import { parseDealEvent } from './events';
import { GATE_CHECKS, type GuardedGate } from './gates';
import { FORWARD_EVENT, moveFor } from './moves';
import { recordEvent } from './record';
import {
  HANDOFF_BLOCKER_CODES,
  LOST_REASONS,
  OPEN_STAGES,
  STAGES,
  type LostReason,
  type OpenStage,
  type Stage,
} from './vocabulary';

/*
 * PV1: pipeline value and forecast, as pure functions. The SQL in db/queries/pipeline.ts only
 * fetches facts (grouped sums of the read model, log rows); every definition lives here.
 *
 * Money is integer cents per ISO 4217 currency and is never added across currencies: every
 * amount is a list with one entry per currency. A deal without a value is counted apart
 * (`withoutValue`), never as zero.
 */

export const WEIGHTED_DEFINITION =
  'Weighted value = value × probability / 100, summed per currency and rounded to the cent once per figure. The probability is the deal’s own (UPDATE_DEAL `probability`), else the probability recorded with its last sent proposal (SEND_PROPOSAL), else none: a deal without one adds its value to `valueCents` but nothing to `weightedCents`, and `probability` counts the deals by where their probability came from (`deal`, `proposal`, `none`).';

export const TIME_IN_STAGE_DEFINITION =
  'A stay in a stage runs from the deal’s move into it (for `lead`: its creation, or a REACTIVATE) to its next move to another stage, both read from the event log (stage_before/stage_after). Only stays that ended in the period count (a deal still in the stage is not counted); `stays` counts them, `averageSeconds` is their mean and `p90Seconds` the nearest-rank 90th percentile (the smallest value at least 90% of the stays do not exceed). Both null when no stay ended in the period.';

export const BLOCKED_DEFINITION =
  'Time a deal spent blocked on a code, from the event log only (refusals are not logged, so they are not used). A deal is blocked on a gate code while it sits in a stage whose forward move (QUALIFY, START_DISCOVERY, … COMPLETE_HANDOFF) that gate guards and the gate is unmet, the gate being evaluated by the machine’s own check against the facts the log records: `audit_evidence` (in audit; RECORD_AUDIT_EVIDENCE), `proposal_work_paused` (audit, proposal, approval; RECORD_AUDIT_EVIDENCE, RECORD_VERIFICATION, RECORD_CONSENT), `follow_up_paused` (approval; RECORD_CONSENT, RECORD_VERIFICATION), `objection_open` (sent; RECORD_OBJECTION, RESOLVE_OBJECTION). Every deal starts with none of these facts, so the fold from its creation is exact. A won deal is blocked on a handoff blocker code from the workflow’s note that lists it (HANDOFF_WAITING, HANDOFF_REMINDER) until the next note that does not (HANDOFF_UNBLOCKED or a new HANDOFF_WAITING) or until it leaves `won`. Gates the log cannot reconstruct (qualification and discovery facts, sections, approvals, contract facts) are not reported. Each interval is clipped to [from, min(to, now)); per code, `deals` counts the deals blocked for some time in the period, `totalSeconds` sums their time, `averageSeconds` and `p90Seconds` (nearest rank) are over those deals, `ongoing` counts the deals still blocked at the end, and `longest` lists up to five deals with the most time.';

/** The codes the log lets us follow: gates whose facts it records, then the handoff's blocker codes. */
export const LOGGED_GATES = [
  'audit_evidence',
  'proposal_work_paused',
  'follow_up_paused',
  'objection_open',
] as const satisfies readonly GuardedGate[];
export type LoggedGate = (typeof LOGGED_GATES)[number];
export const BLOCKED_CODES = [...LOGGED_GATES, ...HANDOFF_BLOCKER_CODES] as const;
export type BlockedCode = (typeof BLOCKED_CODES)[number];

/** The log rows whose facts the logged gates read. */
export const GATE_FACT_EVENTS = [
  'RECORD_CONSENT',
  'RECORD_VERIFICATION',
  'RECORD_AUDIT_EVIDENCE',
  'RECORD_OBJECTION',
  'RESOLVE_OBJECTION',
] as const;
/** The workflow's notes that list what holds a won deal's handoff up (`payload.blockers`). */
export const HANDOFF_NOTES = ['HANDOFF_WAITING', 'HANDOFF_UNBLOCKED', 'HANDOFF_REMINDER'] as const;

/** The stages whose forward move `gate` guards (read from the move table). */
export function stagesGuardedBy(gate: GuardedGate): Stage[] {
  return STAGES.filter((stage) => {
    const forward = FORWARD_EVENT[stage];
    return forward !== null && (moveFor(forward, stage)?.gates ?? []).includes(gate);
  });
}

const GUARDED_STAGES: Record<LoggedGate, Stage[]> = Object.fromEntries(
  LOGGED_GATES.map((gate) => [gate, stagesGuardedBy(gate)]),
) as Record<LoggedGate, Stage[]>;

export const stagesOfCode = (code: BlockedCode): Stage[] =>
  (LOGGED_GATES as readonly string[]).includes(code) ? GUARDED_STAGES[code as LoggedGate] : ['won'];

export interface Period {
  from: Date;
  to: Date;
}

/** Count, mean and nearest-rank p90 of `values` (null when there are none). */
export function spread(values: number[]): { count: number; average: number | null; p90: number | null } {
  if (values.length === 0) return { count: 0, average: null, p90: null };
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((total, v) => total + v, 0);
  return { count: sorted.length, average: sum / sorted.length, p90: sorted[Math.ceil(0.9 * sorted.length) - 1] };
}

// ---------------------------------------------------------------------------------------
// Open value, weighted value and forecast (read model, now)

export type ProbabilitySource = 'deal' | 'proposal' | 'none';

/** One group of open deals as the read model sums them: same stage, owner, currency and close month. */
export interface OpenGroup {
  stage: OpenStage;
  ownerId: string;
  /** Null: the deals have no value. */
  currency: string | null;
  /** `YYYY-MM` of the expected close date, null when none is set. */
  closeMonth: string | null;
  deals: number;
  valueCents: number;
  /** Σ value_cents × probability (percent), before dividing by 100. */
  weightedNumerator: number;
  probability: Record<ProbabilitySource, number>;
}

export interface WeightedMoney {
  currency: string;
  deals: number;
  valueCents: number;
  weightedCents: number;
  probability: Record<ProbabilitySource, number>;
}

export interface OpenSummary {
  deals: number;
  withoutValue: number;
  values: WeightedMoney[];
}

const noProbabilities = (): Record<ProbabilitySource, number> => ({ deal: 0, proposal: 0, none: 0 });

/** Sums groups into one figure per currency (currencies in code order). */
export function openSummary(groups: OpenGroup[]): OpenSummary {
  const byCurrency = new Map<string, WeightedMoney & { numerator: number }>();
  let deals = 0;
  let withoutValue = 0;
  for (const g of groups) {
    deals += g.deals;
    if (g.currency === null) {
      withoutValue += g.deals;
      continue;
    }
    const entry = byCurrency.get(g.currency) ?? {
      currency: g.currency,
      deals: 0,
      valueCents: 0,
      weightedCents: 0,
      numerator: 0,
      probability: noProbabilities(),
    };
    entry.deals += g.deals;
    entry.valueCents += g.valueCents;
    entry.numerator += g.weightedNumerator;
    for (const source of ['deal', 'proposal', 'none'] as const) entry.probability[source] += g.probability[source];
    byCurrency.set(g.currency, entry);
  }
  const values = [...byCurrency.values()]
    .sort((a, b) => a.currency.localeCompare(b.currency))
    .map(({ numerator, ...money }) => ({ ...money, weightedCents: Math.round(numerator / 100) }));
  return { deals, withoutValue, values };
}

function groupBy<T, K extends string>(items: T[], keyOf: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  return groups;
}

export interface OpenPipeline {
  total: OpenSummary;
  byStage: (OpenSummary & { stage: OpenStage })[];
  byOwner: (OpenSummary & { ownerId: string })[];
}

export interface Forecast {
  months: (OpenSummary & { month: string })[];
  unscheduled: OpenSummary;
}

/** Open value in total, per stage (every open stage, in path order) and per owner (by id). */
export function openPipeline(groups: OpenGroup[]): OpenPipeline {
  const byStage = groupBy(groups, (g) => g.stage);
  const byOwner = groupBy(groups, (g) => g.ownerId);
  return {
    total: openSummary(groups),
    byStage: OPEN_STAGES.map((stage) => ({ stage, ...openSummary(byStage.get(stage) ?? []) })),
    byOwner: [...byOwner.keys()].sort().map((ownerId) => ({ ownerId, ...openSummary(byOwner.get(ownerId) ?? []) })),
  };
}

/** Open deals by the month of their expected close date, oldest first; deals without one apart. */
export function forecast(groups: OpenGroup[]): Forecast {
  const byMonth = groupBy(
    groups.filter((g) => g.closeMonth !== null),
    (g) => g.closeMonth as string,
  );
  return {
    months: [...byMonth.keys()].sort().map((month) => ({ month, ...openSummary(byMonth.get(month) ?? []) })),
    unscheduled: openSummary(groups.filter((g) => g.closeMonth === null)),
  };
}

// ---------------------------------------------------------------------------------------
// Won and lost in the period (event log, the deal's value now)

/** A move into won or lost in the period, with the deal's value as the read model holds it now. */
export interface Decision {
  opportunityId: string;
  outcome: 'won' | 'lost';
  occurredAt: Date;
  /** MARK_LOST's `reason` (lost only). */
  reason: string | null;
  valueCents: number | null;
  currency: string | null;
}

export interface Money {
  currency: string;
  deals: number;
  valueCents: number;
}

export interface MoneySummary {
  deals: number;
  withoutValue: number;
  values: Money[];
}

function moneySummary(decisions: Decision[]): MoneySummary {
  const byCurrency = new Map<string, Money>();
  let withoutValue = 0;
  for (const d of decisions) {
    if (d.currency === null || d.valueCents === null) {
      withoutValue += 1;
      continue;
    }
    const entry = byCurrency.get(d.currency) ?? { currency: d.currency, deals: 0, valueCents: 0 };
    entry.deals += 1;
    entry.valueCents += d.valueCents;
    byCurrency.set(d.currency, entry);
  }
  return {
    deals: decisions.length,
    withoutValue,
    values: [...byCurrency.values()].sort((a, b) => a.currency.localeCompare(b.currency)),
  };
}

export interface Outcomes {
  won: MoneySummary;
  lost: MoneySummary & { reasons: (MoneySummary & { reason: LostReason })[] };
}

/**
 * Won: the deals that moved into won in the period. Lost: the deals that moved into lost in it,
 * each once, by its last loss in the period (a deal lost, reactivated and lost again has one
 * reason). A reason the machine does not know counts as `other`, as the machine records it.
 */
export function outcomes(decisions: Decision[]): Outcomes {
  const last = (outcome: 'won' | 'lost') => {
    const byDeal = new Map<string, Decision>();
    for (const d of decisions)
      if (d.outcome === outcome) {
        const seen = byDeal.get(d.opportunityId);
        if (!seen || d.occurredAt >= seen.occurredAt) byDeal.set(d.opportunityId, d);
      }
    return [...byDeal.values()];
  };
  const lost = last('lost');
  const reasonOf = (d: Decision): LostReason =>
    (LOST_REASONS as readonly string[]).includes(d.reason ?? '') ? (d.reason as LostReason) : 'other';
  const byReason = groupBy(lost, reasonOf);
  return {
    won: moneySummary(last('won')),
    lost: {
      ...moneySummary(lost),
      reasons: LOST_REASONS.filter((r) => byReason.has(r)).map((reason) => ({
        reason,
        ...moneySummary(byReason.get(reason) ?? []),
      })),
    },
  };
}

// ---------------------------------------------------------------------------------------
// Time in stage and time blocked (event log)

/** A row of a deal's log as the metrics read it, in log order (position). */
export interface LogRow {
  eventType: string;
  stageBefore: Stage | null;
  stageAfter: Stage;
  occurredAt: Date;
  payload: unknown;
}

/** One deal and the rows of its log the metrics need, oldest first. */
export interface DealLog {
  id: string;
  ownerId: string;
  company: string;
  createdAt: Date;
  rows: LogRow[];
}

const moved = (row: LogRow) => row.stageBefore !== row.stageAfter;
const seconds = (start: Date, end: Date) => (end.getTime() - start.getTime()) / 1000;

export interface StageTime {
  stage: Stage;
  stays: number;
  averageSeconds: number | null;
  p90Seconds: number | null;
}

/** The stages a deal can leave: every stage but the final `handed_off`. */
export const LEAVABLE_STAGES = STAGES.filter((s) => s !== 'handed_off');

/** TIME_IN_STAGE_DEFINITION over the deals' stage moves (rows up to the period's end). */
export function timeInStage(deals: DealLog[], period: Period): StageTime[] {
  const stays = new Map<Stage, number[]>();
  for (const deal of deals) {
    let stage: Stage = 'lead';
    let since = deal.createdAt;
    for (const row of deal.rows.filter(moved)) {
      if (row.occurredAt >= period.from && row.occurredAt < period.to && row.occurredAt >= since)
        stays.set(stage, [...(stays.get(stage) ?? []), seconds(since, row.occurredAt)]);
      stage = row.stageAfter;
      since = row.occurredAt;
    }
  }
  return LEAVABLE_STAGES.map((stage) => {
    const { count, average, p90 } = spread(stays.get(stage) ?? []);
    return { stage, stays: count, averageSeconds: average, p90Seconds: p90 };
  });
}

interface DealBlocked {
  seconds: number;
  ongoing: boolean;
}

/** The codes holding a deal up at one point of its log. */
function codesNow(stage: Stage, context: DealContext, handoff: ReadonlySet<string>): Set<BlockedCode> {
  const codes = new Set<BlockedCode>();
  for (const gate of LOGGED_GATES)
    if (GUARDED_STAGES[gate].includes(stage) && !GATE_CHECKS[gate](context, null)) codes.add(gate);
  if (stage === 'won')
    for (const code of handoff)
      if ((HANDOFF_BLOCKER_CODES as readonly string[]).includes(code)) codes.add(code as BlockedCode);
  return codes;
}

/** The blocker codes a handoff note lists; an unreadable note lists none. */
function noteCodes(payload: unknown): Set<string> {
  const blockers = (payload as { blockers?: unknown } | null)?.blockers;
  if (!Array.isArray(blockers)) return new Set();
  return new Set(blockers.flatMap((b) => (typeof (b as { code?: unknown })?.code === 'string' ? [b.code] : [])));
}

/** The facts a row adds, through the machine's own `recordEvent`; a row the machine cannot read adds none. */
function contextAfter(context: DealContext, row: LogRow): DealContext {
  if (!(GATE_FACT_EVENTS as readonly string[]).includes(row.eventType)) return context;
  const parsed = parseDealEvent(row.payload);
  if (!parsed.ok || parsed.event.type !== row.eventType) return context;
  return recordEvent(context, parsed.event, { from: row.stageBefore ?? row.stageAfter, to: null });
}

/** How long one deal was blocked on each code within [from, until), and whether it still is at `until`. */
export function dealBlocked(deal: DealLog, from: Date, until: Date): Map<BlockedCode, DealBlocked> {
  const result = new Map<BlockedCode, DealBlocked>();
  let stage: Stage = 'lead';
  let context = initialContext({ opportunityId: deal.id, ownerId: deal.ownerId, at: deal.createdAt.toISOString() });
  let handoff = new Set<string>();
  let since = deal.createdAt;
  const hold = (end: Date, ongoing: boolean) => {
    const start = since < from ? from : since;
    const stop = end > until ? until : end;
    const span = seconds(start, stop);
    for (const code of codesNow(stage, context, handoff)) {
      const entry = result.get(code) ?? { seconds: 0, ongoing: false };
      if (span > 0) entry.seconds += span;
      if (ongoing) entry.ongoing = true;
      if (span > 0 || ongoing) result.set(code, entry);
    }
  };
  for (const row of deal.rows) {
    if (row.occurredAt >= until) break;
    if (row.occurredAt > since) {
      hold(row.occurredAt, false);
      since = row.occurredAt;
    }
    context = contextAfter(context, row);
    if ((HANDOFF_NOTES as readonly string[]).includes(row.eventType)) handoff = noteCodes(row.payload);
    if (moved(row)) {
      stage = row.stageAfter;
      if (stage !== 'won') handoff = new Set();
    }
  }
  if (since < until) hold(until, true);
  return result;
}

export interface BlockedLongest {
  id: string;
  company: string;
  ownerId: string;
  seconds: number;
  ongoing: boolean;
}

export interface BlockedTime {
  code: BlockedCode;
  source: 'gate' | 'handoff_blocker';
  stages: Stage[];
  deals: number;
  totalSeconds: number;
  averageSeconds: number | null;
  p90Seconds: number | null;
  ongoing: number;
  longest: BlockedLongest[];
}

/** BLOCKED_DEFINITION: every code the log lets us follow, each with its figures (zeros included). */
export function blockedTime(deals: DealLog[], period: Period, now: Date): BlockedTime[] {
  const until = now < period.to ? now : period.to;
  const perCode = new Map<BlockedCode, BlockedLongest[]>();
  for (const deal of deals) {
    if (until <= period.from) break;
    for (const [code, blocked] of dealBlocked(deal, period.from, until)) {
      perCode.set(code, [
        ...(perCode.get(code) ?? []),
        { id: deal.id, company: deal.company, ownerId: deal.ownerId, ...blocked },
      ]);
    }
  }
  return BLOCKED_CODES.map((code) => {
    const list = perCode.get(code) ?? [];
    const { count, average, p90 } = spread(list.map((d) => d.seconds));
    return {
      code,
      source: (LOGGED_GATES as readonly string[]).includes(code) ? 'gate' : 'handoff_blocker',
      stages: stagesOfCode(code),
      deals: count,
      totalSeconds: list.reduce((sum, d) => sum + d.seconds, 0),
      averageSeconds: average,
      p90Seconds: p90,
      ongoing: list.filter((d) => d.ongoing).length,
      longest: [...list].sort((a, b) => b.seconds - a.seconds || a.id.localeCompare(b.id)).slice(0, 5),
    };
  });
}
