import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  currentUpdateInfo,
  patched,
  executeChild,
  proxyActivities,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
  ParentClosePolicy,
  WorkflowIdReusePolicy,
} from '@temporalio/workflow';
import type { DealActivities } from '../../activities';
import { applyEvent, createDeal, explain } from '../../machines/opportunity';
import { createAlarm } from './alarm';
import { timerFacts } from './deal-facts';
import { tasksForEvent } from './event-tasks';
import { handoffWorkflow } from './handoff';
import {
  applyDealEvent,
  DEAL_FAILURES,
  getDeal,
  handoffWorkflowId,
  openDeal,
  type ApplyDealEventInput,
  type CarriedState,
  type DealView,
  type DealWorkflowInput,
} from './messages';
import { planTimers, type TimerAction } from './timers';
import {
  DEAL_DORMANT,
  DEAL_OVERDUE,
  DEAL_OWNER,
  DEAL_PAUSED,
  DEAL_STAGE,
  DECISION_DEADLINE,
  NEXT_ACTION_DUE_AT,
} from './search-attributes';

const { recordDealEvent, createOpportunityRecord, ensureTask, setFlags, flagOverdueWithTask, recordFollowUp } = proxyActivities<DealActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds' },
});

const APPLIED_IDS_KEPT = 2_000;
const nowIso = (): string => new Date(Date.now()).toISOString();
const SYSTEM_ACTOR = { id: 'system', role: 'system' } as const;

function initialState(input: DealWorkflowInput): CarriedState {
  return {
    deal: createDeal({
      opportunityId: input.opportunityId,
      ownerId: input.ownerId,
      source: input.source,
      at: input.createdAt,
      nextAction: input.nextAction,
    }),
    version: 0,
    recorded: false,
    lastActivityAt: input.createdAt,
    timers: {
      overdueFor: null,
      escalatedFor: null,
      followUpsSent: 0,
      followUpsFor: null,
      decisionFlaggedFor: null,
      winBackFor: null,
      dormantSince: null,
    },
    flags: { overdue: false, escalated: false, decisionOverdue: false, dormant: false },
    handoff: { started: false, completed: false, records: null },
    appliedUpdateIds: [],
  };
}

function refuse(type: string, message: string, details: unknown): ApplicationFailure {
  return ApplicationFailure.create({ type, message, details: [details], nonRetryable: true });
}

/** The failure a refused machine event answers with, in the validator or in the handler. */
function refusalOf(result: Extract<ReturnType<typeof applyEvent>, { ok: false }>): ApplicationFailure {
  return result.code === 'gates_unmet'
    ? refuse(DEAL_FAILURES.gatesUnmet, `Refused: unmet gates ${result.unmetGates.join(', ')}`, { stage: result.stage, unmetGates: result.unmetGates })
    : refuse(DEAL_FAILURES.invalidEvent, result.issues.map((i) => `${i.path}: ${i.message}`).join('; '), { issues: result.issues });
}

