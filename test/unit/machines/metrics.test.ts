import {
  computeFunnel,
  durations,
  handedOffInPeriod,
  rate,
  wonInPeriod,
  type DealFacts,
  type LogEntry,
  type Period,
} from '../../../machines/opportunity/metrics';
import type { Stage } from '../../../machines/opportunity/vocabulary';

/*
 * One month of a small pipeline, every figure counted by hand:
 *   A  created in March, qualified, sent, won and handed off (4 of 6 handoff records complete)
 *   B  lost in March, reactivated into lead, then qualified again
 *   C  created in March, still a lead
 *   D  flagged dormant, last touched in February
 *   E  recovered from dormancy by a note
 *   F  "recovered" by being marked lost: dormant, not recovered, and lost
 *   G  untouched all month: counts nowhere
 */

const period: Period = { from: new Date('2025-03-01T00:00:00Z'), to: new Date('2025-04-01T00:00:00Z') };
const march = (d: number) => new Date(Date.UTC(2025, 2, d));

const deal = (
  id: string,
  ownerId: string,
  service: string,
  createdAt: Date,
  over: Partial<DealFacts> = {},
): DealFacts => ({
  id,
  ownerId,
  service,
  createdAt,
  dormant: false,
  lastActivityAt: createdAt,
  ...over,
});

const move = (id: string, from: Stage, to: Stage, d: number, eventType = 'MOVE'): LogEntry => ({
  opportunityId: id,
  eventType,
  stageBefore: from,
  stageAfter: to,
  occurredAt: march(d),
  recoveredBy: null,
});

const recovered = (id: string, stage: Stage, d: number, by: string): LogEntry => ({
  opportunityId: id,
  eventType: 'DORMANT_RECOVERED',
  stageBefore: stage,
  stageAfter: stage,
  occurredAt: march(d),
  recoveredBy: by,
});

const deals: DealFacts[] = [
  deal('A', 'o1', 'seo', march(2)),
  deal('B', 'o2', 'ads', new Date('2025-02-01T00:00:00Z')),
  deal('C', 'o1', 'seo', march(20)),
  deal('D', 'o2', 'ads', new Date('2025-01-01T00:00:00Z'), {
    dormant: true,
    lastActivityAt: new Date('2025-02-15T00:00:00Z'),
  }),
  deal('E', 'o2', 'ads', new Date('2025-01-01T00:00:00Z')),
  deal('F', 'o1', 'seo', new Date('2025-01-01T00:00:00Z')),
  deal('G', 'o1', 'seo', new Date('2024-06-01T00:00:00Z')),
];

const entries: LogEntry[] = [
  move('B', 'qualified', 'lost', 3, 'MARK_LOST'),
  recovered('E', 'proposal', 4, 'RECORD_NOTE'),
  move('A', 'lead', 'qualified', 5, 'QUALIFY'),
  recovered('F', 'sent', 7, 'MARK_LOST'),
  move('F', 'sent', 'lost', 7, 'MARK_LOST'),
  move('B', 'lost', 'lead', 8, 'REACTIVATE'),
  move('B', 'lead', 'qualified', 9, 'QUALIFY'),
  move('A', 'proposal', 'sent', 10, 'SEND_PROPOSAL'),
  move('A', 'sent', 'contract', 12, 'ACCEPT'),
  move('A', 'contract', 'won', 15, 'MARK_WON'),
  move('A', 'won', 'handed_off', 20, 'COMPLETE_HANDOFF'),
];

const handoff = (present: number) => ({
  recordsPresent: new Map([['A', present]]),
  wonAt: new Map([['A', march(15)]]),
});
const funnel = (filter = {}, present = 4) =>
  computeFunnel({ period, filter, deals, entries, handoff: handoff(present) });

