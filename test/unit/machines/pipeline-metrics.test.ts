import {
  blockedTime,
  BLOCKED_CODES,
  forecast,
  openPipeline,
  outcomes,
  spread,
  stagesGuardedBy,
  timeInStage,
  type DealLog,
  type LogRow,
  type OpenGroup,
  type Period,
} from '../../../machines/opportunity/pipeline-metrics';
import type { Stage } from '../../../machines/opportunity/vocabulary';

/*
 * One March of a small pipeline; every figure below is counted by hand from the timelines.
 *
 *   X (rep-1) created 20 Feb, walks the whole path in March and waits in won for its handoff:
 *     audit 2 Mar (no evidence, nothing verified) · evidence 4 Mar · scope, timeline and decision
 *     path verified 6 Mar · proposal 7 Mar · approval 9 Mar (consent unknown) · consent, timing and
 *     source 12 Mar · sent 13 Mar · objection o1 14 Mar, o2 15 Mar · o1 resolved 16 Mar, o2 18 Mar ·
 *     contract 19 Mar · won 20 Mar 00:00 · handoff waits 20 Mar 01:00 on two connectors' access and
 *     the portal contacts · 22 Mar only on connector access.
 *   Y (rep-2) reached audit on 10 Jan and has sat there since, with nothing recorded.
 *   Z (rep-1) created 1 Mar: qualified 3 Mar, lost 5 Mar, reactivated 10 Mar, qualified 11 Mar.
 */

const DAY = 86_400;
const HOUR = 3_600;
const at = (month: number, day: number, hour = 0) => new Date(Date.UTC(2025, month - 1, day, hour));
const march = (day: number, hour = 0) => at(3, day, hour);
const period: Period = { from: march(1), to: at(4, 1) };

const move = (when: Date, eventType: string, from: Stage, to: Stage): LogRow => ({
  eventType,
  stageBefore: from,
  stageAfter: to,
  occurredAt: when,
  payload: null,
});
/** A fact row as the workflow logs it: the machine event itself as the payload. */
const fact = (when: Date, stage: Stage, type: string, fields: Record<string, unknown>): LogRow => ({
  eventType: type,
  stageBefore: stage,
  stageAfter: stage,
  occurredAt: when,
  payload: { type, actor: { id: 'rep-1', role: 'rep' }, at: when.toISOString(), ...fields },
});
const note = (when: Date, type: string, codes: string[]): LogRow => ({
  eventType: type,
  stageBefore: 'won',
  stageAfter: 'won',
  occurredAt: when,
  payload: { blockers: codes.map((code, i) => ({ code, ref: `r${i}`, detail: code })) },
});

const X: DealLog = {
  id: '00000000-0000-4000-8000-00000000000a',
  ownerId: 'rep-1',
  company: 'Xylo Dental',
  createdAt: at(2, 20),
  rows: [
    move(at(2, 25), 'QUALIFY', 'lead', 'qualified'),
    move(at(2, 26), 'START_DISCOVERY', 'qualified', 'discovery'),
    move(march(2), 'START_AUDIT', 'discovery', 'audit'),
    fact(march(4), 'audit', 'RECORD_AUDIT_EVIDENCE', { evidenceId: 'e1', summary: 'Missed calls' }),
    fact(march(6), 'audit', 'RECORD_VERIFICATION', {
      scopeVerified: true,
      timelineVerified: true,
      decisionPathVerified: true,
    }),
    move(march(7), 'START_PROPOSAL', 'audit', 'proposal'),
    move(march(9), 'SUBMIT_FOR_APPROVAL', 'proposal', 'approval'),
    fact(march(12), 'approval', 'RECORD_CONSENT', {
      consent: 'granted',
      contactTimingValid: true,
      sourceContextValid: true,
    }),
    move(march(13), 'SEND_PROPOSAL', 'approval', 'sent'),
    fact(march(14), 'sent', 'RECORD_OBJECTION', { objectionId: 'o1', summary: 'Price' }),
    fact(march(15), 'sent', 'RECORD_OBJECTION', { objectionId: 'o2', summary: 'Timing' }),
    fact(march(16), 'sent', 'RESOLVE_OBJECTION', { objectionId: 'o1' }),
    fact(march(18), 'sent', 'RESOLVE_OBJECTION', { objectionId: 'o2' }),
    move(march(19), 'ACCEPT', 'sent', 'contract'),
    move(march(20), 'MARK_WON', 'contract', 'won'),
    note(march(20, 1), 'HANDOFF_WAITING', ['connector_access', 'connector_access', 'portal_contacts']),
    note(march(22), 'HANDOFF_WAITING', ['connector_access']),
  ],
};
const Y: DealLog = {
  id: '00000000-0000-4000-8000-00000000000b',
  ownerId: 'rep-2',
  company: 'Yarrow Plumbing',
  createdAt: at(1, 1),
  rows: [
    move(at(1, 2), 'QUALIFY', 'lead', 'qualified'),
    move(at(1, 3), 'START_DISCOVERY', 'qualified', 'discovery'),
    move(at(1, 10), 'START_AUDIT', 'discovery', 'audit'),
  ],
};
const Z: DealLog = {
  id: '00000000-0000-4000-8000-00000000000c',
  ownerId: 'rep-1',
  company: 'Zinc Roofing',
  createdAt: march(1),
  rows: [
    move(march(3), 'QUALIFY', 'lead', 'qualified'),
    move(march(5), 'MARK_LOST', 'qualified', 'lost'),
    move(march(10), 'REACTIVATE', 'lost', 'lead'),
    move(march(11), 'QUALIFY', 'lead', 'qualified'),
  ],
};

