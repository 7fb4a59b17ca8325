import { randomUUID } from 'node:crypto';
import { ensureClient } from '../../../db/queries/handoff';
import { inSeconds } from '../../../fixtures/deal-events';
import type { Api } from '../../support/api-deal';
import { httpClient, type HttpResponse } from '../../support/http';
import { startTestStack, type TestStack } from '../../support/stack';

/*
 * Tasks by hand through HTTP on the real stack (OW1): create, assign, cancel, complete, and
 * "my tasks due today"; each an event of the deal, a rep limited to its deals and its tasks.
 */

let stack: TestStack;
let admin: Api;
type Person = { id: string; name: string; api: Api };
let rep: Person;
let rep2: Person;
let rep3: Person;
let ops: Person;
let gone: Person;
let portal: Api;

beforeAll(async () => {
  stack = await startTestStack();
  admin = httpClient(stack.baseUrl, stack.adminToken);
  [rep, rep2, rep3, ops, gone] = await Promise.all([
    person('rep', 'Rita Rep'),
    person('rep', 'Rob Second'),
    person('rep', 'Rae Third'),
    person('ops', 'Olga Ops'),
    person('rep', 'Gus Gone'),
  ]);
  expect((await admin.post(`/v1/users/${gone.id}/deactivate`)).status).toBe(200);
  const client = await ensureClient(stack.db, {
    key: `tasks-client-${randomUUID()}`,
    opportunityId: await dealOf(ops),
    name: `Tasks client ${randomUUID().slice(0, 8)}`,
  });
  portal = httpClient(stack.baseUrl, (await stack.user('portal', client.id)).token);
});
afterAll(async () => {
  await stack?.stop();
});

async function person(role: 'rep' | 'ops', name: string): Promise<Person> {
  const created = await admin.post('/v1/users', { name, email: `${randomUUID()}@tasks.test`, role });
  expect(created.status).toBe(201);
  const token = await admin.post(`/v1/users/${created.body.id}/tokens`, { label: 'test' });
  return { id: created.body.id, name, api: httpClient(stack.baseUrl, token.body.token) };
}

async function dealOf(owner: Person): Promise<string> {
  const created = await owner.api.post('/v1/opportunities', {
    title: 'Call tracking',
    company: `Acme ${randomUUID().slice(0, 6)}`,
  });
  expect(created.status).toBe(201);
  return created.body.id;
}

const expectProblem = (answer: HttpResponse, status: number, code: string, field?: string) => {
  expect([answer.status, answer.body?.code]).toEqual([status, code]);
  expect(answer.headers.get('content-type')).toContain('application/problem+json');
  if (field) expect(answer.body.errors.map((e: any) => e.field)).toContain(field);
};

const versionOf = async (id: string) => (await admin.get(`/v1/opportunities/${id}`)).body.version as number;
const timelineTypes = async (id: string) =>
  (await admin.get(`/v1/opportunities/${id}/events?limit=100`)).body.items.map((e: any) => e.type) as string[];
const taskBody = (extra: Record<string, unknown> = {}) => ({
  title: 'Send the case study',
  dueAt: inSeconds(3 * 86_400),
  ...extra,
});

