import { z } from 'zod';
import { completeTask, getTask, listTasks, type TaskRow } from '../../db/queries/tasks';
import type { AppDeps } from '../app';
import { opportunityFor } from '../access';
import { iso } from '../resources/unreadable';
import { apiRouter } from '../route-kit';
import { idParams } from '../schemas/common';
import { listTasksQuery, taskPageSchema, taskSchema } from '../schemas/people';
import { notFound } from '../errors';

export const taskResource = (t: TaskRow) => ({
  id: t.id,
  opportunityId: t.opportunityId,
  kind: t.kind,
  title: t.title,
  ownerId: t.ownerId,
  dueAt: iso(t.dueAt),
  status: t.status,
  createdAt: iso(t.createdAt),
  completedAt: iso(t.completedAt),
});

const INTERNAL = ['admin', 'ops', 'rep'] as const;

export function taskRoutes({ db, logger }: AppDeps) {
  const { router, add, list } = apiRouter('/v1', { db, logger });

  list(
    {
      path: '/tasks',
      summary: 'List tasks by deal, owner, status and kind (TK1)',
      description: 'Soonest due first. A rep lists the tasks of its own deals (with `opportunityId`) or its own tasks.',
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
      summary: 'Complete an open task',
      description: 'Completing a done task again answers the task as it is.',
      tags: ['Tasks'],
      roles: INTERNAL,
      params: idParams,
      body: z.strictObject({}),
      success: { status: 200, description: 'The task', schema: taskSchema },
      errors: [404],
    },
    async ({ principal, params }) => {
      const task = await getTask(db, params.id);
      if (!task) throw notFound('The task');
      if (!(principal.role === 'rep' && task.ownerId === principal.userId))
        await opportunityFor(db, principal, task.opportunityId);
      await completeTask(db, task.id);
      return { body: taskResource((await getTask(db, task.id))!) };
    },
  );

  return router;
}
