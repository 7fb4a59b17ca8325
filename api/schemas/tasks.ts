/**
 * Tasks by hand (OW1): the bodies of creating, assigning and cancelling a task, the task as
 * these routes show it, and the task list's filters. Each change is an event of the deal.
 */
import { z } from 'zod';
import { safeText, TASK_QUEUES, text } from '../../machines/opportunity';
import { documentSchema } from '../openapi/registry';
import { booleanQuery, isoDateTime, pageOf } from './common';
import { listTasksQuery as baseTaskQuery, taskSchema as baseTaskSchema } from './people';

/** A task with who made it and what they wrote (`system` for the workflow's own tasks). */
export const taskSchema = documentSchema(
  'DealTask',
  baseTaskSchema.extend({
    createdBy: z.string().meta({ description: 'Who made it: `system` for the workflow’s own, else the person' }),
    note: z.string().nullable().meta({ description: 'What its maker wrote when making it by hand' }),
  }),
);
export const taskPageSchema = documentSchema('DealTaskPage', pageOf(taskSchema));

export const TASK_DUE = ['today', 'overdue'] as const;

export const listTasksQuery = baseTaskQuery.extend({
  mine: booleanQuery
    .optional()
    .meta({ description: '`true`: only the caller’s own tasks (owner = caller); `false` is no filter' }),
  due: z
    .enum(TASK_DUE)
    .optional()
    .meta({
      description:
        '`today`: due on the current UTC day (00:00 to 24:00 UTC), open or not unless `status` says; ' +
        '`overdue`: open and due before now',
    }),
});

/** Exactly one of a person or a queue, named by `ownerId` when wrong (the field a client most often fills). */
const oneAssignee = <T extends { ownerId?: string; queue?: string }>(t: T): boolean =>
  (t.ownerId === undefined) !== (t.queue === undefined);
const oneAssigneeError = { message: 'give exactly one of ownerId (a person) or queue', path: ['ownerId'] };

const assignee = {
  ownerId: z.uuid().optional().meta({ description: 'An active user (admin, ops or rep) the task belongs to' }),
  queue: z.enum(TASK_QUEUES).optional().meta({ description: 'The queue it waits in until someone takes it' }),
};

export const createTaskBody = documentSchema(
  'CreateTask',
  z
    .strictObject({
      title: safeText({ max: 300, trim: true }),
      dueAt: isoDateTime,
      ...assignee,
      note: text(2_000).optional(),
    })
    .refine(oneAssignee, oneAssigneeError)
    .meta({
      description: 'A task made by hand: give `ownerId` or `queue`, not both.',
      example: {
        title: 'Send the case study',
        dueAt: '2026-06-01T09:00:00Z',
        ownerId: '0b9d6c8e-2f4a-4c61-9a57-3e1f0f6c2d11',
      },
    }),
);

export const assignTaskBody = documentSchema(
  'AssignTask',
  z
    .strictObject(assignee)
    .refine(oneAssignee, oneAssigneeError)
    .meta({ description: 'Who the task goes to: `ownerId` or `queue`, not both.', example: { queue: 'ops' } }),
);

export const cancelTaskBody = documentSchema(
  'CancelTask',
  z.strictObject({ note: text(2_000).optional().meta({ description: 'Why it is no longer needed' }) }),
);
