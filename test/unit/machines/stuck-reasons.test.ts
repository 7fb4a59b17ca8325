import { STUCK_REASONS, stuckReasons, stuckSince, type StuckFacts } from '../../../machines/opportunity/stuck-reasons';

const now = new Date('2025-03-10T12:00:00Z');
const day = (d: number) => new Date(Date.UTC(2025, 2, d, 12));

/** A deal with nothing wrong: every test sets only what makes it stuck. */
const calm = (over: Partial<StuckFacts> = {}): StuckFacts => ({
  stage: 'proposal',
  overdue: false,
  dormant: false,
  nextActionDescription: 'Send the draft',
  nextActionDueAt: day(12),
  decisionDeadline: null,
  followUpPauseReasons: [],
  proposalPauseReasons: [],
  blockedCode: null,
  blockedDetail: null,
  blockedAt: null,
  handoffBlockers: [],
  updatedAt: day(8),
  lastActivityAt: day(2),
  lastEventAt: day(5),
  ...over,
});

describe('stuckReasons', () => {
  it('has no reason for a deal with nothing overdue, paused, dormant or blocked', () => {
    expect(stuckReasons(calm(), now)).toEqual([]);
  });

  it('names a passed next action with its description, since its due date', () => {
    expect(stuckReasons(calm({ overdue: true, nextActionDueAt: day(9) }), now)).toEqual([
      { code: 'next_action_overdue', why: 'Next action "Send the draft" is overdue', since: day(9) },
    ]);
    expect(
      stuckReasons(calm({ overdue: true, nextActionDueAt: day(9), nextActionDescription: null }), now)[0].why,
    ).toBe('Next action "next action" is overdue');
  });

  it('names a passed decision deadline of a sent proposal, flagged or not, and then not the bare overdue flag', () => {
    const passed = {
      code: 'decision_deadline_passed',
      why: 'The decision deadline passed without a decision',
      since: day(10),
    };
    const sent = { stage: 'sent' } as const;
    expect(stuckReasons(calm({ ...sent, decisionDeadline: day(10) }), now)).toEqual([passed]);
    expect(stuckReasons(calm({ ...sent, overdue: true, decisionDeadline: day(10) }), now)).toEqual([passed]);
    expect(stuckReasons(calm({ ...sent, decisionDeadline: day(11) }), now)).toEqual([]);
  });

  it('[DL1] a deadline kept from a sent version means nothing once the deal left `sent`', () => {
    for (const stage of ['proposal', 'approval', 'contract', 'won', 'lost'] as const) {
      expect([stage, stuckReasons(calm({ stage, decisionDeadline: day(10) }), now)]).toEqual([stage, []]);
    }
  });

  it('falls back to the workflow flag, since the last update, when no cause shows in the row', () => {
    expect(stuckReasons(calm({ overdue: true }), now)).toEqual([
      { code: 'overdue', why: 'Flagged overdue by its workflow', since: day(8) },
    ]);
    expect(stuckReasons(calm({ overdue: true, nextActionDueAt: null }), now).map((r) => r.code)).toEqual(['overdue']);
  });

  it('counts a follow-up pause from qualified on, not in lead, since the last event', () => {
    const paused = { followUpPauseReasons: ['consent', 'timing'] };
    expect(stuckReasons(calm({ ...paused, stage: 'qualified' }), now)).toEqual([
      { code: 'follow_up_paused', why: 'Follow-up paused: consent, timing', since: day(5) },
    ]);
    expect(stuckReasons(calm({ ...paused, stage: 'lead' }), now)).toEqual([]);
  });

  it('counts a proposal-work pause from audit to sent only', () => {
    const paused = { proposalPauseReasons: ['scope'] };
    expect(stuckReasons(calm({ ...paused, stage: 'audit' }), now)).toEqual([
      { code: 'proposal_work_paused', why: 'Proposal work paused: scope', since: day(5) },
    ]);
    expect(stuckReasons(calm({ ...paused, stage: 'sent' }), now).map((r) => r.code)).toEqual(['proposal_work_paused']);
    expect(stuckReasons(calm({ ...paused, stage: 'discovery' }), now)).toEqual([]);
    expect(stuckReasons(calm({ ...paused, stage: 'contract' }), now)).toEqual([]);
  });

  it('dates dormancy from the last activity by a person', () => {
    expect(stuckReasons(calm({ dormant: true }), now)).toEqual([
      { code: 'dormant', why: 'No activity by a person for the dormancy period', since: day(2) },
    ]);
  });

  it('names a write refused for good with its code and detail, since it was refused (else the last update)', () => {
    const blocked = { blockedCode: 'check_violation', blockedDetail: 'RECORD_NOTE: text too long', blockedAt: day(7) };
    expect(stuckReasons(calm({ ...blocked, stage: 'won' }), now)).toEqual([
      {
        code: 'write_blocked',
        why: 'A write was refused for good (check_violation): RECORD_NOTE: text too long',
        since: day(7),
      },
    ]);
    expect(stuckReasons(calm({ ...blocked, blockedAt: null, blockedDetail: null }), now)[0]).toMatchObject({
      why: 'A write was refused for good (check_violation): ',
      since: day(8),
    });
  });

  it('lists every reason of a deal stuck several ways, the block first', () => {
    const deal = calm({
      stage: 'sent',
      overdue: true,
      nextActionDueAt: day(9),
      decisionDeadline: day(6),
      followUpPauseReasons: ['decision_path'],
      proposalPauseReasons: ['timeline'],
      dormant: true,
      blockedCode: 'foreign_key_violation',
      blockedAt: day(4),
    });
    // Every reason in the declared order, but `overdue` (the passed next action and deadline say it
    // precisely) and `handoff_blocked` (only a won deal has a handoff).
    expect(stuckReasons(deal, now).map((r) => r.code)).toEqual(
      STUCK_REASONS.filter((code) => code !== 'overdue' && code !== 'handoff_blocked'),
    );
  });

  it('[HO1] lists a won deal whose handoff waits, naming each blocker, since its latest event', () => {
    const blockers = [
      { code: 'connector_access', ref: 'hubspot' },
      { code: 'portal_contacts', ref: null },
    ];
    expect(stuckReasons(calm({ stage: 'won', handoffBlockers: blockers }), now)).toEqual([
      { code: 'handoff_blocked', why: 'Handoff waits on connector_access (hubspot), portal_contacts', since: day(5) },
    ]);
    expect(stuckReasons(calm({ stage: 'won' }), now)).toEqual([]);
    // Once handed off (or anywhere but won) the blockers published last are history, not a reason.
    expect(stuckReasons(calm({ stage: 'handed_off', handoffBlockers: blockers }), now)).toEqual([]);
  });
});

describe('stuckSince', () => {
  it('is the earliest since of the reasons, or the fallback when there are none', () => {
    const reasons = stuckReasons(calm({ dormant: true, overdue: true, nextActionDueAt: day(9) }), now);
    expect(stuckSince(reasons, day(8))).toEqual(day(2));
    expect(stuckSince([], day(8))).toEqual(day(8));
  });
});
