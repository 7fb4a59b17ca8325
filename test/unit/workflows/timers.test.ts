import { FOLLOW_UP_PAUSE_REASONS, STAGES, type DealState } from '../../../machines/opportunity';
import { timerFacts, type TimerFacts } from '../../../workflows/deal/deal-facts';
import { initialState } from '../../../workflows/deal/entity';
import type { DealFlags, TimerState } from '../../../workflows/deal/messages';
import { DEFAULT_DEAL_POLICY } from '../../../workflows/deal/policy';
import { planTimers, timersAfterEvent, type TimerAction, type TimerPlan } from '../../../workflows/deal/timers';
import { accept, day, dealAt, PAUSES, rep, step } from './support';

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

  it('plans follow-ups of a sent proposal one cadence (three days) after the last, at most three, while follow-up is not paused', () => {
    const sent = { stage: 'sent' as const, proposalVersion: 2, sentAt: '2025-01-02T00:00:00.000Z', nextAction: null };
    const ref = '2|2025-01-02T00:00:00.000Z';
    expect(plan({ facts: sent, now: '2025-01-05T00:00:00.000Z' }).due).toEqual([
      { kind: 'follow_up', ref, number: 1, dueAt: '2025-01-05T00:00:00.000Z' },
    ]);
    // The second fired at its due date, Jan 8 (the anchor): the third waits until Jan 11.
    const afterSecond = { followUpsFor: ref, followUpsSent: 2, followUpAnchor: '2025-01-08T00:00:00.000Z' };
    expect(plan({ facts: sent, timers: afterSecond, now: '2025-01-09T00:00:00.000Z' })).toEqual({
      due: [],
      nextAt: t('2025-01-11T00:00:00.000Z'),
    });
    expect(plan({ facts: sent, timers: afterSecond, now: '2025-01-11T00:00:00.000Z' }).due).toEqual([
      { kind: 'follow_up', ref, number: 3, dueAt: '2025-01-11T00:00:00.000Z' },
    ]);
    expect(
      plan({
        facts: sent,
        timers: { followUpsFor: ref, followUpsSent: 3, followUpAnchor: '2025-01-11T00:00:00.000Z' },
        now: '2025-01-14T00:00:00.000Z',
      }).due,
    ).toEqual([]);
    expect(plan({ facts: { ...sent, followUpPaused: true }, now: '2025-01-12T00:00:00.000Z' }).due).toEqual([]);
    // A new version sent resets the count and the anchor: follow-ups of an earlier version do not carry over.
    expect(
      plan({
        facts: sent,
        timers: {
          followUpsFor: '1|2024-12-01T00:00:00.000Z',
          followUpsSent: 3,
          followUpAnchor: '2024-12-30T00:00:00.000Z',
        },
        now: '2025-01-05T00:00:00.000Z',
      }).due,
    ).toEqual([{ kind: 'follow_up', ref, number: 1, dueAt: '2025-01-05T00:00:00.000Z' }]);
  });

  it('flags a passed decision deadline of the sent proposal once per deadline', () => {
    const deadline = '2025-01-08T00:00:00.000Z';
    const sent = { stage: 'sent' as const, sentAt: '2025-01-07T00:00:00.000Z', decisionDeadline: deadline };
    expect(plan({ facts: { ...sent, nextAction: null }, now: deadline }).due).toEqual([
      { kind: 'decision_deadline', ref: deadline, dueAt: deadline },
    ]);
    expect(
      plan({
        facts: { ...sent, nextAction: null },
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
    const sent = {
      stage: 'sent' as const,
      sentAt: '2025-01-02T00:00:00.000Z',
      decisionDeadline: '2025-01-08T00:00:00.000Z',
    };
    const due = plan({ facts: sent, now: '2025-02-01T00:00:00.000Z' }).due;
    expect(due.map((action) => action.kind)).toEqual([
      'next_action_overdue',
      'follow_up',
      'decision_deadline',
      'dormant',
    ]);
  });
});

/** The plan the workflow makes for a deal the machine built, with its timers as they stand. */
const planFor = (deal: DealState, timers: TimerState, now: string): TimerPlan =>
  planTimers({
    facts: timerFacts(deal),
    timers,
    flags: fresh.flags,
    lastActivityAt: deal.context.lastActivityAt,
    policy: DEFAULT_DEAL_POLICY,
    now: t(now),
  });
const dueOf = (result: TimerPlan, kind: TimerAction['kind']) => result.due.filter((action) => action.kind === kind);
const kindsDue = (result: TimerPlan) => result.due.map((action) => action.kind);
const secondBefore = (iso: string) => new Date(t(iso) - 1_000).toISOString();

describe('[DL1] a decision deadline is planned only while its proposal is in `sent`', () => {
  const DEADLINE = day(10);
  const sent = dealAt('sent', { send: { decisionDeadline: DEADLINE } });
  const next = { description: 'Chase the signature', dueAt: day(30), ownerId: rep.id };

  it('is due once it passes in `sent`', () => {
    expect(dueOf(planFor(sent, fresh.timers, day(11)), 'decision_deadline')).toEqual([
      { kind: 'decision_deadline', ref: DEADLINE, dueAt: DEADLINE },
    ]);
  });

  it('is not planned in `contract`, though the accepted version keeps its deadline on record', () => {
    const contract = accept(sent, { type: 'ACCEPT', actor: rep, at: day(5), nextAction: next });
    expect(timerFacts(contract)).toMatchObject({ stage: 'contract', decisionDeadline: DEADLINE });
    // Nothing due after the deadline passed; the next wake-up is dormancy, 14 days after the acceptance.
    expect(planFor(contract, fresh.timers, day(11))).toEqual({ due: [], nextAt: t(day(19)) });
    expect(kindsDue(planFor(contract, fresh.timers, day(40)))).toEqual(['next_action_overdue', 'dormant']);
  });

  it('is not planned in `proposal` after a revision, which ends the sent version and its deadline', () => {
    const revised = accept(sent, {
      type: 'REVISE_PROPOSAL',
      actor: rep,
      at: day(5),
      reason: 'New scope',
      nextAction: next,
    });
    expect(timerFacts(revised)).toMatchObject({ stage: 'proposal', sentAt: null, decisionDeadline: null });
    expect(kindsDue(planFor(revised, fresh.timers, day(40)))).toEqual(['next_action_overdue', 'dormant']);
  });

  it('is not planned in `lost`, though the lost version keeps its deadline on record: only the win-back waits', () => {
    const lost = accept(sent, {
      type: 'MARK_LOST',
      actor: rep,
      at: day(5),
      reason: 'no_decision',
      reactivateAt: day(100),
    });
    expect(timerFacts(lost)).toMatchObject({ stage: 'lost', decisionDeadline: DEADLINE });
    expect(planFor(lost, fresh.timers, day(11))).toEqual({ due: [], nextAt: t(day(100)) });
  });

  it.each(STAGES.filter((stage) => stage !== 'sent'))(
    'is not planned in `%s`, even with a passed deadline and a send on record',
    (stage) => {
      const facts = { stage, sentAt: '2025-01-02T00:00:00.000Z', decisionDeadline: '2025-01-08T00:00:00.000Z' };
      expect(kindsDue(plan({ facts, now: '2025-02-01T00:00:00.000Z' }))).not.toContain('decision_deadline');
    },
  );
});

describe('[F1] proposal follow-ups while follow-up is paused', () => {
  const REF = `1|${day(0)}`;
  /** The timers once follow-up 1 fired on day 3, as the workflow's follow_up action records them. */
  const afterFirst: TimerState = { ...fresh.timers, followUpsFor: REF, followUpsSent: 1, followUpAnchor: day(3) };

  it.each(FOLLOW_UP_PAUSE_REASONS)(
    'paused for %s: none is due, and after the lift exactly one, one cadence (3 days) after it',
    (reason) => {
      const [pauseEvent, liftEvent] = PAUSES[reason];
      const sent = dealAt('sent');
      expect(dueOf(planFor(sent, fresh.timers, day(3)), 'follow_up')).toEqual([
        { kind: 'follow_up', ref: REF, number: 1, dueAt: day(3) },
      ]);

      const pause = step(sent, { ...pauseEvent, actor: rep, at: day(4) });
      expect(timerFacts(pause.after).followUpPaused).toBe(true);
      expect(timersAfterEvent(afterFirst, timerFacts(pause.before), timerFacts(pause.after), day(4))).toBe(afterFirst);
      for (const now of [day(6), day(15), day(30)])
        expect(dueOf(planFor(pause.after, afterFirst, now), 'follow_up')).toEqual([]);

      // Lifted on day 30, nine cadences after the last follow-up: the next one is one cadence from the lift.
      const lift = step(pause.after, { ...liftEvent, actor: rep, at: day(30) });
      const timers = timersAfterEvent(afterFirst, timerFacts(lift.before), timerFacts(lift.after), day(30));
      expect(timers).toEqual({ ...afterFirst, followUpAnchor: day(30) });
      expect(dueOf(planFor(lift.after, timers, day(30)), 'follow_up')).toEqual([]);
      expect(dueOf(planFor(lift.after, timers, secondBefore(day(33))), 'follow_up')).toEqual([]);
      const second = [{ kind: 'follow_up', ref: REF, number: 2, dueAt: day(33) }];
      expect(dueOf(planFor(lift.after, timers, day(33)), 'follow_up')).toEqual(second);
      // However late the workflow wakes, one follow-up is due, not a burst of the missed ones.
      expect(dueOf(planFor(lift.after, timers, day(45)), 'follow_up')).toEqual(second);
    },
  );

  it('timersAfterEvent moves the anchor only when the pause lifts on a sent proposal', () => {
    const sent = dealAt('sent');
    const twoReasons = accept(sent, {
      type: 'RECORD_CONSENT',
      actor: rep,
      at: day(4),
      consent: 'withdrawn',
      contactTimingValid: false,
    });
    const after = (state: DealState, event: Record<string, unknown>, at: string) => {
      const { before, after: next } = step(state, { ...event, actor: rep, at });
      return timersAfterEvent(afterFirst, timerFacts(before), timerFacts(next), at);
    };
    // Nothing about the pause changes; one reason of two is lifted, so it stays on.
    expect(after(sent, { type: 'RECORD_OBJECTION', objectionId: 'o-1', summary: 'Price' }, day(4))).toBe(afterFirst);
    expect(after(twoReasons, { type: 'RECORD_CONSENT', consent: 'granted' }, day(5))).toBe(afterFirst);
    // Lifted outside `sent`: no proposal follow-up to anchor.
    const qualified = accept(dealAt('qualified'), { ...PAUSES.consent[0], actor: rep, at: day(1) });
    expect(after(qualified, PAUSES.consent[1], day(2))).toBe(afterFirst);
    // Lifted in `sent` with both reasons gone: the anchor moves to the lift.
    expect(after(twoReasons, { type: 'RECORD_CONSENT', consent: 'granted', contactTimingValid: true }, day(5))).toEqual(
      {
        ...afterFirst,
        followUpAnchor: day(5),
      },
    );
  });

  it('timersAfterEvent starts the count over when the timers belong to another sent version', () => {
    const paused = accept(dealAt('sent'), { ...PAUSES.timing[0], actor: rep, at: day(4) });
    const lift = step(paused, { ...PAUSES.timing[1], actor: rep, at: day(8) });
    const earlier = {
      ...fresh.timers,
      followUpsFor: '0|2024-12-01T00:00:00.000Z',
      followUpsSent: 3,
      followUpAnchor: day(-20),
    };
    expect(timersAfterEvent(earlier, timerFacts(lift.before), timerFacts(lift.after), day(8))).toEqual({
      ...earlier,
      followUpsFor: REF,
      followUpsSent: 0,
      followUpAnchor: day(8),
    });
  });
});
