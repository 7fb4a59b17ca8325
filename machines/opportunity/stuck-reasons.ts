import { FOLLOW_UP_STAGES, PROPOSAL_WORK_STAGES, type Stage } from './vocabulary';

/*
 * DL1: why a deal is on the stuck list and since when, as a pure function of what the read
 * model holds about it. The SQL in db/queries/stuck-list.ts selects the deals; the reasons
 * are decided here.
 */

/** In the order `stuckReasons` lists them; `overdue` stands only when neither of the two before it does. */
export const STUCK_REASONS = [
  'write_blocked',
  'handoff_blocked',
  'next_action_overdue',
  'decision_deadline_passed',
  'overdue',
  'follow_up_paused',
  'proposal_work_paused',
  'dormant',
] as const;
export type StuckReasonCode = (typeof STUCK_REASONS)[number];

/** What the stuck list reads of one deal. */
export interface StuckFacts {
  stage: Stage;
  /** Flagged by the workflow: its next action or its decision deadline passed. */
  overdue: boolean;
  dormant: boolean;
  nextActionDescription: string | null;
  nextActionDueAt: Date | null;
  decisionDeadline: Date | null;
  followUpPauseReasons: readonly string[];
  proposalPauseReasons: readonly string[];
  /** Set while the deal's last write was refused for good. */
  blockedCode: string | null;
  blockedDetail: string | null;
  blockedAt: Date | null;
  /** What holds a won deal's handoff up (HO1), as the workflow last published it. */
  handoffBlockers: readonly { code: string; ref: string | null }[];
  updatedAt: Date;
  /** The last event by a person, else the creation time. */
  lastActivityAt: Date;
  /** The last event of any actor, else the creation time. */
  lastEventAt: Date;
}

export interface StuckReason {
  code: StuckReasonCode;
  why: string;
  since: Date;
}

const inGroup = (stages: readonly Stage[], stage: Stage) => stages.includes(stage);

/** Why a deal is on the stuck list, and since when. */
export function stuckReasons(deal: StuckFacts, now: Date): StuckReason[] {
  const reasons: StuckReason[] = [];
  if (deal.blockedCode) {
    const why = `A write was refused for good (${deal.blockedCode}): ${deal.blockedDetail ?? ''}`;
    reasons.push({ code: 'write_blocked', why, since: deal.blockedAt ?? deal.updatedAt });
  }
  // Published with the event (or the handoff run) that set them: since the deal's latest event.
  if (deal.stage === 'won' && deal.handoffBlockers.length > 0) {
    const why = `Handoff waits on ${deal.handoffBlockers.map((b) => (b.ref ? `${b.code} (${b.ref})` : b.code)).join(', ')}`;
    reasons.push({ code: 'handoff_blocked', why, since: deal.lastEventAt });
  }
  const nextActionDue =
    deal.overdue && deal.nextActionDueAt !== null && deal.nextActionDueAt <= now ? deal.nextActionDueAt : null;
  // A decision deadline belongs to the sent proposal version (DL1): it ends when the deal leaves `sent`.
  const deadline =
    deal.stage === 'sent' && deal.decisionDeadline !== null && deal.decisionDeadline <= now
      ? deal.decisionDeadline
      : null;
  if (nextActionDue) {
    const why = `Next action "${deal.nextActionDescription ?? 'next action'}" is overdue`;
    reasons.push({ code: 'next_action_overdue', why, since: nextActionDue });
  }
  if (deadline)
    reasons.push({
      code: 'decision_deadline_passed',
      why: 'The decision deadline passed without a decision',
      since: deadline,
    });
  if (deal.overdue && !nextActionDue && !deadline)
    reasons.push({ code: 'overdue', why: 'Flagged overdue by its workflow', since: deal.updatedAt });
  if (deal.followUpPauseReasons.length > 0 && inGroup(FOLLOW_UP_STAGES, deal.stage)) {
    const why = `Follow-up paused: ${deal.followUpPauseReasons.join(', ')}`;
    reasons.push({ code: 'follow_up_paused', why, since: deal.lastEventAt });
  }
  if (deal.proposalPauseReasons.length > 0 && inGroup(PROPOSAL_WORK_STAGES, deal.stage)) {
    const why = `Proposal work paused: ${deal.proposalPauseReasons.join(', ')}`;
    reasons.push({ code: 'proposal_work_paused', why, since: deal.lastEventAt });
  }
  if (deal.dormant)
    reasons.push({
      code: 'dormant',
      why: 'No activity by a person for the dormancy period',
      since: deal.lastActivityAt,
    });
  return reasons;
}

/** The earliest `since` of the reasons; `fallback` when there are none. */
export function stuckSince(reasons: readonly StuckReason[], fallback: Date): Date {
  return reasons.reduce((earliest, r) => (r.since < earliest ? r.since : earliest), reasons[0]?.since ?? fallback);
}
