import { z } from 'zod';
import { claimTask, getTask, listTasks, type TaskRow } from '../../db/queries/tasks';
import { text } from '../../machines/opportunity';
import type { AppDeps } from '../app';
import { opportunityFor } from '../access';
import type { Principal } from '../auth';
import { DomainError, notFound } from '../errors';
import { iso } from '../resources/unreadable';
import { apiRouter } from '../route-kit';
import { idParams } from '../schemas/common';
import { listTasksQuery, taskPageSchema, taskSchema } from '../schemas/people';

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
});

const INTERNAL = ['admin', 'ops', 'rep'] as const;

const actorOf = (principal: Principal) => ({ id: principal.userId, role: principal.role });

/** The task, when the caller may act on it: a rep its own tasks or its deals' tasks; queued ones need ops or admin. */
async function taskFor({ db }: AppDeps, principal: Principal, id: string): Promise<TaskRow> {
  const task = await getTask(db, id);
  if (!task) throw notFound('The task');
  if (principal.role === 'rep' && task.ownerId === principal.userId) return task;
  if (principal.role === 'rep' && task.queue !== null) throw notFound('The task');
  await opportunityFor(db, principal, task.opportunityId);
  return task;
}

export function taskRoutes(deps: AppDeps) {
  const { db, logger } = deps;
  const { router, add, list } = apiRouter('/v1', { db, logger });

  list(
    {
      path: '/tasks',
      summary: 'List tasks by deal, owner, queue, status and kind (TK1)',
      description:
        'Soonest due first. A rep lists the tasks of its own deals (with `opportunityId`) or its own tasks. ' +
        '`queue=ops` lists what waits for sales ops (proposal reviews, escalations, blocked writes), with the id of whoever took or closed each.',
      tags: ['Tasks'],
      roles: INTERNAL,
      query: listTasksQuery,
      errors: [404],
    },
    { of: 'tasks', schema: taskPageSchema, resource: taskResource },
    async ({ principal, query }) => {
      if (query.opportunityId) await opportunityFor(db, principal, query.opportunityId);
      const ownerId = principal.role === 'rep' && !query.opportunityId ? principal.userId : query.ownerId;
      return listTasks(db, { ...query, ownerId });
    },
  );

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
      if (task.status === 'open') {
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

  return router;
}
