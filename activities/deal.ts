import type { DealEvent, DealState } from '../machines/opportunity';
import type { FieldChange, Stage, TaskChanges, TaskQueue } from '../machines/opportunity/vocabulary';
import type { Db } from '../db/client';
import { appendEvent, type NewOpportunityEvent } from '../db/queries/events';
import { appendEventAndProject } from '../db/queries/record-event';
import { setOpportunityFlags } from '../db/queries/opportunities';
import { insertDealRecord } from '../db/queries/record-event';
import {
  assignTask,
  closeTasks,
  createManualTask,
  ensureTask as ensureTaskRow,
  moveOpenTasks,
  type TaskClosure,
  type TaskOwner,
} from '../db/queries/tasks';
import { recordProposalFollowUp } from '../db/queries/proposals';
import { inTransaction } from '../db/queries/support';
import type { DealBlock } from '../workflows/deal/messages';
import type { ActivityDeps } from './index';
import { blockColumnsOf, flagColumnsOf, projectionOf } from '../db/projection';
import { hasSideRecords, recordSideRecords } from './side-records';

export interface RecordDealEventInput {
  opportunityId: string;
  workflowId: string;
  /** Derived from the workflow id and the update id: a retried write is a no-op. */
  key: string;
  version: number;
  /** The row's place in the deal's log; system notes take one too. */
  position: number;
  eventType: string;
  stageBefore: string;
  stageAfter: string;
  actorId: string;
  payload: unknown;
  occurredAt: string;
  state: DealState;
  flags: { overdue: boolean; decisionOverdue: boolean; dormant: boolean };
  /** Projected with the event: a refused earlier write stays flagged until an event is accepted. */
  blocked?: DealBlock | null;
  /** Bulky records the event brings (see ApplyDealEventInput.attachments). */
  attachments?: Record<string, unknown>;
  /** A note of the workflow's own (win-back, dormant recovery): logged, not projected. */
  systemNote?: boolean;
  /** Open tasks the event closes, in the event's transaction (TK1). */
  closeTasks?: TaskClosure[];
  /** Tasks the event makes, assigns or moves to a new owner, in the event's transaction (OW1). */
  taskChanges?: TaskChanges;
  /** The fields the event changed, before and after, kept on its log row for the timeline (OW1). */
  changes?: FieldChange[];
}

interface NewDealRecordInput {
  opportunityId: string;
  workflowId: string;
  title: string;
  company: string;
  ownerId: string;
  source: string | null;
  state: DealState;
  createdAt: string;
}

/** A task a timer opens; its key makes a retry a no-op. */
type TaskInput = {
  key: string;
  kind: string;
  title: string;
  dueAt: string;
} & TaskOwner;

interface BlockDealInput {
  opportunityId: string;
  workflowId: string;
  position: number;
  version: number;
  stage: string;
  ownerId: string;
  company: string;
  block: DealBlock;
}

/** The log row of an event the workflow accepted (or of its own note). */
function eventRowOf(input: RecordDealEventInput): NewOpportunityEvent {
  return {
    opportunityId: input.opportunityId,
    version: input.version,
    position: input.position,
    idempotencyKey: input.key,
    eventType: input.eventType,
    stageBefore: input.stageBefore as Stage,
    stageAfter: input.stageAfter as Stage,
    actorId: input.actorId,
    ownerId: input.state.context.ownerId,
    payload: input.payload,
    nextAction: (input.payload as { nextAction?: unknown }).nextAction ?? input.state.context.nextAction ?? null,
    changes: input.changes?.length ? input.changes : null,
    occurredAt: new Date(input.occurredAt),
  };
}

/** Whether a person sent the event: the workflow's own events do not count as activity on the deal. */
const byPerson = (input: RecordDealEventInput): boolean => (input.payload as DealEvent).actor.role !== 'system';

/** A person when the event names one, else its queue; the events give exactly one, and a task must wait somewhere. */
const ownerOf = (task: { ownerId: string | null; queue: TaskQueue | null }): TaskOwner =>
  task.ownerId !== null ? { ownerId: task.ownerId } : { queue: task.queue ?? 'ops' };

/** Whether the event makes, assigns or moves tasks. */
const changesTasks = ({ taskChanges: changes }: RecordDealEventInput): boolean =>
  !!changes && (changes.create.length > 0 || changes.assign.length > 0 || changes.moveOwner !== null);

/** Writes what the event does to the deal's tasks besides closing them (OW1); in its transaction, once. */
async function writeTaskChanges(db: Db, input: RecordDealEventInput): Promise<void> {
  const { create = [], assign = [], moveOwner = null } = input.taskChanges ?? {};
  // The previous owner's tasks move first, so a task the same event gives someone stays theirs.
  if (moveOwner) await moveOpenTasks(db, input.opportunityId, moveOwner.from, moveOwner.to);
  for (const task of create)
    await createManualTask(db, {
      id: task.taskId,
      key: `${input.key}:task:${task.taskId}`,
      opportunityId: input.opportunityId,
      title: task.title,
      dueAt: new Date(task.dueAt),
      note: task.note,
      createdBy: task.createdBy,
      ...ownerOf(task),
    });
  for (const assignment of assign)
    await assignTask(db, input.opportunityId, { taskId: assignment.taskId, ...ownerOf(assignment) });
}