describe('the funnel measures of a period [M1]', () => {
  it('counts the distinct deals that entered each stage, lead by creation or reactivation', () => {
    const { total, deals: counted } = funnel();
    expect(counted).toBe(6);
    expect(total.counts).toEqual({
      lead: 3,
      qualified: 2,
      discovery: 0,
      audit: 0,
      proposal: 0,
      approval: 0,
      sent: 1,
      contract: 1,
      won: 1,
      handed_off: 1,
      lost: 2,
    });
  });

  it('computes the five rates and the handoff records share', () => {
    const { rates, handoffRecords } = funnel({}, 6).total;
    expect(rates.qualificationRate).toEqual({ value: 2 / 3, numerator: 2, denominator: 3 });
    expect(rates.proposalRate).toEqual({ value: 1 / 2, numerator: 1, denominator: 2 });
    expect(rates.closeRate).toEqual({ value: 1 / 3, numerator: 1, denominator: 3 });
    expect(rates.dormantRecovery).toEqual({ value: 1 / 3, numerator: 1, denominator: 3 });
    expect(rates.handoffCompleteness).toEqual({ value: 1, numerator: 1, denominator: 1 });
    expect(handoffRecords).toEqual({ value: 1, numerator: 6, denominator: 6 });
  });

  it('[HO1] counts a handed-off deal as incomplete when a required record is not complete', () => {
    const { rates, handoffRecords, timeToHandoff } = funnel().total;
    expect(rates.handoffCompleteness).toEqual({ value: 0, numerator: 0, denominator: 1 });
    expect(handoffRecords).toEqual({ value: 4 / 6, numerator: 4, denominator: 6 });
    // The time to handoff counts the move into handed_off, complete or not: March 15 to March 20.
    expect(timeToHandoff).toEqual({ deals: 1, median: 5 * 86_400, p90: 5 * 86_400 });
  });

  it('groups by owner and by service, in key order', () => {
    const { byOwner, byService } = funnel();
    expect(
      byOwner.map((g) => [g.ownerId, g.counts.lead, g.rates.closeRate.value, g.rates.dormantRecovery.value]),
    ).toEqual([
      ['o1', 2, 1 / 2, 0],
      ['o2', 1, 0, 1 / 2],
    ]);
    expect(byService.map((g) => [g.service, g.counts.qualified, g.rates.qualificationRate.value])).toEqual([
      ['ads', 1, 1],
      ['seo', 1, 1 / 2],
    ]);
  });

  it('keeps only the deals of the filter, and says null for a rate with nothing to divide by', () => {
    const { total, deals: counted, filter } = funnel({ ownerId: 'o2' });
    expect(filter).toEqual({ ownerId: 'o2' });
    expect(counted).toBe(3);
    expect(total.counts.lead).toBe(1);
    expect(total.rates.proposalRate).toEqual({ value: 0, numerator: 0, denominator: 1 });
    expect(total.rates.handoffCompleteness).toEqual({ value: null, numerator: 0, denominator: 0 });
    expect(total.handoffRecords.value).toBeNull();
  });

  it('reads only the rows of its period, and a deal touched after the period ends is not dormant in it', () => {
    const late = computeFunnel({
      period: { from: march(1), to: march(6) },
      filter: {},
      deals: [deals[0], { ...deals[3], lastActivityAt: march(7) }],
      entries: entries.filter((e) => e.opportunityId === 'A' && e.occurredAt < march(6)),
      handoff: { recordsPresent: new Map(), wonAt: new Map() },
    });
    expect(late.deals).toBe(1);
    expect(late.total.counts.qualified).toBe(1);
    expect(late.total.rates.proposalRate).toEqual({ value: 0, numerator: 0, denominator: 1 });
    expect(late.total.rates.dormantRecovery.denominator).toBe(0);
    expect(late.total.timeToHandoff).toEqual({ deals: 0, median: null, p90: null });
  });

  it('reports its period as ISO text', () => {
    expect(funnel().period).toEqual({ from: '2025-03-01T00:00:00.000Z', to: '2025-04-01T00:00:00.000Z' });
  });
});

/*
 * The handoff measures of April 2025, by hand (times in hours after April 1, 00:00):
 *   H1  won Mar 30 12:00 (before the period), handed off Apr 2 12:00, records complete: 72 h
 *   H2  won Apr 3, handed off Apr 3 + 10 h, records complete: 10 h
 *   H3  won Apr 5, handed off Apr 5 + 30 h, one record incomplete: 30 h, incomplete
 *   H4  won Apr 10, still in won (blocked): incomplete, no time
 *   H5  won Apr 28, handed off May 2 (after the period): incomplete in April, no time
 * Won in April: H2, H3, H4, H5; complete: H2 only. Handed off in April: H1, H2, H3.
 */