describe('[PV1] time blocked per code, from the log alone', () => {
  const afterPeriod = at(4, 10);
  const byCode = (now: Date) => new Map(blockedTime([X, Y, Z], period, now).map((b) => [b.code, b]));

  it('[PV1] reads which stages each gate holds up from the move table (the forward move it guards)', () => {
    expect(stagesGuardedBy('audit_evidence')).toEqual(['audit']);
    expect(stagesGuardedBy('proposal_work_paused')).toEqual(['audit', 'proposal', 'approval']);
    expect(stagesGuardedBy('follow_up_paused')).toEqual(['approval']);
    expect(stagesGuardedBy('objection_open')).toEqual(['sent']);
  });

  it('[PV1] counts each gate only while its stage waits on it, clipped to the period', () => {
    const blocked = byCode(afterPeriod);
    // X: 2–4 Mar; Y: the whole of March (31 days), still waiting.
    expect(blocked.get('audit_evidence')).toMatchObject({
      source: 'gate',
      stages: ['audit'],
      deals: 2,
      totalSeconds: 33 * DAY,
      averageSeconds: 16.5 * DAY,
      p90Seconds: 31 * DAY,
      ongoing: 1,
    });
    // X: 2–6 Mar in audit (evidence came on the 4th, verification on the 6th); Y: all March.
    expect(blocked.get('proposal_work_paused')).toMatchObject({ deals: 2, totalSeconds: 35 * DAY, ongoing: 1 });
    // X's follow-up was paused from creation, but only approval's forward move (SEND_PROPOSAL) waits on it: 9–12 Mar.
    expect(blocked.get('follow_up_paused')).toMatchObject({ deals: 1, totalSeconds: 3 * DAY, ongoing: 0 });
    // Two overlapping objections hold the deal up once: 14–18 Mar, not 2 + 3 days.
    expect(blocked.get('objection_open')).toMatchObject({ deals: 1, totalSeconds: 4 * DAY, p90Seconds: 4 * DAY });
  });

  it('[PV1] follows a won deal’s handoff blockers from note to note, one interval per code however many refs', () => {
    const blocked = byCode(afterPeriod);
    // 20 Mar 01:00 until the period's end (1 Apr): 11 days 23 hours, and still waiting.
    expect(blocked.get('connector_access')).toMatchObject({
      source: 'handoff_blocker',
      stages: ['won'],
      deals: 1,
      totalSeconds: 11 * DAY + 23 * HOUR,
      ongoing: 1,
    });
    expect(blocked.get('connector_access')?.longest).toEqual([
      { id: X.id, company: 'Xylo Dental', ownerId: 'rep-1', seconds: 11 * DAY + 23 * HOUR, ongoing: true },
    ]);
    // Lifted by the note of 22 Mar that no longer lists it.
    expect(blocked.get('portal_contacts')).toMatchObject({ deals: 1, totalSeconds: DAY + 23 * HOUR, ongoing: 0 });
  });

  it('[PV1] stops at now inside the period, and lists every followed code, zeros included', () => {
    const blocked = byCode(march(21, 12));
    expect(blocked.get('connector_access')).toMatchObject({ totalSeconds: 35 * HOUR, ongoing: 1 });
    expect(blocked.get('portal_contacts')).toMatchObject({ totalSeconds: 35 * HOUR, ongoing: 1 });
    expect(blocked.get('audit_evidence')?.totalSeconds).toBe(2 * DAY + (20 * DAY + 12 * HOUR));
    expect([...blocked.keys()]).toEqual([...BLOCKED_CODES]);
    expect(blocked.get('handoff_step_failed')).toMatchObject({
      deals: 0,
      totalSeconds: 0,
      averageSeconds: null,
      p90Seconds: null,
      longest: [],
    });
  });

  it('[PV1] a period before a deal existed, or a fact row the machine cannot read, adds nothing', () => {
    const early = blockedTime([X], { from: at(1, 1), to: at(2, 1) }, afterPeriod);
    expect(early.every((b) => b.deals === 0)).toBe(true);
    const garbled: DealLog = {
      ...X,
      rows: X.rows.map((r) => (r.eventType === 'RECORD_AUDIT_EVIDENCE' ? { ...r, payload: { type: 'nonsense' } } : r)),
    };
    const withoutEvidence = new Map(blockedTime([garbled], period, afterPeriod).map((b) => [b.code, b]));
    // The evidence never counts as recorded: blocked 2–7 Mar (until START_PROPOSAL left audit).
    expect(withoutEvidence.get('audit_evidence')?.totalSeconds).toBe(5 * DAY);
  });
});