describe('creating a task', () => {
  it('[OW1] a rep makes a task on its deal for a person or the ops queue: 201, an event in the timeline', async () => {
    const deal = await dealOf(rep);
    const version = await versionOf(deal);
    const made = await rep.api.post(
      `/v1/opportunities/${deal}/tasks`,
      taskBody({ ownerId: rep2.id, note: 'Rob has the deck' }),
    );
    expect(made.status).toBe(201);
    expect(made.headers.get('location')).toBe(`/v1/tasks/${made.body.id}`);
    expect(made.body).toMatchObject({
      opportunityId: deal,
      title: 'Send the case study',
      ownerId: rep2.id,
      queue: null,
      status: 'open',
      createdBy: rep.id,
      note: 'Rob has the deck',
      kind: 'other',
    });
    const queued = await ops.api.post(`/v1/opportunities/${deal}/tasks`, taskBody({ queue: 'ops' }));
    expect([queued.status, queued.body.queue, queued.body.ownerId, queued.body.createdBy]).toEqual([
      201,
      'ops',
      null,
      ops.id,
    ]);
    expect(await versionOf(deal)).toBe(version + 2);
    const types = await timelineTypes(deal);
    expect(types.filter((t) => t === 'CREATE_TASK')).toHaveLength(2);
    const entry = (await admin.get(`/v1/opportunities/${deal}/events?limit=100`)).body.items.find(
      (e: any) => e.type === 'CREATE_TASK',
    );
    expect(entry).toMatchObject({ actorId: rep.id, payload: { taskId: made.body.id } });
  });

  it('[OW1] a retry with the same Idempotency-Key makes one task; refusals name the field and change nothing', async () => {
    const deal = await dealOf(rep);
    const version = await versionOf(deal);
    const key = { 'Idempotency-Key': `task-${randomUUID()}` };
    const body = taskBody({ ownerId: rep.id });
    const first = await rep.api.post(`/v1/opportunities/${deal}/tasks`, body, key);
    const again = await rep.api.post(`/v1/opportunities/${deal}/tasks`, body, key);
    expect([first.status, again.status, again.body.id]).toEqual([201, 201, first.body.id]);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    // The same key with another body is refused, not a second task.
    const reused = await rep.api.post(`/v1/opportunities/${deal}/tasks`, { ...body, title: 'Other' }, key);
    expectProblem(reused, 422, 'idempotency_key_reused');
    expect(await versionOf(deal)).toBe(version + 1);

    const refusals: [Record<string, unknown>, number, string, string][] = [
      [taskBody({ ownerId: gone.id }), 422, 'invalid_request', 'ownerId'],
      [taskBody({ ownerId: randomUUID() }), 422, 'invalid_request', 'ownerId'],
      [taskBody({ ownerId: rep.id, queue: 'ops' }), 422, 'invalid_request', 'ownerId'],
      [taskBody(), 422, 'invalid_request', 'ownerId'],
      [taskBody({ ownerId: rep.id, title: '' }), 422, 'invalid_request', 'title'],
      [taskBody({ ownerId: rep.id, dueAt: 'tomorrow' }), 422, 'invalid_request', 'dueAt'],
      [taskBody({ queue: 'sales' }), 422, 'invalid_request', 'queue'],
      [taskBody({ ownerId: rep.id, taskId: randomUUID() }), 422, 'invalid_request', 'taskId'],
    ];
    for (const [body, status, code, field] of refusals) {
      expectProblem(await rep.api.post(`/v1/opportunities/${deal}/tasks`, body), status, code, field);
    }
    // Another rep's deal, a portal user, an unknown deal, a malformed id.
    expectProblem(
      await rep2.api.post(`/v1/opportunities/${deal}/tasks`, taskBody({ ownerId: rep2.id })),
      404,
      'not_found',
    );
    expectProblem(await portal.post(`/v1/opportunities/${deal}/tasks`, taskBody({ queue: 'ops' })), 403, 'forbidden');
    expectProblem(
      await ops.api.post(`/v1/opportunities/${randomUUID()}/tasks`, taskBody({ queue: 'ops' })),
      404,
      'not_found',
    );
    expectProblem(
      await ops.api.post('/v1/opportunities/nope/tasks', taskBody({ queue: 'ops' })),
      400,
      'malformed_request',
      'params.id',
    );
    expect(await versionOf(deal)).toBe(version + 1);
    const open = await admin.get(`/v1/tasks?opportunityId=${deal}&kind=other`);
    expect(open.body.items).toHaveLength(1);
  });
});

