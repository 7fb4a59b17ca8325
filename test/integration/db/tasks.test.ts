import { randomUUID } from 'node:crypto';
import { closeDb, type Db } from '../../../db/client';
import { cancelOpenTasks, completeTask, ensureTask, listTasks, type NewTask } from '../../../db/queries/tasks';
import { testDb } from '../../support/db';
import { newOpportunity, uniqueKey } from './fixtures';

let db: Db;
beforeAll(() => {
  db = testDb();
});
afterAll(() => closeDb(db));

const task = (opportunityId: string, overrides: Partial<NewTask> = {}): NewTask => ({
  key: uniqueKey('task'),
  opportunityId,
  kind: 'follow_up',
  title: 'Follow up on the proposal',
  ownerId: `owner-${opportunityId}`,
  dueAt: new Date('2026-12-02T09:00:00.000Z'),
  ...overrides,
});

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

  it('[TK1] completes a task once and cancels open tasks of one kind', async () => {
    const deal = await newOpportunity(db);
    await ensureTask(db, task(deal.id, { kind: 'follow_up' }));
    await ensureTask(db, task(deal.id, { kind: 'follow_up' }));
    await ensureTask(db, task(deal.id, { kind: 'proposal_review' }));
    const [review] = (await listTasks(db, { opportunityId: deal.id, kind: 'proposal_review', limit: 10 })).items;
    expect(await completeTask(db, review.id)).toBe(true);
    expect(await completeTask(db, review.id)).toBe(false);
    expect(await cancelOpenTasks(db, { opportunityId: deal.id, kind: 'follow_up' })).toBe(2);
    expect((await listTasks(db, { opportunityId: deal.id, status: 'open', limit: 10 })).items).toHaveLength(0);
    expect((await listTasks(db, { opportunityId: deal.id, status: 'done', limit: 10 })).items.map((t) => t.id)).toEqual(
      [review.id],
    );
  });
});
