/**
 * Daily pipeline work in the database (OW1): what `recordDealEvent` writes for the new events,
 * in the event's transaction and once per key, driven by the real machine and the workflow's
 * own derivations (taskChangesOf, fieldChangesOf, tasksClosedBy), without Temporal.
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { createDealActivities } from '../../../activities/deal';
import { UNCOUNTED } from '../../../activities/metrics';
import { closeDb, type Db } from '../../../db/client';
import { countEventsByKey, listEvents } from '../../../db/queries/events';
import { listNotes, handoffNotesOf } from '../../../db/queries/notes';
import { getOpportunity } from '../../../db/queries/opportunities';
import { getTask, listTasks } from '../../../db/queries/tasks';
import { tasks } from '../../../db/schema';
import { createLogger } from '../../../infra/logger';
import { testNotifyDeps } from '../../support/notify';
import { createDeal, type DealState } from '../../../machines/opportunity';
import { recordedEvent } from '../../support/recorded-event';
import { testDb } from '../../support/db';

let db: Db;
let deals: ReturnType<typeof createDealActivities>;
beforeAll(() => {
  db = testDb();
  deals = createDealActivities({
    db,
    logger: createLogger('silent'),
    clock: () => new Date(),
    counters: UNCOUNTED,
    notify: testNotifyDeps(),
  });
});
afterAll(() => closeDb(db));

const REP = { id: 'rep-1', role: 'rep' } as const;
const OPS = { id: 'ops-1', role: 'ops' } as const;
const SYSTEM = { id: 'system', role: 'system' } as const;

/** A deal as the workflow keeps it: its state, version and log position, and the row it was created with. */
class TestDeal {
  version = 0;
  position = 0;
  private constructor(
    readonly id: string,
    public state: DealState,
  ) {}

  get workflowId(): string {
    return `opportunity-${this.id}`;
  }

  static async open(createdAt = '2026-12-01T09:00:00.000Z'): Promise<TestDeal> {
    const id = randomUUID();
    const state = createDeal({
      opportunityId: id,
      ownerId: REP.id,
      source: 'referral',
      at: createdAt,
      nextAction: { description: 'Qualify this lead', dueAt: '2026-12-02T09:00:00.000Z', ownerId: REP.id },
    });
    const deal = new TestDeal(id, state);
    await deals.createOpportunityRecord({
      opportunityId: id,
      workflowId: deal.workflowId,
      title: 'Lead-flow automation',
      company: `Company ${id.slice(0, 8)}`,
      ownerId: REP.id,
      source: 'referral',
      state,
      createdAt,
    });
    return deal;
  }

  /**
   * Records one event as the workflow does; `times` sends the same write again (an activity
   * retried after its transaction committed). Returns the write's key.
   */
  async record(event: Record<string, unknown>, options: { attachments?: object; times?: number } = {}) {
    const key = `${this.workflowId}:${randomUUID()}`;
    const { input, state } = recordedEvent(this, event, key, options.attachments);
    for (let i = 0; i < (options.times ?? 1); i += 1) await deals.recordDealEvent(input);
    Object.assign(this, { state, version: input.version, position: input.position });
    return key;
  }
}

const openTasksOf = async (opportunityId: string) =>
  (await listTasks(db, { opportunityId, status: 'open', limit: 50 })).items;