describe('assigning and cancelling', () => {
  it('[OW1] a task goes to an active person or a queue; the assignee sees and acts on it; a rep cannot reach others’ tasks', async () => {
    const deal = await dealOf(rep);
    const made = (await rep.api.post(`/v1/opportunities/${deal}/tasks`, taskBody({ ownerId: rep.id }))).body;
    const version = await versionOf(deal);

    // Refused without a change: an inactive person, both or neither, a stranger rep, a portal user.
    expectProblem(
      await rep.api.post(`/v1/tasks/${made.id}/assign`, { ownerId: gone.id }),
      422,
      'invalid_request',
      'ownerId',
    );
    expectProblem(
      await rep.api.post(`/v1/tasks/${made.id}/assign`, { ownerId: rep2.id, queue: 'ops' }),
      422,
      'invalid_request',
      'ownerId',
    );
    expectProblem(await rep.api.post(`/v1/tasks/${made.id}/assign`, {}), 422, 'invalid_request', 'ownerId');
    expectProblem(await rep3.api.post(`/v1/tasks/${made.id}/assign`, { ownerId: rep3.id }), 404, 'not_found');
    expectProblem(await portal.post(`/v1/tasks/${made.id}/assign`, { ownerId: rep3.id }), 403, 'forbidden');
    expect(await versionOf(deal)).toBe(version);

    const assigned = await rep.api.post(`/v1/tasks/${made.id}/assign`, { ownerId: rep2.id });
    expect([assigned.status, assigned.body.ownerId, assigned.body.queue]).toEqual([200, rep2.id, null]);
    expect(await versionOf(deal)).toBe(version + 1);
    expect(await timelineTypes(deal)).toContain('ASSIGN_TASK');

    // The assignee lists it (not the deal, which stays the rep's) and may act on it.
    const mine = await rep2.api.get('/v1/tasks?mine=true');
    expect(mine.body.items.map((t: any) => t.id)).toContain(made.id);
    expect((await rep2.api.get(`/v1/opportunities/${deal}`)).status).toBe(404);
    // The deal's owner still sees it, a third rep does not.
    expect((await rep.api.get('/v1/tasks?limit=100')).body.items.map((t: any) => t.id)).toContain(made.id);
    expect((await rep3.api.get('/v1/tasks?limit=100')).body.items.map((t: any) => t.id)).not.toContain(made.id);

    // To the ops queue: the rep may no longer act on it (403), ops may.
    const toQueue = await rep2.api.post(`/v1/tasks/${made.id}/assign`, { queue: 'ops' });
    expect([toQueue.status, toQueue.body.queue, toQueue.body.ownerId]).toEqual([200, 'ops', null]);
    expectProblem(await rep.api.post(`/v1/tasks/${made.id}/cancel`, {}), 403, 'forbidden');
    expectProblem(await rep.api.post(`/v1/tasks/${made.id}/assign`, { ownerId: rep.id }), 403, 'forbidden');
    const back = await ops.api.post(`/v1/tasks/${made.id}/assign`, { ownerId: rep.id });
    expect([back.status, back.body.ownerId, back.body.queue]).toEqual([200, rep.id, null]);
  });

  it('[OW1] cancelling closes the task with its note (an event); again answers it as it is; a closed task cannot be assigned', async () => {
    const deal = await dealOf(rep);
    const made = (await rep.api.post(`/v1/opportunities/${deal}/tasks`, taskBody({ ownerId: rep.id }))).body;
    expectProblem(await rep3.api.post(`/v1/tasks/${made.id}/cancel`, {}), 404, 'not_found');
    expectProblem(await rep.api.post(`/v1/tasks/${made.id}/cancel`, { note: 5 }), 422, 'invalid_request', 'note');
    const version = await versionOf(deal);
    const cancelled = await rep.api.post(`/v1/tasks/${made.id}/cancel`, { note: 'They sent it themselves' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({
      status: 'cancelled',
      closedReason: 'cancelled',
      closedNote: 'They sent it themselves',
      closedBy: rep.id,
    });
    expect(await versionOf(deal)).toBe(version + 1);
    const again = await rep.api.post(`/v1/tasks/${made.id}/cancel`, {});
    expect([again.status, again.body.closedNote]).toEqual([200, 'They sent it themselves']);
    expect(await versionOf(deal)).toBe(version + 1);
    expectProblem(await rep.api.post(`/v1/tasks/${made.id}/assign`, { ownerId: rep2.id }), 409, 'task_closed');
    expect((await timelineTypes(deal)).filter((t) => t === 'CANCEL_TASK')).toHaveLength(1);

    // A completed task cannot be cancelled.
    const done = (await rep.api.post(`/v1/opportunities/${deal}/tasks`, taskBody({ ownerId: rep.id }))).body;
    expect((await rep.api.post(`/v1/tasks/${done.id}/complete`, {})).body.status).toBe('done');
    expectProblem(await rep.api.post(`/v1/tasks/${done.id}/cancel`, {}), 409, 'task_closed');
  });
});

describe('my tasks', () => {
  it('[OW1] mine=true with due=today or due=overdue (UTC day) combine with the other filters', async () => {
    const deal = await dealOf(rep);
    const now = new Date();
    const startOfDay = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    const at = (ms: number) => new Date(ms).toISOString();
    const make = async (title: string, dueAt: string, ownerId = rep.id) => {
      const made = await rep.api.post(`/v1/opportunities/${deal}/tasks`, { title, dueAt, ownerId });
      expect(made.status).toBe(201);
      return made.body;
    };
    const yesterday = await make('Yesterday', at(startOfDay - 3_600_000));
    const earlyToday = await make('Early today', at(startOfDay));
    const lateToday = await make('Late today', at(startOfDay + 86_400_000 - 1_000));
    const tomorrow = await make('Tomorrow', at(startOfDay + 86_400_000));
    const othersToday = await make('Rob today', at(startOfDay + 1_000), rep2.id);
    expect((await rep.api.post(`/v1/tasks/${earlyToday.id}/complete`, {})).status).toBe(200);

    const ids = async (api: Api, query: string) => {
      const page = await api.get(`/v1/tasks?opportunityId=${deal}&kind=other&limit=100${query}`);
      expect(page.status).toBe(200);
      return page.body.items.map((t: any) => t.id);
    };
    expect(await ids(rep.api, '&mine=true&due=today')).toEqual([earlyToday.id, lateToday.id]);
    expect(await ids(rep.api, '&mine=true&due=today&status=open')).toEqual([lateToday.id]);
    expect(await ids(rep.api, '&due=today')).toEqual([earlyToday.id, othersToday.id, lateToday.id]);
    expect(await ids(rep.api, '&mine=true&due=overdue')).toEqual([yesterday.id]);
    expect(await ids(rep.api, '&due=overdue&status=done')).toEqual([]);
    expect(await ids(rep.api, '&mine=true')).toEqual([yesterday.id, earlyToday.id, lateToday.id, tomorrow.id]);
    expect(await ids(rep.api, `&mine=true&ownerId=${rep2.id}`)).toEqual([]);
    // The assignee's own view, without the deal filter: only its own task of this deal.
    const robs = await rep2.api.get('/v1/tasks?mine=true&due=today&limit=100');
    expect(robs.body.items.filter((t: any) => t.opportunityId === deal).map((t: any) => t.id)).toEqual([
      othersToday.id,
    ]);

    expectProblem(await rep.api.get('/v1/tasks?due=tomorrow'), 400, 'malformed_request', 'query.due');
    expectProblem(await rep.api.get('/v1/tasks?mine=yes'), 400, 'malformed_request', 'query.mine');
    expectProblem(await portal.get('/v1/tasks?mine=true'), 403, 'forbidden');
  });
});