describe('[PV1] time in stage from consecutive stage moves', () => {
  it('[PV1] counts the stays that ended in the period, lead from creation or reactivation', () => {
    const stages = new Map(timeInStage([X, Y, Z], period).map((s) => [s.stage, s]));
    // Z: lead 1–3 Mar (2 d) and 10–11 Mar (1 d).
    expect(stages.get('lead')).toEqual({ stage: 'lead', stays: 2, averageSeconds: 1.5 * DAY, p90Seconds: 2 * DAY });
    // Z: qualified 3–5 Mar; X's qualified stay ended in February.
    expect(stages.get('qualified')).toMatchObject({ stays: 1, averageSeconds: 2 * DAY });
    // X: discovery 26 Feb – 2 Mar (ended in March: counts, all 4 days).
    expect(stages.get('discovery')).toMatchObject({ stays: 1, averageSeconds: 4 * DAY });
    expect(stages.get('audit')).toMatchObject({ stays: 1, averageSeconds: 5 * DAY });
    expect(stages.get('approval')).toMatchObject({ stays: 1, averageSeconds: 4 * DAY });
    expect(stages.get('sent')).toMatchObject({ stays: 1, averageSeconds: 6 * DAY });
    expect(stages.get('contract')).toMatchObject({ stays: 1, averageSeconds: DAY });
    expect(stages.get('lost')).toMatchObject({ stays: 1, averageSeconds: 5 * DAY });
    // X is still in won, Y still in audit: open stays do not count.
    expect(stages.get('won')).toEqual({ stage: 'won', stays: 0, averageSeconds: null, p90Seconds: null });
    expect(stages.has('handed_off')).toBe(false);
  });

  it('[PV1] p90 is the nearest rank', () => {
    expect(spread([])).toEqual({ count: 0, average: null, p90: null });
    expect(spread([10, 1, 2, 3, 4, 5, 6, 7, 8, 9])).toEqual({ count: 10, average: 5.5, p90: 9 });
    expect(spread([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])).toMatchObject({ p90: 10 });
  });
});

