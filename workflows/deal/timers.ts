import type { TimerFacts } from './deal-facts';
import type { DealFlags, TimerState } from './messages';
import type { DealPolicy } from './policy';

export type TimerAction =
  | { kind: 'next_action_overdue'; ref: string; dueAt: string }
  | { kind: 'escalation'; ref: string; dueAt: string }
  | { kind: 'follow_up'; ref: string; number: number; dueAt: string }
  | { kind: 'decision_deadline'; ref: string; dueAt: string }
  | { kind: 'win_back'; ref: string; dueAt: string }
  | { kind: 'dormant'; dueAt: string };

export interface TimerPlan {
  due: TimerAction[];
  /** Epoch ms of the next timer still ahead, or null when nothing waits. */
  nextAt: number | null;
}

const ms = (iso: string): number => Date.parse(iso);
const followUpRef = (facts: TimerFacts): string => `${facts.proposalVersion}|${facts.sentAt}`;

/**
 * The timers after an accepted event: when follow-up pauses lift on a sent proposal, the next
 * follow-up is one cadence from then, never a burst of the ones missed while paused (F1).
 */
export function timersAfterEvent(timers: TimerState, before: TimerFacts, after: TimerFacts, at: string): TimerState {
  const lifted = before.followUpPaused && !after.followUpPaused;
  if (!lifted || after.stage !== 'sent' || !after.sentAt) return timers;
  const ref = followUpRef(after);
  const sent = timers.followUpsFor === ref ? timers.followUpsSent : 0;
  return { ...timers, followUpsFor: ref, followUpsSent: sent, followUpAnchor: at };
}
const iso = (epochMs: number): string => new Date(epochMs).toISOString();

/**
 * Decides which promises of the guide are due now and when the next one falls due.
 * Pure: the workflow calls it after every wake-up with workflow time.
 */
export function planTimers(input: {
  facts: TimerFacts;
  timers: TimerState;
  flags: DealFlags;
  lastActivityAt: string;
  policy: DealPolicy;
  now: number;
}): TimerPlan {
  const { facts, timers, flags, policy, now } = input;
  const candidates: TimerAction[] = [];

  if (facts.open && facts.nextAction) {
    const ref = `${facts.nextAction.dueAt}|${facts.nextAction.description}`;
    if (timers.overdueFor !== ref) {
      candidates.push({ kind: 'next_action_overdue', ref, dueAt: facts.nextAction.dueAt });
    } else if (timers.escalatedFor !== ref) {
      candidates.push({
        kind: 'escalation',
        ref,
        dueAt: iso(ms(facts.nextAction.dueAt) + policy.escalationGraceSeconds * 1000),
      });
    }
  }

  // Follow-ups wait while follow-up is paused (F1); when it lifts, the next one is one cadence away.
  if (facts.stage === 'sent' && facts.sentAt && !facts.followUpPaused) {
    const ref = followUpRef(facts);
    const current = timers.followUpsFor === ref;
    const sent = current ? timers.followUpsSent : 0;
    if (sent < policy.followUpMax) {
      const anchor = (current ? timers.followUpAnchor : null) ?? facts.sentAt;
      const dueAt = iso(ms(anchor) + policy.followUpSeconds * 1000);
      candidates.push({ kind: 'follow_up', ref, number: sent + 1, dueAt });
    }
  }

  // A decision deadline belongs to the sent version: accepting, revising or losing it ends it (DL1).
  if (facts.stage === 'sent' && facts.decisionDeadline && timers.decisionFlaggedFor !== facts.decisionDeadline) {
    candidates.push({ kind: 'decision_deadline', ref: facts.decisionDeadline, dueAt: facts.decisionDeadline });
  }

  if (facts.stage === 'lost' && facts.lostAt && facts.reactivateAt && timers.winBackFor !== facts.lostAt) {
    candidates.push({ kind: 'win_back', ref: facts.lostAt, dueAt: facts.reactivateAt });
  }

  if (facts.open && !flags.dormant) {
    candidates.push({ kind: 'dormant', dueAt: iso(ms(input.lastActivityAt) + policy.dormantSeconds * 1000) });
  }

  const due = candidates.filter((action) => ms(action.dueAt) <= now);
  const ahead = candidates.filter((action) => ms(action.dueAt) > now).map((action) => ms(action.dueAt));
  return { due, nextAt: ahead.length ? Math.min(...ahead) : null };
}
