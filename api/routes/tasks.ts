import { assignDealLessTask, closeDealLessTask } from '../../db/queries/deal-less-tasks';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { getOpportunity } from '../../db/queries/opportunities';
import { listTasksBy } from '../../db/queries/task-list';
import { claimTask, getTask, type TaskRow } from '../../db/queries/tasks';
import { activeUserOf } from '../../db/queries/users-lookup';
import { text } from '../../machines/opportunity';
import type { AppDeps } from '../app';
import { opportunityFor, uuidFromSeed } from '../access';
import type { Principal } from '../auth';
import { badRequest, DomainError, forbidden, notFound } from '../errors';
import { requestIdOf } from '../idempotency';
import { iso } from '../resources/unreadable';
import { apiRouter, type ApiRouter } from '../route-kit';
import { idParams } from '../schemas/common';
import {
  assignTaskBody,
  cancelTaskBody,
  createTaskBody,
  listTasksQuery,
  taskPageSchema,
  taskSchema,
} from '../schemas/tasks';

export const taskResource = (t: TaskRow) => ({
  id: t.id,
  opportunityId: t.opportunityId,
  kind: t.kind,
  title: t.title,
  ownerId: t.ownerId,
  queue: t.queue,
  dueAt: iso(t.dueAt),
  status: t.status,
  createdAt: iso(t.createdAt),
  completedAt: iso(t.completedAt),
  closedReason: t.closedReason,
  closedNote: t.closedNote,
  closedBy: t.closedBy,
  createdBy: t.createdBy,
  note: t.note,
});

const INTERNAL = ['admin', 'ops', 'rep'] as const;
/** Who a task may be given to: any active person who works deals (a portal user works none). */
const ASSIGNEE_ROLES = INTERNAL;
const DAY_MS = 86_400_000;

const actorOf = (principal: Principal) => ({ id: principal.userId, role: principal.role });

/**
 * The task, when the caller may act on it: ops and admin any; a rep its own tasks and the
 * tasks of its deals, except queued ones (reviews and escalations are ops' work, not the rep's
 * to close). A task the rep may not see answers 404 like a missing one, so ids do not leak.
 */
async function taskFor({ db }: AppDeps, principal: Principal, id: string): Promise<TaskRow> {
  const task = await getTask(db, id);
  if (!task) throw notFound('The task');
  // A task of no deal is ops' work about the system itself (a failing webhook).
  if (task.opportunityId === null) {
    if (principal.role === 'rep') throw notFound('The task');
    return task;
  }
  if (principal.role !== 'rep') {
    await opportunityFor(db, principal, task.opportunityId);
    return task;
  }
  if (task.ownerId === principal.userId) return task;
  const deal = await getOpportunity(db, task.opportunityId);
  if (!deal || deal.ownerId !== principal.userId) throw notFound('The task');
  if (task.queue !== null) throw forbidden('A queued task is handled by ops or admin');
  return task;
}

/** A task is given only to an active person (OW1); a queue needs no check beyond the schema. */
async function checkAssignee({ db }: AppDeps, ownerId: string | undefined): Promise<void> {
  if (ownerId === undefined) return;
  if (await activeUserOf(db, ownerId, ASSIGNEE_ROLES)) return;
  throw badRequest('The task can only go to an active user', [
    { field: 'ownerId', message: `not an active user of role ${ASSIGNEE_ROLES.join(', ')}` },
  ]);
}

const openTask = (task: TaskRow): TaskRow => {
  if (task.status === 'open') return task;
  throw new DomainError('task_closed', 409, `The task is closed already (${task.closedReason ?? task.status})`);
};

/** The task as the deal's event left it; the event writes it in its own transaction, so it is there. */
async function taskAfter({ db }: AppDeps, id: string): Promise<TaskRow> {
  const task = await getTask(db, id);
  if (!task)
    throw new DomainError(
      'task_not_recorded',
      503,
      'The task was not recorded yet; retry with the same Idempotency-Key',
      {},
      2,
    );
  return task;
}

const requestIdFor = (principal: Principal, key: string | undefined, fallback: string) =>
  key ? requestIdOf(principal, key) : fallback;

/** The due window of `due`, in UTC: `today` is the current UTC day; `overdue` is open and due before now. */
function dueWindow(due: 'today' | 'overdue' | undefined, now = new Date()) {
  if (due === 'overdue') return { dueBefore: now, openOnly: true };
  if (due === 'today') {
    const dueFrom = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    return { dueFrom, dueBefore: new Date(dueFrom.getTime() + DAY_MS), openOnly: false };
  }
  return { openOnly: false };
}

