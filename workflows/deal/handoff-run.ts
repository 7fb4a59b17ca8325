/**
 * The won-deal handoff as the deal's workflow drives it (W1, HO1): it runs only when nothing
 * holds it up, waits for people while something does (with an ops task per blocker and a
 * reminder), and turns a run's failure into a blocker instead of leaving the deal stuck.
 */
import { ApplicationFailure, executeChild, ParentClosePolicy, WorkflowIdReusePolicy } from '@temporalio/workflow';
import { applyEvent, contextBlockers, type HandoffBlocker } from '../../machines/opportunity';
import { dealActivities, nowIso, type DealEntity } from './entity';
import { HANDOFF_STEP_FAILED, handoffWorkflow, type HandoffResult, type HandoffStepFailure } from './handoff';
import { handoffWorkflowId } from './messages';

/** Whether the handoff moved on (plan again at once), or waits for people until `remindAt` at the latest. */
export type HandoffTurn = { waiting: false } | { waiting: true; remindAt: number };

const blockerId = (b: HandoffBlocker): string => `${b.code}:${b.ref ?? ''}`;
const sameBlockers = (a: HandoffBlocker[], b: HandoffBlocker[]): boolean =>
  a.length === b.length && a.every((x, i) => blockerId(x) === blockerId(b[i]) && x.detail === b[i].detail);

/** One step of the handoff of a deal in `won`: publish what changed, remind, or run it. */
export async function handoffTurn(deal: DealEntity): Promise<HandoffTurn> {
  const h = deal.state.handoff;
  const blockers = [...contextBlockers(deal.state.deal.context), ...h.failures];
  if (!sameBlockers(blockers, h.blockers)) {
    await deal.exclusive(() => publishBlockers(deal, blockers));
    return { waiting: false };
  }
  if (blockers.length > 0) {
    const remindAt =
      Date.parse(h.waitingSince ?? nowIso()) + (h.reminders + 1) * deal.input.policy.handoffReminderSeconds * 1000;
    if (Date.now() < remindAt) return { waiting: true, remindAt };
    await deal.exclusive(() => remind(deal, blockers));
    return { waiting: false };
  }
  await runHandoff(deal);
  return { waiting: false };
}

/** Lists the blockers where ops look (read model, one ops task each, Temporal UI) and in the timeline. Lock held. */
async function publishBlockers(deal: DealEntity, blockers: HandoffBlocker[]): Promise<void> {
  const { state, workflowId, opportunityId } = deal;
  const h = state.handoff;
  const before = new Set(h.blockers.map(blockerId));
  for (const b of blockers)
    if (!before.has(blockerId(b))) h.openings[blockerId(b)] = (h.openings[blockerId(b)] ?? 0) + 1;
  const changes = Object.values(h.openings).reduce((sum, n) => sum + n, 0);
  await deal.guard('the handoff blockers', () =>
    dealActivities.syncHandoffBlockers({
      opportunityId,
      company: deal.company,
      blockers: blockers.map((b) => ({
        ...b,
        taskKey: `${workflowId}:handoff-blocker:${blockerId(b)}:${h.openings[blockerId(b)]}`,
      })),
    }),
  );
  const at = nowIso();
  await deal.note(
    blockers.length > 0 ? 'HANDOFF_WAITING' : 'HANDOFF_UNBLOCKED',
    { blockers },
    `${workflowId}:handoff-blockers:${changes}:${blockers.length}`,
    at,
  );
  h.blockers = blockers;
  h.waitingSince = blockers.length > 0 ? (h.waitingSince ?? at) : null;
  if (blockers.length === 0) h.reminders = 0;
  deal.publish();
}

/** The onboarding owner is reminded of what still waits; failed steps are tried again. Lock held. */
async function remind(deal: DealEntity, blockers: HandoffBlocker[]): Promise<void> {
  const { state, workflowId, opportunityId } = deal;
  const h = state.handoff;
  h.reminders += 1;
  h.failures = [];
  const context = state.deal.context;
  await deal.guard('the handoff reminder task', () =>
    dealActivities.ensureTask({
      key: `${workflowId}:handoff-reminder:${h.reminders}`,
      opportunityId,
      kind: 'handoff_blocker',
      title: `Handoff of ${deal.company} still waits: ${blockers.map((b) => b.detail).join('; ')}`,
      ownerId: context.contract.onboardingOwner ?? context.ownerId,
      dueAt: nowIso(),
    }),
  );
  await deal.note(
    'HANDOFF_REMINDER',
    { reminder: h.reminders, blockers },
    `${workflowId}:handoff-reminder:${h.reminders}`,
    nowIso(),
  );
}

/** What a failed run says holds the handoff up: the step that failed and why. */
function failureOf(error: unknown): HandoffBlocker {
  for (let e: unknown = error, depth = 0; e && depth < 6; e = (e as { cause?: unknown }).cause, depth += 1) {
    if (e instanceof ApplicationFailure && e.type === HANDOFF_STEP_FAILED) {
      const failure = e.details?.[0] as HandoffStepFailure | undefined;
      if (failure) return { code: 'handoff_step_failed', ref: failure.step, detail: e.message };
    }
  }
  return { code: 'handoff_step_failed', ref: null, detail: `the handoff failed: ${(error as Error).message}` };
}

/** Runs the handoff child; its records complete the deal, or what they lack becomes a blocker. */
async function runHandoff(deal: DealEntity): Promise<void> {
  const { state, input, opportunityId, workflowId } = deal;
  const h = state.handoff;
  h.started = true;
  h.attempts += 1;
  let result: HandoffResult;
  try {
    result = await executeChild(handoffWorkflow, {
      workflowId: handoffWorkflowId(opportunityId, h.attempts),
      args: [
        {
          opportunityId,
          dealWorkflowId: workflowId,
          company: deal.company,
          deal: state.deal,
          stepAttempts: input.policy.handoffStepAttempts,
        },
      ],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  } catch (error) {
    h.failures = [failureOf(error)];
    return;
  }
  if (result.missing.length > 0) {
    h.failures = result.missing.map((m) => ({ code: 'handoff_record_incomplete', ref: m.record, detail: m.detail }));
    return;
  }
  h.records = result.records;
  const complete = {
    type: 'COMPLETE_HANDOFF',
    actor: { id: 'system', role: 'system' },
    at: nowIso(),
    records: result.records,
  };
  await deal.exclusive(async () => {
    if (!applyEvent(state.deal, complete).ok) {
      h.failures = [{ code: 'handoff_record_incomplete', ref: null, detail: 'the handoff records are not complete' }];
      return;
    }
    try {
      await deal.commit(complete, `${workflowId}:handoff-complete`);
      h.completed = true;
    } catch (error) {
      // The deal is already flagged blocked for ops; the handoff waits on it like on any failure.
      h.failures = [failureOf(error)];
    }
  });
}
