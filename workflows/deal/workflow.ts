import {
  allHandlersFinished,
  condition,
  continueAsNew,
  currentUpdateInfo,
  executeChild,
  setHandler,
  workflowInfo,
  ParentClosePolicy,
  WorkflowIdReusePolicy,
} from '@temporalio/workflow';
import { applyEvent } from '../../machines/opportunity';
import { createAlarm } from './alarm';
import { timerFacts } from './deal-facts';
import { dealActivities, DealEntity, initialState, nowIso, rejectionOf } from './entity';
import { handoffWorkflow } from './handoff';
import {
  applyDealEvent,
  getDeal,
  handoffWorkflowId,
  openDeal,
  type ApplyDealEventInput,
  type DealWorkflowInput,
} from './messages';
import { runDueTimers } from './timer-actions';
import { planTimers } from './timers';

/** One durable workflow per deal: the single writer of the deal's state. */
export async function dealWorkflow(input: DealWorkflowInput): Promise<{ stage: string; version: number }> {
  const deal = new DealEntity(input, input.carried ?? initialState(input), workflowInfo().workflowId);
  const { state } = deal;
  const alarm = createAlarm(() => deal.wake());

  setHandler(getDeal, () => deal.view());
  setHandler(openDeal, async () => {
    await deal.recorded();
    return deal.view();
  });
  setHandler(
    applyDealEvent,
    (update: ApplyDealEventInput) =>
      deal.handle(update, currentUpdateInfo()?.id ?? `${workflowInfo().runId}:${deal.eventsThisRun}`),
    // Synchronous: the machine decides before the update enters history.
    { validator: (update: ApplyDealEventInput) => deal.validate(update, currentUpdateInfo()?.id) },
  );

  if (!state.recorded) {
    try {
      await deal.record();
    } catch (error) {
      // The database refused the deal itself: openDeal answers the refusal, then the run fails with it.
      await condition(allHandlersFinished);
      throw error;
    }
  }

  const plan = () =>
    planTimers({
      facts: timerFacts(state.deal),
      timers: state.timers,
      flags: state.flags,
      lastActivityAt: state.lastActivityAt,
      policy: input.policy,
      now: Date.now(),
    });

  for (;;) {
    const next = plan();
    if (next.due.length > 0) {
      await runDueTimers(deal, plan);
      continue;
    }
    if (state.deal.stage === 'won' && !state.handoff.started) {
      await handOff(deal);
      continue;
    }
    if (state.deal.stage === 'handed_off' && allHandlersFinished()) {
      await deal.idle();
      return { stage: state.deal.stage, version: state.version };
    }
    if (deal.eventsThisRun >= input.policy.continueAsNewAfterEvents || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await deal.idle();
      return continueAsNew<typeof dealWorkflow>({ ...input, carried: state });
    }
    const seen = deal.wakeCount;
    alarm.setBy(next.nextAt);
    await condition(() => deal.wakeCount !== seen);
  }
}

/** The won-deal handoff (W1) as a child workflow; its records complete the deal, or open a task. */
async function handOff(deal: DealEntity): Promise<void> {
  const { state, input, opportunityId, workflowId } = deal;
  state.handoff.started = true;
  let records;
  try {
    records = await executeChild(handoffWorkflow, {
      workflowId: handoffWorkflowId(opportunityId),
      args: [{ opportunityId, dealWorkflowId: workflowId, company: input.company, deal: state.deal }],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  } catch (error) {
    const rejection = rejectionOf(error);
    if (!rejection) throw error;
    await deal.exclusive(() => deal.block(rejection, 'the handoff'));
    return;
  }
  state.handoff.records = records;
  const complete = { type: 'COMPLETE_HANDOFF', actor: { id: 'system', role: 'system' }, at: nowIso(), records };
  await deal.exclusive(async () => {
    if (applyEvent(state.deal, complete).ok) {
      await deal.commit(complete, `${workflowId}:handoff-complete`);
      state.handoff.completed = true;
      return;
    }
    const missing = Object.entries(records)
      .filter(([, ok]) => !ok)
      .map(([name]) => name);
    await deal.guard('the handoff task', () =>
      dealActivities.ensureTask({
        key: `${workflowId}:handoff_incomplete`,
        opportunityId,
        kind: 'onboarding_handoff',
        title: `Handoff of ${input.company} is missing records: ${missing.join(', ')}`,
        ownerId: timerFacts(state.deal).ownerId,
        dueAt: nowIso(),
      }),
    );
  });
}