function listRoute(deps: AppDeps, list: ReturnType<typeof apiRouter>['list']) {
  const { db } = deps;
  list(
    {
      path: '/tasks',
      summary: 'List tasks by deal, owner, queue, status, kind and due date (TK1, OW1)',
      description:
        'Soonest due first. A rep lists the tasks it owns and the tasks of the deals it owns (with `opportunityId`, one of its deals). ' +
        '`mine=true` lists the caller’s own tasks; `due=today` those due on the current UTC day, `due=overdue` the open ones due before now; ' +
        'every filter combines with the others (e.g. `?mine=true&due=today`). ' +
        '`queue=ops` lists what waits for sales ops (proposal reviews, escalations, blocked writes), with the id of whoever took or closed each.',
      tags: ['Tasks'],
      roles: INTERNAL,
      query: listTasksQuery,
      errors: [404],
    },
    { of: 'tasks', schema: taskPageSchema, resource: taskResource },
    async ({ principal, query }) => {
      const { mine, due, ...filters } = query;
      if (filters.opportunityId) await opportunityFor(db, principal, filters.opportunityId);
      const nothing = { items: [], nextCursor: null };
      if (mine && filters.ownerId !== undefined && filters.ownerId !== principal.userId) return nothing;
      const { openOnly, ...window } = dueWindow(due);
      if (openOnly && filters.status !== undefined && filters.status !== 'open') return nothing;
      return listTasksBy(db, {
        ...filters,
        ...window,
        ownerId: mine ? principal.userId : filters.ownerId,
        status: openOnly ? 'open' : filters.status,
        visibleTo: principal.role === 'rep' ? principal.userId : undefined,
      });
    },
  );
}

export function taskRoutes(deps: AppDeps) {
  const { db, logger } = deps;
  const { router, add, list } = apiRouter('/v1', { db, logger });

  listRoute(deps, list);

  add(
    {
      method: 'post',
      path: '/opportunities/:id/tasks',
      summary: "Make a task on a deal by hand (an event in the deal's timeline)",
      description:
        'Sends CREATE_TASK to the deal with a task id the API chooses (derived from the caller and its `Idempotency-Key` when one is sent). ' +
        'The task belongs to `ownerId`, an active user (admin, ops or rep; else 422 naming `ownerId`), or waits in `queue`. ' +
        'A rep makes tasks on its own deals.',
      tags: ['Tasks'],
      roles: INTERNAL,
      params: idParams,
      body: createTaskBody,
      success: { status: 201, description: 'The new task', schema: taskSchema, headers: ['Location'] },
      errors: [404, 409, 503],
    },
    async ({ principal, params, body, idempotencyKey }) => {
      await opportunityFor(db, principal, params.id);
      await checkAssignee(deps, body.ownerId);
      const taskId = idempotencyKey ? uuidFromSeed(`task\n${principal.userId}\n${idempotencyKey}`) : randomUUID();
      const event = {
        type: 'CREATE_TASK',
        taskId,
        title: body.title,
        dueAt: body.dueAt,
        ...(body.ownerId !== undefined ? { ownerId: body.ownerId } : { queue: body.queue }),
        ...(body.note !== undefined ? { note: body.note } : {}),
        actor: actorOf(principal),
        at: new Date().toISOString(),
      };
      await deps.deals.apply(params.id, event, {
        requestId: requestIdFor(principal, idempotencyKey, `create-task:${taskId}`),
      });
      return { body: taskResource(await taskAfter(deps, taskId)), headers: { Location: `/v1/tasks/${taskId}` } };
    },
  );

  readRoute(add, deps);
  assignRoute(add, deps);
  cancelRoute(add, deps);
  taskClosingRoutes(add, deps);

  return router;
}

/** Cancelling and completing a task by hand: each an event of its deal (OW1, TK1). */
function taskClosingRoutes(add: ApiRouter['add'], deps: AppDeps) {
  const { db } = deps;
  add(
    {
      method: 'post',
      path: '/tasks/:id/complete',
      summary: "Complete an open task (an event in the deal's timeline)",
      description:
        'Sends COMPLETE_TASK to the deal: the task closes with reason `completed` and the completion appears in the timeline with who and when. ' +
        'Completing a closed task again answers the task as it is. A rep completes its own tasks or those of its deals; a queued task needs ops or admin.',
      tags: ['Tasks'],
      roles: INTERNAL,
      params: idParams,
      body: z.strictObject({ note: text(2_000).optional() }),
      success: { status: 200, description: 'The task', schema: taskSchema },
      errors: [404, 409, 503],
    },
    async ({ principal, params, body }) => {
      const task = await taskFor(deps, principal, params.id);
      if (task.status === 'open' && task.opportunityId === null)
        await closeDealLessTask(db, task.id, {
          status: 'done',
          reason: 'completed',
          closedBy: principal.userId,
          note: body.note,
        });
      if (task.status === 'open' && task.opportunityId !== null) {
        const event = {
          type: 'COMPLETE_TASK',
          taskId: task.id,
          note: body.note,
          actor: actorOf(principal),
          at: new Date().toISOString(),
        };
        // One completion per task: a second request (or a retry) is the same update.
        await deps.deals.apply(task.opportunityId, event, { requestId: `complete-task:${task.id}` });
      }
      return { body: taskResource((await getTask(db, task.id))!) };
    },
  );

  add(
    {
      method: 'post',
      path: '/tasks/:id/claim',
      summary: 'Take a queued task',
      description:
        'An ops or admin user takes an open task of a queue (e.g. `ops`): it becomes theirs and stays listed in its queue.',
      tags: ['Tasks'],
      roles: ['admin', 'ops'],
      params: idParams,
      body: z.strictObject({}),
      success: { status: 200, description: 'The task', schema: taskSchema },
      errors: [404, 409],
    },
    async ({ principal, params }) => {
      const task = await taskFor(deps, principal, params.id);
      const claimed = await claimTask(db, task.id, principal.userId);
      if (!claimed) throw new DomainError('task_not_queued', 409, 'Only an open task of a queue can be taken');
      return { body: taskResource(claimed) };
    },
  );
}