/** One durable workflow per deal: the single writer of the deal's state. */
export async function dealWorkflow(input: DealWorkflowInput): Promise<{ stage: string; version: number }> {
  const state: CarriedState = input.carried ?? initialState(input);
  const { opportunityId, policy } = input;
  const workflowId = workflowInfo().workflowId;
  let eventsThisRun = 0;
  let wakeCounter = 0;
  let writeChain: Promise<unknown> = Promise.resolve();
  const alarm = createAlarm(() => {
    wakeCounter += 1;
  });

  const view = (): DealView => ({
    opportunityId,
    workflowId,
    version: state.version,
    state: state.deal,
    explanation: explain(state.deal),
    flags: state.flags,
    handoff: state.handoff,
    lastActivityAt: state.lastActivityAt,
  });

  /** Writes run one after another, in version order, even when handlers interleave. */
  const serialized = <T>(write: () => Promise<T>): Promise<T> => {
    const next = writeChain.then(write, write);
    writeChain = next.catch(() => undefined);
    return next;
  };

  // What this run last told the server, so an event that changes nothing ops filter on adds
  // no search-attribute or memo command (each one is history, a visibility write and CPU).
  const published: { attributes: Record<string, string>; summary: string | null } = { attributes: {}, summary: null };

  const publish = (): void => {
    const facts = timerFacts(state.deal);
    const explanation = explain(state.deal);
    const updates = [
      { key: DEAL_STAGE, value: state.deal.stage },
      { key: DEAL_OWNER, value: facts.ownerId },
      { key: NEXT_ACTION_DUE_AT, value: facts.nextAction ? new Date(facts.nextAction.dueAt) : null },
      { key: DECISION_DEADLINE, value: facts.decisionDeadline ? new Date(facts.decisionDeadline) : null },
      { key: DEAL_OVERDUE, value: state.flags.overdue || state.flags.decisionOverdue },
      { key: DEAL_PAUSED, value: explanation.pauses.followUp.paused || explanation.pauses.proposalWork.paused },
      { key: DEAL_DORMANT, value: state.flags.dormant },
    ];
    const due = facts.nextAction ? `next: ${facts.nextAction.description} by ${facts.nextAction.dueAt}` : 'no next action';
    const summary = `${input.company} · ${state.deal.stage} · owner ${facts.ownerId} · ${due}`;
    // Added after histories were recorded: before it, every event upserted all of them.
    if (!patched('publish-changes-only')) {
      upsertSearchAttributes(updates);
      upsertMemo({ summary });
      return;
    }
    const changed = updates.filter(({ key, value }) => published.attributes[key.name] !== JSON.stringify(value));
    if (changed.length > 0) upsertSearchAttributes(changed as typeof updates);
    for (const { key, value } of changed) published.attributes[key.name] = JSON.stringify(value);
    if (summary !== published.summary) upsertMemo({ summary });
    published.summary = summary;
  };

  /** Applies a machine event that has passed validation, then persists it; returns after the write. */
  // The validator's verdict, reused by the handler when nothing moved the deal in between:
  // the machine is pure, so this only saves computing the same transition twice.
  let validated: { event: unknown; deal: CarriedState['deal']; result: ReturnType<typeof applyEvent> } | null = null;
  const apply = (event: unknown): ReturnType<typeof applyEvent> => {
    const reuse = validated !== null && validated.event === event && validated.deal === state.deal;
    const result = reuse ? validated!.result : applyEvent(state.deal, event);
    validated = null;
    return result;
  };

  const commit = async (event: unknown, key: string, attachments?: Record<string, unknown>): Promise<void> => {
    const result = apply(event);
    if (!result.ok) throw refusalOf(result);
    // Only people's events count as activity: the workflow's own notes neither end dormancy nor restart it.
    const byPerson = result.event.actor.role !== 'system';
    const wasDormant = byPerson && state.flags.dormant;
    state.deal = result.state;
    state.version += 1;
    if (byPerson) state.lastActivityAt = result.event.at;
    if (result.event.nextAction) {
      state.flags.overdue = false;
      state.flags.escalated = false;
    }
    if (result.event.type === 'SEND_PROPOSAL' || result.event.type === 'REVISE_PROPOSAL') state.flags.decisionOverdue = false;
    if (wasDormant) state.flags.dormant = false;
    eventsThisRun += 1;
    wakeCounter += 1;
    publish();
    const version = state.version;
    const snapshot = state.deal;
    const flags = { ...state.flags };
    const promised = tasksForEvent(result.event, result.state, input.company);
    await serialized(async () => {
      await recordDealEvent({
        opportunityId,
        workflowId,
        key,
        version,
        eventType: result.event.type,
        stageBefore: result.stageBefore,
        stageAfter: result.stageAfter,
        actorId: result.event.actor.id,
        payload: result.event,
        occurredAt: result.event.at,
        state: snapshot,
        flags,
        attachments,
      });
      for (const task of promised) {
        await ensureTask({ key: `${key}:${task.kind}`, opportunityId, ...task });
      }
      if (wasDormant) {
        await recordDealEvent({
          opportunityId,
          workflowId,
          key: `${key}:dormant-recovered`,
          version,
          eventType: 'DORMANT_RECOVERED',
          stageBefore: result.stageAfter,
          stageAfter: result.stageAfter,
          actorId: 'system',
          payload: { dormantSince: state.timers.dormantSince, recoveredBy: result.event.type },
          occurredAt: result.event.at,
          state: snapshot,
          flags,
          systemNote: true,
        });
      }
    });
  };

  const refuseIfStale = (expectedVersion: number | undefined): void => {
    if (expectedVersion === undefined || expectedVersion === state.version) return;
    throw refuse(DEAL_FAILURES.versionMismatch, `Version ${expectedVersion} is stale; the deal is at ${state.version}`, {
      expected: expectedVersion,
      actual: state.version,
    });
  };

  setHandler(getDeal, view);

  setHandler(openDeal, async () => {
    await condition(() => state.recorded);
    return view();
  });

  setHandler(
    applyDealEvent,
    async ({ event, expectedVersion, attachments }: ApplyDealEventInput) => {
      const updateId = currentUpdateInfo()?.id ?? `${workflowInfo().runId}:${eventsThisRun}`;
      if (state.appliedUpdateIds.includes(updateId)) return view();
      // Wait only while the deal is not recorded yet: an await here would let every update of
      // one activation pass its validator against the same version before any of them commits.
      if (!state.recorded) await condition(() => state.recorded);
      // If-Match is checked again where the event is applied, not only in the validator.
      refuseIfStale(expectedVersion);
      await commit(event, `${workflowId}:${updateId}`, attachments);
      state.appliedUpdateIds = [...state.appliedUpdateIds, updateId].slice(-APPLIED_IDS_KEPT);
      return view();
    },
    {
      // Synchronous: the machine decides before the update enters history.
      validator: ({ event, expectedVersion }: ApplyDealEventInput) => {
        const updateId = currentUpdateInfo()?.id;
        if (updateId && state.appliedUpdateIds.includes(updateId)) return;
        refuseIfStale(expectedVersion);
        const result = applyEvent(state.deal, event);
        validated = { event, deal: state.deal, result };
        if (!result.ok) throw refusalOf(result);
      },
    },
  );

  if (!state.recorded) {
    await createOpportunityRecord({
      opportunityId,
      workflowId,
      title: input.title,
      company: input.company,
      ownerId: input.ownerId,
      source: input.source,
      state: state.deal,
      createdAt: input.createdAt,
    });
    // The first next action is a promised follow-up too (TK1); added after histories were recorded.
    const first = state.deal.context.nextAction;
    if (first && patched('first-next-action-task')) {
      await ensureTask({ key: `${workflowId}:created:follow_up`, opportunityId, kind: 'follow_up', title: `${input.company}: ${first.description}`, ownerId: first.ownerId, dueAt: first.dueAt });
    }
    state.recorded = true;
    publish();
  }

  const runTimer = async (action: TimerAction): Promise<void> => {
    const facts = timerFacts(state.deal);
    const taskKey = (kind: string, ref: string) => `${workflowId}:${kind}:${ref}`;
    const task = (kind: string, ref: string, title: string, ownerId: string, dueAt: string) =>
      ensureTask({ key: taskKey(kind, ref), opportunityId, kind, title, ownerId, dueAt });
    const flagOverdue = async (kind: string, ref: string, title: string, ownerId: string): Promise<void> => {
      const dueAt = nowIso();
      // Added after histories were recorded: one activity instead of two, so the task appears sooner.
      if (patched('overdue-in-one-activity')) {
        await flagOverdueWithTask({ opportunityId, task: { key: taskKey(kind, ref), kind, title, ownerId, dueAt } });
        return;
      }
      await setFlags({ opportunityId, overdue: true });
      await task(kind, ref, title, ownerId, dueAt);
    };
    switch (action.kind) {
      case 'next_action_overdue':
        state.timers.overdueFor = action.ref;
        state.flags.overdue = true;
        publish();
        await serialized(() =>
          flagOverdue('next_action_overdue', action.ref, `Overdue: ${facts.nextAction?.description ?? 'next action'}`, facts.nextAction?.ownerId ?? facts.ownerId),
        );
        return;
      case 'escalation':
        state.timers.escalatedFor = action.ref;
        state.flags.escalated = true;
        await serialized(() => task('escalation', action.ref, `Escalated to ops: ${facts.nextAction?.description ?? 'next action'} is overdue`, 'ops', nowIso()));
        return;
      case 'follow_up': {
        state.timers.followUpsFor = action.ref;
        state.timers.followUpsSent = action.number;
        const ref = `${action.ref}#${action.number}`;
        await serialized(async () => {
          await task('follow_up', ref, `Proposal follow-up ${action.number} for ${input.company}`, facts.ownerId, action.dueAt);
          await recordFollowUp({ opportunityId, followUpAt: action.dueAt, number: action.number });
        });
        const note = { type: 'RECORD_FOLLOW_UP', actor: SYSTEM_ACTOR, at: nowIso(), note: `Follow-up ${action.number} due ${action.dueAt}` };
        if (applyEvent(state.deal, note).ok) await commit(note, `${workflowId}:follow-up:${ref}`);
        return;
      }
      case 'decision_deadline': {
        state.timers.decisionFlaggedFor = action.ref;
        state.flags.decisionOverdue = true;
        publish();
        await serialized(() => flagOverdue('decision_deadline', action.ref, `Decision deadline passed for ${input.company}`, facts.ownerId));
        if (policy.autoLoseOnDeadline && facts.open) {
          const at = nowIso();
          const lose = {
            type: 'MARK_LOST',
            actor: SYSTEM_ACTOR,
            at,
            reason: 'no_decision',
            detail: `Decision deadline ${action.ref} passed without a decision`,
            reactivateAt: new Date(Date.now() + policy.autoLoseReactivationSeconds * 1000).toISOString(),
          };
          if (applyEvent(state.deal, lose).ok) await commit(lose, `${workflowId}:auto-lost:${action.ref}`);
        }
        return;
      }
      case 'win_back': {
        state.timers.winBackFor = action.ref;
        const consent = facts.consentGranted;
        await serialized(async () => {
          if (consent) await task('win_back', action.ref, `Win back ${input.company}: the reactivation window is open`, facts.ownerId, nowIso());
          await recordDealEvent({
            opportunityId,
            workflowId,
            key: `${workflowId}:win-back:${action.ref}`,
            version: state.version,
            eventType: 'WIN_BACK_STARTED',
            stageBefore: state.deal.stage,
            stageAfter: state.deal.stage,
            actorId: 'system',
            payload: { consentGranted: consent, taskCreated: consent, reactivateAt: facts.reactivateAt },
            occurredAt: nowIso(),
            state: state.deal,
            flags: { ...state.flags },
            systemNote: true,
          });
        });
        return;
      }
      case 'dormant': {
        state.flags.dormant = true;
        state.timers.dormantSince = nowIso();
        publish();
        // Added after histories were recorded: the log now says when dormancy began (M1).
        const logFlag = patched('log-dormant-flagged');
        const since = state.timers.dormantSince;
        await serialized(async () => {
          await setFlags({ opportunityId, dormant: true });
          if (!logFlag) return;
          await recordDealEvent({
            opportunityId,
            workflowId,
            key: `${workflowId}:dormant:${state.lastActivityAt}`,
            version: state.version,
            eventType: 'DORMANT_FLAGGED',
            stageBefore: state.deal.stage,
            stageAfter: state.deal.stage,
            actorId: 'system',
            payload: { lastActivityAt: state.lastActivityAt, dormantSince: since },
            occurredAt: since,
            state: state.deal,
            flags: { ...state.flags },
            systemNote: true,
          });
        });
        return;
      }
    }
  };

  const runHandoff = async (): Promise<void> => {
    state.handoff.started = true;
    const records = await executeChild(handoffWorkflow, {
      workflowId: handoffWorkflowId(opportunityId),
      args: [{ opportunityId, dealWorkflowId: workflowId, company: input.company, deal: state.deal }],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
    state.handoff.records = records;
    const complete = { type: 'COMPLETE_HANDOFF', actor: SYSTEM_ACTOR, at: nowIso(), records };
    if (applyEvent(state.deal, complete).ok) {
      await commit(complete, `${workflowId}:handoff-complete`);
      state.handoff.completed = true;
    } else {
      const owner = timerFacts(state.deal).ownerId;
      await ensureTask({
        key: `${workflowId}:handoff_incomplete`,
        opportunityId,
        kind: 'onboarding_handoff',
        title: `Handoff of ${input.company} is missing records: ${Object.entries(records).filter(([, ok]) => !ok).map(([name]) => name).join(', ')}`,
        ownerId: owner,
        dueAt: nowIso(),
      });
    }
  };

  for (;;) {
    const plan = planTimers({
      facts: timerFacts(state.deal),
      timers: state.timers,
      flags: state.flags,
      lastActivityAt: state.lastActivityAt,
      policy,
      now: Date.now(),
    });
    if (plan.due.length > 0) {
      for (const action of plan.due) await runTimer(action);
      continue;
    }
    if (state.deal.stage === 'won' && !state.handoff.started) {
      await runHandoff();
      continue;
    }
    if (state.deal.stage === 'handed_off' && allHandlersFinished()) {
      await writeChain;
      return { stage: state.deal.stage, version: state.version };
    }
    if (eventsThisRun >= policy.continueAsNewAfterEvents || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await writeChain;
      return continueAsNew<typeof dealWorkflow>({ ...input, carried: state });
    }
    const seen = wakeCounter;
    // Added after histories were recorded: before it, every wake-up started a timer and cancelled it.
    if (patched('steady-timer')) {
      alarm.setBy(plan.nextAt);
      await condition(() => wakeCounter !== seen);
      continue;
    }
    const timeout = plan.nextAt === null ? undefined : Math.max(1, plan.nextAt - Date.now());
    if (timeout === undefined) await condition(() => wakeCounter !== seen);
    else await condition(() => wakeCounter !== seen, timeout);
  }
}