describe('[PV1] open value, weighted value and forecast per currency', () => {
  const group = (over: Partial<OpenGroup>): OpenGroup => ({
    stage: 'lead',
    ownerId: 'rep-1',
    currency: 'EUR',
    closeMonth: null,
    deals: 1,
    valueCents: 0,
    weightedNumerator: 0,
    probability: { deal: 0, proposal: 0, none: 0 },
    ...over,
  });
  const groups: OpenGroup[] = [
    // 1,000.00 at 50% (its own) and 2,000.00 at 25% (the proposal's): 500.00 + 500.00 weighted.
    group({
      stage: 'proposal',
      closeMonth: '2025-04',
      deals: 2,
      valueCents: 300_000,
      weightedNumerator: 100_000 * 50 + 200_000 * 25,
      probability: { deal: 1, proposal: 1, none: 0 },
    }),
    group({ stage: 'lead', ownerId: 'rep-2', valueCents: 99_999, probability: { deal: 0, proposal: 0, none: 1 } }),
    // 500.01 USD at 33%: 165.0033 → 165.00.
    group({
      stage: 'sent',
      currency: 'USD',
      closeMonth: '2025-04',
      valueCents: 50_001,
      weightedNumerator: 50_001 * 33,
      probability: { deal: 1, proposal: 0, none: 0 },
    }),
    // Three leads without a value.
    group({ stage: 'lead', ownerId: 'rep-2', currency: null, closeMonth: '2025-02', deals: 3 }),
  ];

  it('[PV1] sums per stage and owner, never across currencies, deals without a value apart', () => {
    const open = openPipeline(groups);
    expect(open.total).toEqual({
      deals: 7,
      withoutValue: 3,
      values: [
        {
          currency: 'EUR',
          deals: 3,
          valueCents: 399_999,
          weightedCents: 100_000,
          probability: { deal: 1, proposal: 1, none: 1 },
        },
        {
          currency: 'USD',
          deals: 1,
          valueCents: 50_001,
          weightedCents: 16_500,
          probability: { deal: 1, proposal: 0, none: 0 },
        },
      ],
    });
    expect(open.byStage.map((s) => s.stage)).toEqual([
      'lead',
      'qualified',
      'discovery',
      'audit',
      'proposal',
      'approval',
      'sent',
      'contract',
    ]);
    expect(open.byStage[0]).toMatchObject({
      deals: 4,
      withoutValue: 3,
      values: [{ currency: 'EUR', valueCents: 99_999, weightedCents: 0 }],
    });
    expect(open.byStage[1]).toEqual({ stage: 'qualified', deals: 0, withoutValue: 0, values: [] });
    expect(open.byOwner.map((o) => [o.ownerId, o.deals])).toEqual([
      ['rep-1', 3],
      ['rep-2', 4],
    ]);
  });

  it('[PV1] rounds the weighted value once per figure, not per group', () => {
    const halves = [group({ valueCents: 3, weightedNumerator: 150 }), group({ valueCents: 3, weightedNumerator: 150 })];
    expect(openPipeline(halves).total.values[0].weightedCents).toBe(3);
  });

  it('[PV1] forecasts by expected close month, oldest first, undated deals apart', () => {
    const f = forecast(groups);
    expect(f.months.map((m) => [m.month, m.deals])).toEqual([
      ['2025-02', 3],
      ['2025-04', 3],
    ]);
    expect(f.months[1].values.map((v) => [v.currency, v.valueCents, v.weightedCents])).toEqual([
      ['EUR', 300_000, 100_000],
      ['USD', 50_001, 16_500],
    ]);
    expect(f.unscheduled).toMatchObject({ deals: 1, values: [{ currency: 'EUR', valueCents: 99_999 }] });
  });
});

describe('[PV1] won and lost value and lost reasons', () => {
  it('[PV1] counts a deal lost twice once, by its last reason; values per currency; unknown reasons as other', () => {
    const d = (
      id: string,
      outcome: 'won' | 'lost',
      day: number,
      reason: string | null,
      value: [number, string] | null,
    ) => ({
      opportunityId: id,
      outcome,
      occurredAt: march(day),
      reason,
      valueCents: value?.[0] ?? null,
      currency: value?.[1] ?? null,
    });
    const result = outcomes([
      d('a', 'won', 2, null, [100_000, 'EUR']),
      d('b', 'won', 3, null, null),
      d('c', 'lost', 4, 'budget', [50_000, 'EUR']),
      d('c', 'lost', 9, 'competitor', [50_000, 'EUR']),
      d('e', 'lost', 5, 'competitor', [7_000, 'USD']),
      d('f', 'lost', 6, 'mystery', [1_000, 'EUR']),
    ]);
    expect(result.won).toEqual({
      deals: 2,
      withoutValue: 1,
      values: [{ currency: 'EUR', deals: 1, valueCents: 100_000 }],
    });
    expect(result.lost.deals).toBe(3);
    expect(result.lost.values).toEqual([
      { currency: 'EUR', deals: 2, valueCents: 51_000 },
      { currency: 'USD', deals: 1, valueCents: 7_000 },
    ]);
    expect(result.lost.reasons).toEqual([
      {
        reason: 'competitor',
        deals: 2,
        withoutValue: 0,
        values: [
          { currency: 'EUR', deals: 1, valueCents: 50_000 },
          { currency: 'USD', deals: 1, valueCents: 7_000 },
        ],
      },
      { reason: 'other', deals: 1, withoutValue: 0, values: [{ currency: 'EUR', deals: 1, valueCents: 1_000 }] },
    ]);
  });
});
