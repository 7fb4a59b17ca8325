/**
 * Daily pipeline work through Temporal and Postgres (OW1): field edits with before and after,
 * an owner change that takes the previous owner's open tasks, tasks made, assigned and cancelled
 * by hand, notes, and notes for delivery that reach the project the handoff makes.
 */
import { randomUUID } from 'node:crypto';
import { countEventsByKey, listEvents } from '../../../db/queries/events';
import { listNotes } from '../../../db/queries/notes';
import { getOpportunity } from '../../../db/queries/opportunities';
import { getTask, listTasks } from '../../../db/queries/tasks';
import { eventFactory, stepsUpTo } from '../../../fixtures/deal-events';
import { dealWorkflowId } from '../../../workflows/deal/messages';
import { OPS, openTestDeal, REP, sendAll } from '../../support/deals';
import { eventually } from '../../support/kit';
import { startTestStack, type TestStack } from '../../support/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

const rep = eventFactory(REP);
const ops = eventFactory(OPS);
const REP_2 = { id: 'rep-2', role: 'rep' } as const;

const timeline = async (opportunityId: string) => (await listEvents(stack.db, { opportunityId, limit: 100 })).items;
const openTasks = async (opportunityId: string) =>
  (await listTasks(stack.db, { opportunityId, status: 'open', limit: 50 })).items;

