import { randomUUID } from 'node:crypto';
import { closeDb, type Db } from '../../../db/client';
import { claimTask, closeTasks, ensureTask, getTask, listTasks, type NewTask } from '../../../db/queries/tasks';
import { testDb } from '../../support/db';
import { newOpportunity, uniqueKey } from './fixtures';

let db: Db;
beforeAll(() => {
  db = testDb();
});
afterAll(() => closeDb(db));

const task = (opportunityId: string, overrides: Partial<NewTask> = {}): NewTask =>
  ({
    key: uniqueKey('task'),
    opportunityId,
    kind: 'follow_up',
    title: 'Follow up on the proposal',
    ownerId: `owner-${opportunityId}`,
    dueAt: new Date('2026-12-02T09:00:00.000Z'),
    ...overrides,
  }) as NewTask;

describe('tasks', () => {
  it('[TK1] a task is created once per key, with owner and due date', async () => {
    const deal = await newOpportunity(db);
    const t = task(deal.id);
    expect(await ensureTask(db, t)).toBe(true);
    expect(await ensureTask(db, { ...t, title: 'again' })).toBe(false);
    const { items } = await listTasks(db, { opportunityId: deal.id, limit: 10 });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      title: t.title,
      ownerId: t.ownerId,
      dueAt: t.dueAt,
      status: 'open',
      kind: 'follow_up',
    });
  });

  it('[TK1] lists an owner’s open tasks soonest first, page by page', async () => {
    const deal = await newOpportunity(db);
    const ownerId = `owner-${randomUUID()}`;
    const dues = [5, 1, 3, 2, 4].map((day) => new Date(Date.UTC(2026, 11, day, 9)));
    for (const dueAt of dues) await ensureTask(db, task(deal.id, { ownerId, dueAt }));
    const first = await listTasks(db, { ownerId, status: 'open', limit: 2 });
    const rest = await listTasks(db, { ownerId, status: 'open', limit: 10, cursor: first.nextCursor! });
    expect([...first.items, ...rest.items].map((t) => t.dueAt.getUTCDate())).toEqual([1, 2, 3, 4, 5]);
    expect(rest.nextCursor).toBeNull();
  });

  it('[TK1] closes a task once, by id or by kind, with its reason and who closed it', async () => {
    const deal = await newOpportunity(db);
    await ensureTask(db, task(deal.id, { kind: 'follow_up' }));
    await ensureTask(db, task(deal.id, { kind: 'follow_up' }));
    await ensureTask(db, task(deal.id, { kind: 'proposal_review', ownerId: null, queue: 'ops' }));
    const [review] = (await listTasks(db, { opportunityId: deal.id, kind: 'proposal_review', limit: 10 })).items;
    const at = new Date('2026-12-03T10:00:00.000Z');
    const done = { taskId: review.id, status: 'done', reason: 'completed', closedBy: 'ops-1' } as const;
    expect(await closeTasks(db, deal.id, done, at)).toBe(1);
    expect(await closeTasks(db, deal.id, done, at)).toBe(0);
    const superseded = { kinds: ['follow_up'], status: 'cancelled', reason: 'superseded', closedBy: 'rep-1' } as const;
    expect(await closeTasks(db, deal.id, superseded, at)).toBe(2);
    expect((await listTasks(db, { opportunityId: deal.id, status: 'open', limit: 10 })).items).toHaveLength(0);
    // The queued review now names who took it; it stays listed in its queue.
    expect(await getTask(db, review.id)).toMatchObject({
      status: 'done',
      closedReason: 'completed',
      closedBy: 'ops-1',
      ownerId: 'ops-1',
      queue: 'ops',
      completedAt: at,
    });
    const cancelled = (await listTasks(db, { opportunityId: deal.id, status: 'cancelled', limit: 10 })).items;
    expect(cancelled.map((t) => [t.closedReason, t.closedBy])).toEqual([
      ['superseded', 'rep-1'],
      ['superseded', 'rep-1'],
    ]);
  });

  it('[TK1] a queued task lists under its queue until taken; only a queued open task can be taken', async () => {
    const deal = await newOpportunity(db);
    await ensureTask(db, task(deal.id, { kind: 'escalation', ownerId: null, queue: 'ops' }));
    await ensureTask(db, task(deal.id, { kind: 'follow_up' }));
    const queued = (await listTasks(db, { opportunityId: deal.id, queue: 'ops', limit: 10 })).items;
    expect(queued.map((t) => [t.kind, t.ownerId])).toEqual([['escalation', null]]);
    expect((await claimTask(db, queued[0].id, 'ops-2'))?.ownerId).toBe('ops-2');
    const personal = (await listTasks(db, { opportunityId: deal.id, kind: 'follow_up', limit: 10 })).items[0];
    expect(await claimTask(db, personal.id, 'ops-2')).toBeNull();
    await expect(ensureTask(db, task(deal.id, { ownerId: null, queue: null } as never))).rejects.toMatchObject({
      cause: { constraint: 'tasks_owner_or_queue' },
    });
  });
});
