import {
  CLIENT_CONTACT_TASK_KINDS,
  DEAL_FIELDS,
  deepEqual,
  followUpPauseReasons,
  TASK_KINDS,
  type DealEvent,
  type FieldChange,
  type TaskChanges,
  type DealState,
  type EventTaskKind,
  type NextAction,
  type TaskClosure,
  type TaskKind,
  type TaskQueue,
} from '../../machines/opportunity';

export type TaskSpec = {
  kind: EventTaskKind;
  title: string;
  dueAt: string;
} & ({ ownerId: string; queue?: undefined } | { ownerId?: undefined; queue: TaskQueue });

/**
 * The task of a next action (TK1). While follow-up is paused (F1) it is internal work: it asks
 * no one to contact the client, and its title says why.
 */
export function nextActionTask(deal: DealState, next: NextAction, company: string): TaskSpec {
  const paused = followUpPauseReasons(deal.context);
  if (paused.length === 0)
    return { kind: 'follow_up', title: `${company}: ${next.description}`, ownerId: next.ownerId, dueAt: next.dueAt };
  return {
    kind: 'next_action',
    title: `${company}: ${next.description} (internal only: follow-up is paused for ${paused.join(', ')}; do not contact the client)`,
    ownerId: next.ownerId,
    dueAt: next.dueAt,
  };
}

const pauseStarted = (before: DealState, after: DealState): boolean =>
  followUpPauseReasons(before.context).length === 0 && followUpPauseReasons(after.context).length > 0;

/**
 * The tasks an accepted event promises (TK1, `EVENT_TASK_KINDS`), given the deal before and after
 * it; a proposal's review waits in the ops queue.
 */
export function tasksForEvent(event: DealEvent, before: DealState, deal: DealState, company: string): TaskSpec[] {
  const tasks: TaskSpec[] = [];
  const next = event.nextAction ?? (pauseStarted(before, deal) ? deal.context.nextAction : null);
  // A pause that starts cancels the next action's client-contact task: it comes back as internal work (F1).
  if (next) tasks.push(nextActionTask(deal, next, company));
  const due = next?.dueAt ?? event.at;
  if (event.type === 'SUBMIT_FOR_APPROVAL') {
    tasks.push({
      kind: 'proposal_review',
      title: `Review and approve the proposal for ${company} (v${deal.context.proposal.version})`,
      queue: 'ops',
      dueAt: due,
    });
  }
  if (event.type === 'ACCEPT') {
    tasks.push({
      kind: 'contract_step',
      title: `Draft the contract for ${company}`,
      ownerId: deal.context.ownerId,
      dueAt: due,
    });
  }
  if (event.type === 'MARK_WON') {
    tasks.push({
      kind: 'onboarding_handoff',
      title: `Hand ${company} over to delivery`,
      ownerId: deal.context.contract.onboardingOwner ?? deal.context.ownerId,
      dueAt: due,
    });
  }
  return tasks;
}

/** What a new next action supersedes: the earlier next action's task and what its deadline raised. */
const NEXT_ACTION_KINDS: readonly TaskKind[] = ['follow_up', 'next_action', 'next_action_overdue', 'escalation'];
/** A lost deal keeps only its win-back open, a handed-off deal only delivery's own tasks. */
const SALES_KINDS: readonly TaskKind[] = TASK_KINDS.filter((kind) => kind !== 'delivery');
const ALL_BUT_WIN_BACK: readonly TaskKind[] = SALES_KINDS.filter((kind) => kind !== 'win_back');

/**
 * The open tasks an accepted event closes (TK1): each closes itself, with a reason, when what it
 * was for happens or stops mattering. Runs in the event's transaction, before the tasks the event
 * opens, so a new next action's own task is never closed by it.
 */
export function tasksClosedBy(event: DealEvent, before: DealState, after: DealState): TaskClosure[] {
  const by = event.actor.id;
  const closures: TaskClosure[] = [];
  const close = (
    kinds: readonly TaskKind[],
    status: TaskClosure['status'],
    reason: TaskClosure['reason'],
    note?: string,
  ) => closures.push({ kinds, status, reason, note: note ?? null, closedBy: by });

  if (event.type === 'CANCEL_TASK')
    closures.push({
      taskId: event.taskId,
      status: 'cancelled',
      reason: 'cancelled',
      note: event.note ?? null,
      closedBy: by,
    });
  if (event.type === 'COMPLETE_TASK')
    closures.push({
      taskId: event.taskId,
      status: 'done',
      reason: 'completed',
      note: event.note ?? null,
      closedBy: by,
    });
  if (event.nextAction) close(NEXT_ACTION_KINDS, 'cancelled', 'superseded', `by ${event.type}`);
  if (event.type === 'APPROVE' || event.type === 'REJECT') close(['proposal_review'], 'done', 'proposal_decided');
  if (before.stage === 'sent' && after.stage !== 'sent') close(['decision_deadline'], 'cancelled', 'deadline_ended');
  if (event.type === 'MARK_WON') close(['contract_step'], 'done', 'deal_won');
  if (after.stage === 'lost' && before.stage !== 'lost') close(ALL_BUT_WIN_BACK, 'cancelled', 'deal_lost');
  if (event.type === 'REACTIVATE') close(['win_back'], 'done', 'reactivated');
  if (after.stage === 'handed_off') {
    close(['onboarding_handoff'], 'done', 'handed_off');
    close(SALES_KINDS, 'cancelled', 'handed_off');
  }

  if (pauseStarted(before, after))
    close(CLIENT_CONTACT_TASK_KINDS, 'cancelled', 'follow_up_paused', followUpPauseReasons(after.context).join(', '));
  return closures;
}

/** What a person's event does to the deal's tasks besides closing them (OW1): see TaskChanges. */
export function taskChangesOf(event: DealEvent, before: DealState, after: DealState): TaskChanges {
  const changes: TaskChanges = { create: [], assign: [], moveOwner: null };
  if (event.type === 'CREATE_TASK')
    changes.create.push({
      taskId: event.taskId,
      title: event.title,
      dueAt: event.dueAt,
      ownerId: event.ownerId ?? null,
      queue: event.queue ?? null,
      note: event.note ?? null,
      createdBy: event.actor.id,
    });
  if (event.type === 'ASSIGN_TASK')
    changes.assign.push({ taskId: event.taskId, ownerId: event.ownerId ?? null, queue: event.queue ?? null });
  if (event.type === 'REASSIGN' && before.context.ownerId !== after.context.ownerId)
    changes.moveOwner = { from: before.context.ownerId, to: after.context.ownerId };
  return changes;
}

/** The fields an event changed, before and after, for the timeline: the deal's own fields and its owner (OW1). */
export function fieldChangesOf(before: DealState, after: DealState): FieldChange[] {
  const changes: FieldChange[] = [];
  if (before.context.ownerId !== after.context.ownerId)
    changes.push({ field: 'ownerId', before: before.context.ownerId, after: after.context.ownerId });
  for (const field of DEAL_FIELDS) {
    const [was, is] = [before.context.details[field], after.context.details[field]];
    if (!deepEqual(was, is)) changes.push({ field, before: was, after: is });
  }
  return changes;
}
