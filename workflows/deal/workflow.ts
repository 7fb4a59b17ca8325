import {
  allHandlersFinished,
  condition,
  continueAsNew,
  currentUpdateInfo,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { createAlarm } from './alarm';
import { timerFacts } from './deal-facts';
import { DealEntity, initialState } from './entity';
import { handoffTurn } from './handoff-run';
import { applyDealEvent, getDeal, openDeal, type ApplyDealEventInput, type DealWorkflowInput } from './messages';
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
    return deal.outcome();
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
    let wakeAt = next.nextAt;
    if (state.deal.stage === 'won' && !state.handoff.completed) {
      const turn = await handoffTurn(deal);
      if (!turn.waiting) continue;
      wakeAt = wakeAt === null ? turn.remindAt : Math.min(wakeAt, turn.remindAt);
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
    alarm.setBy(wakeAt);
    await condition(() => deal.wakeCount !== seen);
  }
}
