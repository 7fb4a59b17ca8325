import { applyEvent } from '../../machines/opportunity';
import { timerFacts } from './deal-facts';
import { dealActivities, nowIso, summarised, type DealEntity } from './entity';
import type { TimerAction, TimerPlan } from './timers';

const SYSTEM_ACTOR = { id: 'system', role: 'system' } as const;

/**
 * Runs what is due (DL1, F1, WB1) under the deal's write lock, planned again inside it: an
 * event that arrived while the lock was taken may have moved or ended a deadline.
 */
export function runDueTimers(deal: DealEntity, plan: () => TimerPlan): Promise<void> {
  return deal.exclusive(async () => {
    for (const action of plan().due) await TIMER_ACTIONS[action.kind](deal, action as never);
  });
}

type Handlers = {
  [K in TimerAction['kind']]: (deal: DealEntity, action: Extract<TimerAction, { kind: K }>) => Promise<void>;
};

const taskKey = (deal: DealEntity, kind: string, ref: string): string => `${deal.workflowId}:${kind}:${ref}`;

/** A person's id, or the queue a task waits in until someone takes it. */
type Owner = { ownerId: string } | { queue: 'ops' };

function openTask(deal: DealEntity, kind: string, ref: string, title: string, owner: Owner, dueAt: string) {
  return deal.guard(`the ${kind} task`, () =>
    summarised(`task: ${title}`).ensureTask({
      key: taskKey(deal, kind, ref),
      opportunityId: deal.opportunityId,
      kind,
      title,
      ...owner,
      dueAt,
    }),
  );
}

/** A passed deadline: the flag and its task in one activity, so the task appears with the flag. */
function flagOverdue(deal: DealEntity, kind: string, ref: string, title: string, ownerId: string): Promise<boolean> {
  const task = { key: taskKey(deal, kind, ref), kind, title, ownerId, dueAt: nowIso() };
  return deal.guard(`the ${kind} flag`, () =>
    dealActivities.flagOverdueWithTask({ opportunityId: deal.opportunityId, task }),
  );
}

/** Commits an event of the workflow's own when the machine still accepts it. */
async function commitIfAccepted(deal: DealEntity, event: { type: string }, key: string): Promise<void> {
  if (applyEvent(deal.state.deal, event).ok) await deal.commit(event, key);
}

const TIMER_ACTIONS: Handlers = {
  async next_action_overdue(deal, action) {
    const facts = timerFacts(deal.state.deal);
    deal.state.timers.overdueFor = action.ref;
    deal.state.flags.overdue = true;
    deal.publish();
    await flagOverdue(
      deal,
      'next_action_overdue',
      action.ref,
      `Overdue: ${facts.nextAction?.description ?? 'next action'}`,
      facts.nextAction?.ownerId ?? facts.ownerId,
    );
  },

  async escalation(deal, action) {
    const facts = timerFacts(deal.state.deal);
    deal.state.timers.escalatedFor = action.ref;
    deal.state.flags.escalated = true;
    await openTask(
      deal,
      'escalation',
      action.ref,
      `Escalated to ops: ${facts.nextAction?.description ?? 'next action'} is overdue`,
      { queue: 'ops' },
      nowIso(),
    );
  },

  async follow_up(deal, action) {
    const { state } = deal;
    state.timers.followUpsFor = action.ref;
    state.timers.followUpsSent = action.number;
    state.timers.followUpAnchor = action.dueAt;
    const ref = `${action.ref}#${action.number}`;
    await openTask(
      deal,
      'follow_up',
      ref,
      `Proposal follow-up ${action.number} for ${deal.company}`,
      { ownerId: timerFacts(state.deal).ownerId },
      action.dueAt,
    );
    await deal.guard('the follow-up date', () =>
      dealActivities.recordFollowUp({
        opportunityId: deal.opportunityId,
        followUpAt: action.dueAt,
        number: action.number,
      }),
    );
    const note = {
      type: 'RECORD_FOLLOW_UP',
      actor: SYSTEM_ACTOR,
      at: nowIso(),
      note: `Follow-up ${action.number} due ${action.dueAt}`,
    };
    await commitIfAccepted(deal, note, `${deal.workflowId}:follow-up:${ref}`);
  },

  async decision_deadline(deal, action) {
    const { state } = deal;
    const facts = timerFacts(state.deal);
    state.timers.decisionFlaggedFor = action.ref;
    state.flags.decisionOverdue = true;
    deal.publish();
    await flagOverdue(
      deal,
      'decision_deadline',
      action.ref,
      `Decision deadline passed for ${deal.company}`,
      facts.ownerId,
    );
    const { policy } = deal.input;
    if (!policy.autoLoseOnDeadline || !facts.open) return;
    const lose = {
      type: 'MARK_LOST',
      actor: SYSTEM_ACTOR,
      at: nowIso(),
      reason: 'no_decision',
      detail: `Decision deadline ${action.ref} passed without a decision`,
      reactivateAt: new Date(Date.now() + policy.autoLoseReactivationSeconds * 1000).toISOString(),
    };
    await commitIfAccepted(deal, lose, `${deal.workflowId}:auto-lost:${action.ref}`);
  },

  async win_back(deal, action) {
    const { state } = deal;
    const facts = timerFacts(state.deal);
    state.timers.winBackFor = action.ref;
    const consent = facts.consentGranted;
    // Win-back contacts the client: only with consent and while follow-up is not paused (WB1, F1).
    const taskCreated =
      consent &&
      !facts.followUpPaused &&
      (await openTask(
        deal,
        'win_back',
        action.ref,
        `Win back ${deal.company}: the reactivation window is open`,
        { ownerId: facts.ownerId },
        nowIso(),
      ));
    await deal.note(
      'WIN_BACK_STARTED',
      { consentGranted: consent, followUpPaused: facts.followUpPaused, taskCreated, reactivateAt: facts.reactivateAt },
      `${deal.workflowId}:win-back:${action.ref}`,
      nowIso(),
    );
  },

  async dormant(deal) {
    const { state } = deal;
    state.flags.dormant = true;
    state.timers.dormantSince = nowIso();
    deal.publish();
    const since = state.timers.dormantSince;
    await deal.guard('the dormant flag', () =>
      dealActivities.setFlags({ opportunityId: deal.opportunityId, dormant: true }),
    );
    await deal.note(
      'DORMANT_FLAGGED',
      { lastActivityAt: state.lastActivityAt, dormantSince: since },
      `${deal.workflowId}:dormant:${state.lastActivityAt}`,
      since,
    );
  },
};