/** The log row of a write refused for good: at its own position, by the system, in the deal's stage. */
function writeRejectedRowOf(input: BlockDealInput): NewOpportunityEvent {
  return {
    opportunityId: input.opportunityId,
    version: input.version,
    position: input.position,
    idempotencyKey: `${input.workflowId}:write-rejected:${input.position}`,
    eventType: 'WRITE_REJECTED',
    stageBefore: input.stage as Stage,
    stageAfter: input.stage as Stage,
    actorId: 'system',
    ownerId: input.ownerId,
    payload: input.block,
    nextAction: null,
    occurredAt: new Date(input.block.at),
  };
}

/** Appends the event and moves the read model in one transaction. */
async function writeDealEvent(db: Db, input: RecordDealEventInput): Promise<void> {
  const event = eventRowOf(input);
  if (input.systemNote) {
    await appendEvent(db, event);
    return;
  }
  const projection = {
    ...projectionOf(input.opportunityId, input.version, input.state),
    ...flagColumnsOf(input.flags, input.blocked ?? null),
    lastActivityAt: byPerson(input) ? event.occurredAt : null,
  };
  // The event and the read model in one statement; side records and task writes, when there are any, join it in a transaction.
  if (!hasSideRecords(input.eventType) && !input.closeTasks?.length && !changesTasks(input)) {
    await appendEventAndProject(db, event, projection);
    return;
  }
  await inTransaction(db, async (tx) => {
    if (!(await appendEventAndProject(tx, event, projection))) return;
    await recordSideRecords(tx, input);
    await writeTaskChanges(tx, input);
    for (const closure of input.closeTasks ?? []) await closeTasks(tx, input.opportunityId, closure, event.occurredAt);
  });
}

/** The deal's row and log: its creation and every event it records. */
function recordingActivities({ db, logger }: ActivityDeps) {
  return {
    async createOpportunityRecord(input: NewDealRecordInput): Promise<void> {
      // The row starts as the projection of the new deal (first next action and pauses included).
      await insertDealRecord(db, {
        ...projectionOf(input.opportunityId, 0, input.state),
        workflowId: input.workflowId,
        title: input.title,
        company: input.company,
        // A deal is opened by a person: that is its first activity.
        lastActivityAt: new Date(input.createdAt),
      });
    },

    async recordDealEvent(input: RecordDealEventInput): Promise<void> {
      await writeDealEvent(db, input);
      logger.debug(
        { opportunityId: input.opportunityId, event: input.eventType, version: input.version },
        'deal event recorded',
      );
    },
  };
}

/** What the deal's timers write: tasks, flags and the proposal's follow-up date. */
function timerActivities({ db }: ActivityDeps) {
  return {
    async ensureTask(input: TaskInput & { opportunityId: string }): Promise<void> {
      await ensureTaskRow(db, { ...input, kind: input.kind as never, dueAt: new Date(input.dueAt) });
    },

    async setFlags(input: { opportunityId: string; overdue?: boolean; dormant?: boolean }): Promise<void> {
      await setOpportunityFlags(db, { id: input.opportunityId, overdue: input.overdue, dormant: input.dormant });
    },

    /** A passed deadline in one round trip: the flag and its task in one transaction. */
    async flagOverdueWithTask(input: { opportunityId: string; task: TaskInput }): Promise<void> {
      await inTransaction(db, async (tx) => {
        await setOpportunityFlags(tx, { id: input.opportunityId, overdue: true });
        await ensureTaskRow(tx, {
          ...input.task,
          opportunityId: input.opportunityId,
          kind: input.task.kind as never,
          dueAt: new Date(input.task.dueAt),
        });
      });
    },

    async recordFollowUp(input: { opportunityId: string; followUpAt: string; number: number }): Promise<void> {
      await recordProposalFollowUp(db, { opportunityId: input.opportunityId, followUpAt: new Date(input.followUpAt) });
    },
  };
}

/**
 * A write for the deal was refused for good: the deal is flagged with the error's code, an
 * ops task opens, and the log says what was refused (at its own position).
 */
function blockingActivities({ db, logger }: ActivityDeps) {
  return {
    async blockDeal(input: BlockDealInput): Promise<void> {
      const { block } = input;
      await inTransaction(db, async (tx) => {
        await setOpportunityFlags(tx, { id: input.opportunityId, ...blockColumnsOf(block) });
        await ensureTaskRow(tx, {
          key: `${input.workflowId}:write_blocked:${input.position}`,
          opportunityId: input.opportunityId,
          kind: 'write_blocked',
          title: `${input.company}: a write was refused (${block.code}) while recording ${block.what}; check the deal and correct the input`,
          queue: 'ops',
          dueAt: new Date(block.at),
        });
        await appendEvent(tx, writeRejectedRowOf(input));
      });
      logger.warn({ opportunityId: input.opportunityId, ...block }, 'deal blocked: a write was refused for good');
    },
  };
}

export function createDealActivities(deps: ActivityDeps) {
  return { ...recordingActivities(deps), ...timerActivities(deps), ...blockingActivities(deps) };
}