describe('[M1] the handoff measures: completeness from complete records, time from won to handed_off', () => {
  const april: Period = { from: new Date('2025-04-01T00:00:00Z'), to: new Date('2025-05-01T00:00:00Z') };
  const h = (hours: number) => new Date(april.from.getTime() + hours * 3_600_000);
  const at = (id: string, from: Stage, to: Stage, when: Date): LogEntry => ({
    opportunityId: id,
    eventType: to === 'won' ? 'MARK_WON' : 'COMPLETE_HANDOFF',
    stageBefore: from,
    stageAfter: to,
    occurredAt: when,
    recoveredBy: null,
  });
  const old = new Date('2025-01-01T00:00:00Z');
  const handoffDeals = ['H1', 'H2', 'H3', 'H4', 'H5'].map((id, i) => deal(id, i < 3 ? 'o1' : 'o2', 'seo', old));
  const handoffEntries: LogEntry[] = [
    at('H1', 'won', 'handed_off', h(36)),
    at('H2', 'contract', 'won', h(48)),
    at('H2', 'won', 'handed_off', h(58)),
    at('H3', 'contract', 'won', h(96)),
    at('H3', 'won', 'handed_off', h(126)),
    at('H4', 'contract', 'won', h(216)),
    at('H5', 'contract', 'won', h(648)),
  ];
  const result = computeFunnel({
    period: april,
    filter: {},
    deals: handoffDeals,
    entries: handoffEntries,
    handoff: {
      recordsPresent: new Map([
        ['H2', 6],
        ['H3', 5],
        ['H4', 2],
        ['H5', 6],
      ]),
      wonAt: new Map([
        ['H1', h(-36)],
        ['H2', h(48)],
        ['H3', h(96)],
      ]),
    },
  });

  it('[HO1] counts as complete only a deal handed off with every record complete; a blocked deal is incomplete', () => {
    expect(result.total.rates.handoffCompleteness).toEqual({ value: 1 / 4, numerator: 1, denominator: 4 });
    expect(result.total.handoffRecords).toEqual({ value: 19 / 24, numerator: 19, denominator: 24 });
  });

  it('gives the median and nearest-rank p90 of the seconds from won to handed_off over the deals handed off in the period', () => {
    // 10 h, 30 h, 72 h: median 30 h, p90 the third value (ceil(0.9 * 3) = 3).
    expect(result.total.timeToHandoff).toEqual({ deals: 3, median: 30 * 3_600, p90: 72 * 3_600 });
    expect(result.byOwner.map((g) => [g.ownerId, g.timeToHandoff])).toEqual([
      ['o1', { deals: 3, median: 30 * 3_600, p90: 72 * 3_600 }],
      ['o2', { deals: 0, median: null, p90: null }],
    ]);
  });

  it('names the deals handed off in the period once', () => {
    expect(handedOffInPeriod(handoffEntries)).toEqual(['H1', 'H2', 'H3']);
  });
});

describe('wonInPeriod, durations and rate', () => {
  it('names each deal that moved into won once', () => {
    expect(wonInPeriod([...entries, move('A', 'lost', 'won', 25)])).toEqual(['A']);
    expect(wonInPeriod(entries.filter((e) => e.opportunityId !== 'A'))).toEqual([]);
  });

  it('takes the median (mean of the middle two for an even count) and the nearest-rank p90', () => {
    expect(durations([])).toEqual({ deals: 0, median: null, p90: null });
    expect(durations([7])).toEqual({ deals: 1, median: 7, p90: 7 });
    expect(durations([40, 10, 30, 20])).toEqual({ deals: 4, median: 25, p90: 40 });
    const tenToHundred = [100, 90, 80, 70, 60, 50, 40, 30, 20, 10];
    expect(durations(tenToHundred)).toEqual({ deals: 10, median: 55, p90: 90 });
    expect(durations([...tenToHundred, 1_000])).toEqual({ deals: 11, median: 60, p90: 100 });
  });

  it('divides, or gives null for an empty denominator', () => {
    expect(rate(3, 4)).toEqual({ value: 0.75, numerator: 3, denominator: 4 });
    expect(rate(0, 0)).toEqual({ value: null, numerator: 0, denominator: 0 });
  });
});