/** One task, for the links webhooks and emails carry. */
function readRoute(add: ApiRouter['add'], deps: AppDeps) {
  add(
    {
      method: 'get',
      path: '/tasks/:id',
      summary: 'A task',
      description:
        'The task with its deal, owner or queue, due date and how it closed. A rep sees its own tasks and those of its deals; a task of no deal (a failing webhook) is for ops and admin.',
      tags: ['Tasks'],
      roles: INTERNAL,
      params: idParams,
      success: { status: 200, description: 'The task', schema: taskSchema },
      errors: [404],
    },
    async ({ principal, params }) => {
      const task = await taskFor(deps, principal, params.id).catch((error: unknown) => {
        // A rep may read a queued task of its deal, though only ops act on it.
        if (error instanceof DomainError && error.status === 403) return getTask(deps.db, params.id);
        throw error;
      });
      return { body: taskResource(task!) };
    },
  );
}

/** Giving an open task to a person or a queue: an event of its deal (OW1), or a write of its own for a task of no deal. */
function assignRoute(add: ApiRouter['add'], deps: AppDeps) {
  add(
    {
      method: 'post',
      path: '/tasks/:id/assign',
      summary: "Give an open task to a person or a queue (an event in the deal's timeline)",
      description:
        'Sends ASSIGN_TASK to the task’s deal. `ownerId` must be an active user (admin, ops or rep; else 422 naming `ownerId`). ' +
        'A closed task answers 409 `task_closed`. A rep assigns its own tasks and those of its deals, not queued ones (403).',
      tags: ['Tasks'],
      roles: INTERNAL,
      params: idParams,
      body: assignTaskBody,
      success: { status: 200, description: 'The task', schema: taskSchema },
      errors: [404, 409, 503],
    },
    async ({ principal, params, body, idempotencyKey }) => {
      const task = openTask(await taskFor(deps, principal, params.id));
      await checkAssignee(deps, body.ownerId);
      const owner = body.ownerId !== undefined ? { ownerId: body.ownerId } : { queue: body.queue! };
      if (task.opportunityId === null)
        return {
          body: taskResource(
            openTask((await assignDealLessTask(deps.db, task.id, owner)) ?? (await taskAfter(deps, task.id))),
          ),
        };
      const event = {
        type: 'ASSIGN_TASK',
        taskId: task.id,
        ...(body.ownerId !== undefined ? { ownerId: body.ownerId } : { queue: body.queue }),
        actor: actorOf(principal),
        at: new Date().toISOString(),
      };
      await deps.deals.apply(task.opportunityId, event, {
        requestId: requestIdFor(principal, idempotencyKey, randomUUID()),
      });
      return { body: taskResource(await taskAfter(deps, task.id)) };
    },
  );
}

/** Cancelling a task by hand: an event of its deal (OW1). */
function cancelRoute(add: ApiRouter['add'], deps: AppDeps) {
  add(
    {
      method: 'post',
      path: '/tasks/:id/cancel',
      summary: "Cancel an open task that is no longer needed (an event in the deal's timeline)",
      description:
        'Sends CANCEL_TASK to the task’s deal: the task closes with reason `cancelled`, the optional `note` and who cancelled it. ' +
        'Cancelling a cancelled task again answers the task as it is; a task closed otherwise answers 409 `task_closed`. ' +
        'A rep cancels its own tasks and those of its deals, not queued ones (403).',
      tags: ['Tasks'],
      roles: INTERNAL,
      params: idParams,
      body: cancelTaskBody,
      success: { status: 200, description: 'The task', schema: taskSchema },
      errors: [404, 409, 503],
    },
    async ({ principal, params, body }) => {
      const task = await taskFor(deps, principal, params.id);
      if (task.status !== 'open' && task.closedReason === 'cancelled') return { body: taskResource(task) };
      openTask(task);
      if (task.opportunityId === null) {
        await closeDealLessTask(deps.db, task.id, {
          status: 'cancelled',
          reason: 'cancelled',
          closedBy: principal.userId,
          note: body.note,
        });
        return { body: taskResource(await taskAfter(deps, task.id)) };
      }
      const event = {
        type: 'CANCEL_TASK',
        taskId: task.id,
        ...(body.note !== undefined ? { note: body.note } : {}),
        actor: actorOf(principal),
        at: new Date().toISOString(),
      };
      // One cancellation per task: a second request (or a retry) is the same update.
      await deps.deals.apply(task.opportunityId, event, { requestId: `cancel-task:${task.id}` });
      return { body: taskResource(await taskAfter(deps, task.id)) };
    },
  );
}