describe('recording daily pipeline work', () => {
  it('[OW1] the row is created with the deal’s fields and its creation as the last activity', async () => {
    const deal = await TestDeal.open('2026-12-01T09:00:00.000Z');
    expect(await getOpportunity(db, deal.id)).toMatchObject({
      title: 'Lead-flow automation',
      company: `Company ${deal.id.slice(0, 8)}`,
      valueCents: null,
      currency: null,
      expectedCloseDate: null,
      probability: null,
      contactName: null,
      lastActivityAt: new Date('2026-12-01T09:00:00.000Z'),
    });
  });

  it('[OW1] UPDATE_DEAL moves the row’s columns and keeps before and after on its log row; clearing writes null', async () => {
    const deal = await TestDeal.open();
    const at = '2026-12-03T10:00:00.000Z';
    await deal.record({
      type: 'UPDATE_DEAL',
      actor: REP,
      at,
      title: 'Call routing, two sites',
      company: 'Northwind Plumbing',
      contact: { name: 'Dana Office', email: 'Dana@Northwind.example', phone: '+44 20 7946 0000' },
      value: { amountCents: 1_250_000, currency: 'EUR' },
      expectedCloseDate: '2027-01-31',
      probability: 40,
    });
    expect(await getOpportunity(db, deal.id)).toMatchObject({
      title: 'Call routing, two sites',
      company: 'Northwind Plumbing',
      contactName: 'Dana Office',
      contactEmail: 'dana@northwind.example',
      contactPhone: '+44 20 7946 0000',
      valueCents: 1_250_000,
      currency: 'EUR',
      expectedCloseDate: '2027-01-31',
      probability: 40,
      lastActivityAt: new Date(at),
      version: 1,
    });
    const [row] = (await listEvents(db, { opportunityId: deal.id, limit: 10 })).items;
    expect(row.changes).toEqual(
      expect.arrayContaining([
        { field: 'title', before: expect.any(String), after: 'Call routing, two sites' },
        { field: 'company', before: expect.any(String), after: 'Northwind Plumbing' },
        { field: 'value', before: null, after: { amountCents: 1_250_000, currency: 'EUR' } },
        { field: 'probability', before: null, after: 40 },
        { field: 'expectedCloseDate', before: null, after: '2027-01-31' },
      ]),
    );

    await deal.record({ type: 'UPDATE_DEAL', actor: REP, value: null, probability: 55 });
    const cleared = await getOpportunity(db, deal.id);
    expect(cleared).toMatchObject({
      valueCents: null,
      currency: null,
      probability: 55,
      title: 'Call routing, two sites',
    });
    const second = (await listEvents(db, { opportunityId: deal.id, limit: 10 })).items[1];
    expect(second.changes).toEqual([
      { field: 'value', before: { amountCents: 1_250_000, currency: 'EUR' }, after: null },
      { field: 'probability', before: 40, after: 55 },
    ]);
  });

  it('[OW1] an event that changes no field has no changes; an event of the workflow does not move the last activity', async () => {
    const deal = await TestDeal.open('2026-12-01T09:00:00.000Z');
    await deal.record({
      type: 'SET_NEXT_ACTION',
      actor: SYSTEM,
      at: '2026-12-05T09:00:00.000Z',
      nextAction: { description: 'Win back', dueAt: '2026-12-20T09:00:00.000Z', ownerId: REP.id },
    });
    const row = await getOpportunity(db, deal.id);
    expect(row).toMatchObject({ version: 1, lastActivityAt: new Date('2026-12-01T09:00:00.000Z') });
    // The title the deal was created with stays: the state names none, and a projection never blanks it.
    expect(row?.title).toBe('Lead-flow automation');
    expect((await listEvents(db, { opportunityId: deal.id, limit: 10 })).items[0].changes).toBeNull();
  });

  it('[OW1] REASSIGN moves the row’s owner and only the previous owner’s open tasks', async () => {
    const deal = await TestDeal.open();
    const [mine, theirs, queued, closed] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const due = '2026-12-10T09:00:00.000Z';
    await deal.record({
      type: 'CREATE_TASK',
      actor: REP,
      taskId: mine,
      title: 'Call Dana',
      dueAt: due,
      ownerId: REP.id,
    });
    await deal.record({
      type: 'CREATE_TASK',
      actor: REP,
      taskId: theirs,
      title: 'Check',
      dueAt: due,
      ownerId: 'rep-3',
    });
    await deal.record({ type: 'CREATE_TASK', actor: REP, taskId: queued, title: 'Review', dueAt: due, queue: 'ops' });
    await deal.record({ type: 'CREATE_TASK', actor: REP, taskId: closed, title: 'Old', dueAt: due, ownerId: REP.id });
    await deal.record({ type: 'CANCEL_TASK', actor: REP, taskId: closed, note: 'not needed' });

    await deal.record({ type: 'REASSIGN', actor: OPS, ownerId: 'rep-2', reason: 'Dana moved region' });
    expect((await getOpportunity(db, deal.id))?.ownerId).toBe('rep-2');
    const owners = Object.fromEntries(
      await Promise.all([mine, theirs, queued, closed].map(async (id) => [id, (await getTask(db, id))?.ownerId])),
    );
    expect(owners).toEqual({ [mine]: 'rep-2', [theirs]: 'rep-3', [queued]: null, [closed]: REP.id });
    expect(await getTask(db, closed)).toMatchObject({ status: 'cancelled', closedReason: 'cancelled' });
    const log = (await listEvents(db, { opportunityId: deal.id, limit: 10 })).items;
    expect(log.at(-1)).toMatchObject({
      eventType: 'REASSIGN',
      ownerId: 'rep-2',
      changes: [{ field: 'ownerId', before: REP.id, after: 'rep-2' }],
    });
  });

  it('[OW1] CREATE_TASK, ASSIGN_TASK and CANCEL_TASK write the task once, however often the write is retried', async () => {
    const deal = await TestDeal.open();
    const taskId = randomUUID();
    const created = await deal.record(
      {
        type: 'CREATE_TASK',
        actor: REP,
        taskId,
        title: 'Send the call recording',
        dueAt: '2026-12-09T16:00:00.000Z',
        ownerId: REP.id,
        note: 'Dana asked on the call',
      },
      { times: 3 },
    );
    expect(await countEventsByKey(db, created)).toBe(1);
    expect(await db.select().from(tasks).where(eq(tasks.id, taskId))).toEqual([
      expect.objectContaining({
        key: `${created}:task:${taskId}`,
        opportunityId: deal.id,
        kind: 'other',
        title: 'Send the call recording',
        ownerId: REP.id,
        queue: null,
        status: 'open',
        createdBy: REP.id,
        note: 'Dana asked on the call',
        dueAt: new Date('2026-12-09T16:00:00.000Z'),
      }),
    ]);

    await deal.record({ type: 'ASSIGN_TASK', actor: REP, taskId, queue: 'ops' }, { times: 2 });
    expect(await getTask(db, taskId)).toMatchObject({ ownerId: null, queue: 'ops', status: 'open' });
    await deal.record({ type: 'ASSIGN_TASK', actor: OPS, taskId, ownerId: OPS.id });
    expect(await getTask(db, taskId)).toMatchObject({ ownerId: OPS.id, queue: null });

    const cancelled = await deal.record(
      { type: 'CANCEL_TASK', actor: OPS, taskId, note: 'sent by email' },
      { times: 2 },
    );
    expect(await countEventsByKey(db, cancelled)).toBe(1);
    expect(await getTask(db, taskId)).toMatchObject({
      status: 'cancelled',
      closedReason: 'cancelled',
      closedNote: 'sent by email',
      closedBy: OPS.id,
    });
    // A closed task is not assigned again.
    await deal.record({ type: 'ASSIGN_TASK', actor: OPS, taskId, ownerId: REP.id });
    expect(await getTask(db, taskId)).toMatchObject({ ownerId: OPS.id, status: 'cancelled' });
    expect((await openTasksOf(deal.id)).map((t) => t.id)).not.toContain(taskId);
    expect((await listEvents(db, { opportunityId: deal.id, limit: 10 })).items.map((e) => e.eventType)).toEqual([
      'CREATE_TASK',
      'ASSIGN_TASK',
      'ASSIGN_TASK',
      'CANCEL_TASK',
      'ASSIGN_TASK',
    ]);
  });

  it('[OW1] RECORD_NOTE writes one note with its author and time; notes list newest first or pinned first, page by page', async () => {
    const deal = await TestDeal.open();
    const times = ['2026-12-02T09:00:00.000Z', '2026-12-03T09:00:00.000Z', '2026-12-04T09:00:00.000Z'];
    await deal.record(
      { type: 'RECORD_NOTE', actor: REP, at: times[0], pinned: true },
      { attachments: { body: 'COO signs off anything over 5k' }, times: 2 },
    );
    await deal.record(
      { type: 'RECORD_NOTE', actor: OPS, at: times[1], forHandoff: true },
      { attachments: { body: 'Twilio port takes ten days' } },
    );
    await deal.record({ type: 'RECORD_NOTE', actor: REP, at: times[2] }, { attachments: { body: 'Calls after 4pm' } });

    const newest = await listNotes(db, { opportunityId: deal.id, limit: 2 });
    const rest = await listNotes(db, { opportunityId: deal.id, limit: 2, cursor: newest.nextCursor! });
    expect([...newest.items, ...rest.items].map((n) => [n.body, n.recordedBy, n.createdAt.toISOString()])).toEqual([
      ['Calls after 4pm', REP.id, times[2]],
      ['Twilio port takes ten days', OPS.id, times[1]],
      ['COO signs off anything over 5k', REP.id, times[0]],
    ]);
    expect(rest.nextCursor).toBeNull();

    const pinnedFirst = await listNotes(db, { opportunityId: deal.id, pinnedFirst: true, limit: 1 });
    const afterPin = await listNotes(db, {
      opportunityId: deal.id,
      pinnedFirst: true,
      limit: 5,
      cursor: pinnedFirst.nextCursor!,
    });
    expect([...pinnedFirst.items, ...afterPin.items].map((n) => [n.body, n.pinned])).toEqual([
      ['COO signs off anything over 5k', true],
      ['Calls after 4pm', false],
      ['Twilio port takes ten days', false],
    ]);
    expect(await handoffNotesOf(db, deal.id)).toEqual([
      { body: 'Twilio port takes ten days', by: OPS.id, at: times[1] },
    ]);
    const forHandoff = await listNotes(db, { opportunityId: deal.id, forHandoff: true, limit: 5 });
    expect(forHandoff.items.map((n) => n.body)).toEqual(['Twilio port takes ten days']);
  });
});