describe('daily pipeline work on the real stack', () => {
  it('[OW1] UPDATE_DEAL changes the row’s columns, and its timeline row has each field before and after', async () => {
    const { opportunityId } = await openTestDeal(stack);
    const before = await getOpportunity(stack.db, opportunityId);
    const update = rep.base('UPDATE_DEAL', {
      company: 'Northwind Plumbing Ltd',
      contact: { name: 'Dana Office', email: 'dana@northwind.example' },
      value: { amountCents: 900_000, currency: 'GBP' },
      expectedCloseDate: '2027-02-15',
      probability: 35,
    });
    await sendAll(stack, opportunityId, [update]);

    const row = await getOpportunity(stack.db, opportunityId);
    expect(row).toMatchObject({
      company: 'Northwind Plumbing Ltd',
      // Not part of the update: the title the deal was opened with stays.
      title: before!.title,
      contactName: 'Dana Office',
      contactEmail: 'dana@northwind.example',
      contactPhone: null,
      valueCents: 900_000,
      currency: 'GBP',
      expectedCloseDate: '2027-02-15',
      probability: 35,
      lastActivityAt: new Date(String(update.at)),
    });
    const [logged] = await timeline(opportunityId);
    expect(logged.eventType).toBe('UPDATE_DEAL');
    expect(logged.changes).toEqual(
      expect.arrayContaining([
        { field: 'value', before: null, after: { amountCents: 900_000, currency: 'GBP' } },
        { field: 'expectedCloseDate', before: null, after: '2027-02-15' },
        { field: 'probability', before: null, after: 35 },
        {
          field: 'contact',
          before: null,
          after: { name: 'Dana Office', email: 'dana@northwind.example', phone: null },
        },
      ]),
    );
    expect(logged.changes?.find((c) => c.field === 'company')?.after).toBe('Northwind Plumbing Ltd');
    expect(logged.changes?.map((c) => c.field)).not.toContain('title');
  });

  it('[OW1] REASSIGN moves the deal and the previous owner’s open tasks, and only those, to the new owner', async () => {
    const { opportunityId } = await openTestDeal(stack);
    const [others, closed] = [randomUUID(), randomUUID()];
    const due = new Date(Date.now() + 86_400_000).toISOString();
    await sendAll(stack, opportunityId, [
      rep.base('CREATE_TASK', { taskId: others, title: 'Pull call logs', dueAt: due, ownerId: 'rep-3' }),
      rep.base('CREATE_TASK', { taskId: closed, title: 'Old idea', dueAt: due, ownerId: REP.id }),
      rep.base('CANCEL_TASK', { taskId: closed, note: 'dropped' }),
    ]);
    const repsOpen = (await openTasks(opportunityId)).filter((t) => t.ownerId === REP.id).map((t) => t.id);
    // The opening follow-up is the rep's.
    expect(repsOpen.length).toBeGreaterThan(0);

    await sendAll(stack, opportunityId, [ops.base('REASSIGN', { ownerId: REP_2.id, reason: 'Territory change' })]);
    expect((await getOpportunity(stack.db, opportunityId))?.ownerId).toBe(REP_2.id);
    for (const id of repsOpen) expect((await getTask(stack.db, id))?.ownerId).toBe(REP_2.id);
    expect((await openTasks(opportunityId)).filter((t) => t.ownerId === REP.id)).toEqual([]);
    expect(await getTask(stack.db, others)).toMatchObject({ ownerId: 'rep-3', status: 'open' });
    expect(await getTask(stack.db, closed)).toMatchObject({ ownerId: REP.id, status: 'cancelled' });
    const reassigned = (await timeline(opportunityId)).at(-1);
    expect(reassigned).toMatchObject({
      eventType: 'REASSIGN',
      actorId: OPS.id,
      ownerId: REP_2.id,
      changes: [{ field: 'ownerId', before: REP.id, after: REP_2.id }],
    });
  });

  it('[OW1] CREATE_TASK, ASSIGN_TASK and CANCEL_TASK write the task, and a retried update writes once', async () => {
    const { opportunityId } = await openTestDeal(stack);
    const taskId = randomUUID();
    const requestId = randomUUID();
    const create = rep.base('CREATE_TASK', {
      taskId,
      title: 'Send the recording',
      dueAt: '2026-12-24T10:00:00.000Z',
      queue: 'ops',
      note: 'Dana asked for it',
    });
    const first = await stack.deals.apply(opportunityId, create, { requestId });
    const again = await stack.deals.apply(opportunityId, create, { requestId });
    expect(again.version).toBe(first.version);
    expect(await countEventsByKey(stack.db, `${dealWorkflowId(opportunityId)}:${requestId}`)).toBe(1);
    expect(await getTask(stack.db, taskId)).toMatchObject({
      opportunityId,
      kind: 'other',
      title: 'Send the recording',
      queue: 'ops',
      ownerId: null,
      createdBy: REP.id,
      note: 'Dana asked for it',
      status: 'open',
      dueAt: new Date('2026-12-24T10:00:00.000Z'),
    });

    await sendAll(stack, opportunityId, [ops.base('ASSIGN_TASK', { taskId, ownerId: OPS.id })]);
    expect(await getTask(stack.db, taskId)).toMatchObject({ ownerId: OPS.id, queue: null, status: 'open' });

    const cancelId = randomUUID();
    const cancel = ops.base('CANCEL_TASK', { taskId, note: 'Sent by email instead' });
    await stack.deals.apply(opportunityId, cancel, { requestId: cancelId });
    await stack.deals.apply(opportunityId, cancel, { requestId: cancelId });
    expect(await getTask(stack.db, taskId)).toMatchObject({
      status: 'cancelled',
      closedReason: 'cancelled',
      closedNote: 'Sent by email instead',
      closedBy: OPS.id,
    });
    expect((await timeline(opportunityId)).map((e) => e.eventType)).toEqual([
      'CREATE_TASK',
      'ASSIGN_TASK',
      'CANCEL_TASK',
    ]);
  });

  it('[OW1] RECORD_NOTE writes a note with its author, time and pin, and is in the timeline', async () => {
    const { opportunityId } = await openTestDeal(stack);
    const note = rep.base('RECORD_NOTE', { pinned: true });
    await sendAll(stack, opportunityId, [{ event: note, attachments: { body: 'Dana prefers calls after 4pm' } }]);
    const { items } = await listNotes(stack.db, { opportunityId, limit: 10 });
    expect(items).toEqual([
      expect.objectContaining({
        body: 'Dana prefers calls after 4pm',
        recordedBy: REP.id,
        pinned: true,
        forHandoff: false,
        createdAt: new Date(String(note.at)),
      }),
    ]);
    expect((await timeline(opportunityId)).map((e) => e.eventType)).toEqual(['RECORD_NOTE']);
  });

  it('[OW1] a note for the handoff reaches the project’s handoff notes when the deal is handed off; other notes do not', async () => {
    const { opportunityId } = await openTestDeal(stack);
    const forDelivery = rep.base('RECORD_NOTE', { forHandoff: true });
    await sendAll(stack, opportunityId, [
      { event: forDelivery, attachments: { body: 'The Twilio port takes ten days: start it at kickoff' } },
      { event: rep.base('RECORD_NOTE'), attachments: { body: 'Internal: they haggled hard' } },
      ...stepsUpTo('won', REP, OPS),
    ]);
    await eventually(
      async () => ((await getOpportunity(stack.db, opportunityId))?.stage === 'handed_off' ? true : undefined),
      60_000,
    );
    const { rows } = await stack.db.$client.query(`select handoff_notes from projects where opportunity_id = $1`, [
      opportunityId,
    ]);
    expect(rows).toEqual([
      {
        handoff_notes: [
          {
            body: 'The Twilio port takes ten days: start it at kickoff',
            by: REP.id,
            at: new Date(String(forDelivery.at)).toISOString(),
          },
        ],
      },
    ]);
  });
});
