import {
  computeFunnel,
  rate,
  wonInPeriod,
  type DealFacts,
  type LogEntry,
  type Period,
} from '../../../machines/opportunity/metrics';
import type { Stage } from '../../../machines/opportunity/vocabulary';

/*
 * One month of a small pipeline, every figure counted by hand:
 *   A  created in March, qualified, sent, won and handed off (4 of 6 handoff records)
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

const funnel = (filter = {}) => computeFunnel({ period, filter, deals, entries, recordsPresent: new Map([['A', 4]]) });

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
    const { rates, handoffRecords } = funnel().total;
    expect(rates.qualificationRate).toEqual({ value: 2 / 3, numerator: 2, denominator: 3 });
    expect(rates.proposalRate).toEqual({ value: 1 / 2, numerator: 1, denominator: 2 });
    expect(rates.closeRate).toEqual({ value: 1 / 3, numerator: 1, denominator: 3 });
    expect(rates.dormantRecovery).toEqual({ value: 1 / 3, numerator: 1, denominator: 3 });
    expect(rates.handoffCompleteness).toEqual({ value: 1, numerator: 1, denominator: 1 });
    expect(handoffRecords).toEqual({ value: 4 / 6, numerator: 4, denominator: 6 });
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
      recordsPresent: new Map(),
    });
    expect(late.deals).toBe(1);
    expect(late.total.counts.qualified).toBe(1);
    expect(late.total.rates.proposalRate).toEqual({ value: 0, numerator: 0, denominator: 1 });
    expect(late.total.rates.dormantRecovery.denominator).toBe(0);
  });

  it('reports its period as ISO text', () => {
    expect(funnel().period).toEqual({ from: '2025-03-01T00:00:00.000Z', to: '2025-04-01T00:00:00.000Z' });
  });
});

describe('wonInPeriod and rate', () => {
  it('names each deal that moved into won once', () => {
    expect(wonInPeriod([...entries, move('A', 'lost', 'won', 25)])).toEqual(['A']);
    expect(wonInPeriod(entries.filter((e) => e.opportunityId !== 'A'))).toEqual([]);
  });

  it('divides, or gives null for an empty denominator', () => {
    expect(rate(3, 4)).toEqual({ value: 0.75, numerator: 3, denominator: 4 });
    expect(rate(0, 0)).toEqual({ value: null, numerator: 0, denominator: 0 });
  });
});
