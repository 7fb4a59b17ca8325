import type { TimerFacts } from '../../../workflows/deal/deal-facts';
import { initialState } from '../../../workflows/deal/entity';
import type { DealFlags, TimerState } from '../../../workflows/deal/messages';
import { DEFAULT_DEAL_POLICY } from '../../../workflows/deal/policy';
import { planTimers } from '../../../workflows/deal/timers';

/* The default policy: follow-ups every 3 days (at most 3), escalation 1 day after a miss, dormant after 14 days. */

const t = (iso: string) => Date.parse(iso);
const DUE = '2025-01-10T09:00:00.000Z';
const REF = `${DUE}|Call the buyer`;

const facts = (over: Partial<TimerFacts> = {}): TimerFacts => ({
  stage: 'qualified',
  open: true,
  ownerId: 'rep-1',
  nextAction: { description: 'Call the buyer', dueAt: DUE, ownerId: 'rep-1' },
  proposalVersion: 1,
  sentAt: null,
  decisionDeadline: null,
  lostAt: null,
  reactivateAt: null,
  consentGranted: true,
  followUpPaused: false,
  ...over,
});

/** A new deal's timers and flags: nothing flagged, no follow-up sent. */
const fresh = initialState({
  opportunityId: 'opp-1',
  title: 'Website rebuild',
  company: 'Acme',
  ownerId: 'rep-1',
  source: null,
  createdAt: '2025-01-01T00:00:00.000Z',
  nextAction: null,
  policy: DEFAULT_DEAL_POLICY,
});

const plan = (input: {
  facts?: Partial<TimerFacts>;
  timers?: Partial<TimerState>;
  flags?: Partial<DealFlags>;
  now: string;
}) =>
  planTimers({
    facts: facts(input.facts),
    timers: { ...fresh.timers, ...input.timers },
    flags: { ...fresh.flags, ...input.flags },
    lastActivityAt: '2025-01-01T00:00:00.000Z',
    policy: DEFAULT_DEAL_POLICY,
    now: t(input.now),
  });

describe('planTimers', () => {
  it('has nothing due before the next action, and wakes at its due date', () => {
    expect(plan({ now: '2025-01-05T00:00:00.000Z' })).toEqual({ due: [], nextAt: t(DUE) });
  });

  it('flags the next action at its due date, then wakes for dormancy 14 days after the last activity', () => {
    expect(plan({ now: DUE })).toEqual({
      due: [{ kind: 'next_action_overdue', ref: REF, dueAt: DUE }],
      nextAt: t('2025-01-15T00:00:00.000Z'),
    });
  });

  it('escalates a flagged next action one day after it was due, once', () => {
    expect(plan({ timers: { overdueFor: REF }, now: '2025-01-11T08:59:59.000Z' }).nextAt).toBe(
      t('2025-01-11T09:00:00.000Z'),
    );
    expect(plan({ timers: { overdueFor: REF }, now: '2025-01-11T09:00:00.000Z' }).due).toEqual([
      { kind: 'escalation', ref: REF, dueAt: '2025-01-11T09:00:00.000Z' },
    ]);
    expect(plan({ timers: { overdueFor: REF, escalatedFor: REF }, now: '2025-01-12T00:00:00.000Z' }).due).toEqual([]);
  });

  it('starts over for a new next action', () => {
    const due = plan({
      timers: { overdueFor: REF, escalatedFor: REF },
      facts: { nextAction: { description: 'Send notes', dueAt: DUE, ownerId: 'rep-1' } },
      now: DUE,
    });
    expect(due.due).toEqual([{ kind: 'next_action_overdue', ref: `${DUE}|Send notes`, dueAt: DUE }]);
  });

  it('plans follow-ups of a sent proposal every three days, at most three, while follow-up is not paused', () => {
    const sent = { stage: 'sent' as const, proposalVersion: 2, sentAt: '2025-01-02T00:00:00.000Z', nextAction: null };
    const ref = '2|2025-01-02T00:00:00.000Z';
    expect(plan({ facts: sent, now: '2025-01-05T00:00:00.000Z' }).due).toEqual([
      { kind: 'follow_up', ref, number: 1, dueAt: '2025-01-05T00:00:00.000Z' },
    ]);
    expect(
      plan({ facts: sent, timers: { followUpsFor: ref, followUpsSent: 2 }, now: '2025-01-09T00:00:00.000Z' }).nextAt,
    ).toBe(t('2025-01-11T00:00:00.000Z'));
    expect(
      plan({ facts: sent, timers: { followUpsFor: ref, followUpsSent: 3 }, now: '2025-01-12T00:00:00.000Z' }).due,
    ).toEqual([]);
    expect(plan({ facts: { ...sent, followUpPaused: true }, now: '2025-01-12T00:00:00.000Z' }).due).toEqual([]);
    // A new version sent resets the count: follow-ups of an earlier version do not carry over.
    expect(
      plan({
        facts: sent,
        timers: { followUpsFor: '1|2024-12-01T00:00:00.000Z', followUpsSent: 3 },
        now: '2025-01-05T00:00:00.000Z',
      }).due,
    ).toEqual([{ kind: 'follow_up', ref, number: 1, dueAt: '2025-01-05T00:00:00.000Z' }]);
  });

  it('flags a passed decision deadline once per deadline', () => {
    const deadline = '2025-01-08T00:00:00.000Z';
    expect(plan({ facts: { decisionDeadline: deadline, nextAction: null }, now: deadline }).due).toEqual([
      { kind: 'decision_deadline', ref: deadline, dueAt: deadline },
    ]);
    expect(
      plan({
        facts: { decisionDeadline: deadline, nextAction: null },
        timers: { decisionFlaggedFor: deadline },
        now: deadline,
      }).due,
    ).toEqual([]);
  });

  it('wins back a lost deal at its reactivation date, and watches nothing else of a closed deal', () => {
    const lost = {
      stage: 'lost' as const,
      open: false,
      lostAt: '2025-01-03T00:00:00.000Z',
      reactivateAt: '2025-04-03T00:00:00.000Z',
    };
    expect(plan({ facts: lost, now: '2025-02-01T00:00:00.000Z' })).toEqual({
      due: [],
      nextAt: t('2025-04-03T00:00:00.000Z'),
    });
    expect(plan({ facts: lost, now: '2025-04-03T00:00:00.000Z' }).due).toEqual([
      { kind: 'win_back', ref: '2025-01-03T00:00:00.000Z', dueAt: '2025-04-03T00:00:00.000Z' },
    ]);
    expect(
      plan({ facts: lost, timers: { winBackFor: '2025-01-03T00:00:00.000Z' }, now: '2025-05-01T00:00:00.000Z' }),
    ).toEqual({ due: [], nextAt: null });
  });

  it('flags an open deal dormant after 14 days without activity, and not again while it is', () => {
    expect(plan({ facts: { nextAction: null }, now: '2025-01-15T00:00:00.000Z' }).due).toEqual([
      { kind: 'dormant', dueAt: '2025-01-15T00:00:00.000Z' },
    ]);
    expect(plan({ facts: { nextAction: null }, flags: { dormant: true }, now: '2025-02-01T00:00:00.000Z' })).toEqual({
      due: [],
      nextAt: null,
    });
  });

  it('returns every action due at once, in a fixed order', () => {
    const due = plan({ facts: { decisionDeadline: '2025-01-08T00:00:00.000Z' }, now: '2025-02-01T00:00:00.000Z' }).due;
    expect(due.map((action) => action.kind)).toEqual(['next_action_overdue', 'decision_deadline', 'dormant']);
  });
});
