import { randomUUID } from 'node:crypto';
import { ensureClient } from '../../../db/queries/handoff';
import { inSeconds, nextAction } from '../../../fixtures/deal-events';
import { walk, type Api } from '../../support/api-deal';
import { httpClient, type HttpResponse } from '../../support/http';
import { eventually } from '../../support/kit';
import { startTestStack, type TestStack } from '../../support/stack';

/*
 * Daily pipeline work through HTTP on the real stack (OW1): owners, notes, field edits, the
 * timeline's before/after, names beside ids, and notes never reaching a client (K1).
 */

let stack: TestStack;
let admin: Api;
type Person = { id: string; name: string; token: string; api: Api };
let rep: Person;
let rep2: Person;
let ops: Person;
let gone: Person;

beforeAll(async () => {
  stack = await startTestStack();
  admin = httpClient(stack.baseUrl, stack.adminToken);
  rep = await person('rep', 'Rita Rep');
  rep2 = await person('rep', 'Rob Second');
  ops = await person('ops', 'Olga Ops');
  gone = await person('rep', 'Gus Gone');
  expect((await admin.post(`/v1/users/${gone.id}/deactivate`)).status).toBe(200);
});
afterAll(async () => {
  await stack?.stop();
});

async function person(role: 'rep' | 'ops' | 'admin', name: string): Promise<Person> {
  const created = await admin.post('/v1/users', { name, email: `${randomUUID()}@work.test`, role });
  expect(created.status).toBe(201);
  const token = await admin.post(`/v1/users/${created.body.id}/tokens`, { label: 'test' });
  expect(token.status).toBe(201);
  return { id: created.body.id, name, token: token.body.token, api: httpClient(stack.baseUrl, token.body.token) };
}

const expectProblem = (answer: HttpResponse, status: number, code: string, field?: string) => {
  expect([answer.status, answer.body?.code]).toEqual([status, code]);
  expect(answer.headers.get('content-type')).toContain('application/problem+json');
  if (field) expect(answer.body.errors.map((e: any) => e.field)).toContain(field);
};

const countDeals = async () =>
  (await stack.db.$client.query('select count(*)::int as n from opportunities')).rows[0].n as number;

async function dealOf(owner: Person, extra: Record<string, unknown> = {}) {
  const created = await owner.api.post('/v1/opportunities', {
    title: 'Call tracking',
    company: `Acme ${randomUUID().slice(0, 6)}`,
    ...extra,
  });
  expect(created.status).toBe(201);
  return created.body as { id: string; version: number };
}

async function timelineOf(api: Api, id: string): Promise<any[]> {
  const page = await api.get(`/v1/opportunities/${id}/events?limit=100`);
  expect(page.status).toBe(200);
  return page.body.items;
}

const send = (api: Api, id: string, body: Record<string, unknown>, headers?: Record<string, string>) =>
  api.post(`/v1/opportunities/${id}/events`, body, headers);

describe('owners', () => {
  it('[OW1] creation refuses an owner that is not an active rep or ops user, naming ownerId, and creates nothing', async () => {
    const before = await countDeals();
    const adminUser = (await admin.get('/v1/users?role=admin&limit=1')).body.items[0].id;
    for (const ownerId of [gone.id, adminUser, randomUUID()]) {
      const refused = await ops.api.post('/v1/opportunities', { title: 'T', company: 'C', ownerId });
      expectProblem(refused, 422, 'invalid_request', 'ownerId');
    }
    expect(await countDeals()).toBe(before);

    const named = await ops.api.post('/v1/opportunities', {
      title: 'Reviews',
      company: 'Named Co',
      ownerId: rep.id,
      nextAction: { description: 'Ask the agency', dueAt: inSeconds(86_400), ownerId: 'outside-agency' },
    });
    expect(named.status).toBe(201);
    expect(named.body.owner).toEqual({ id: rep.id, name: 'Rita Rep' });
    // An id that names no user shows name null beside it.
    expect(named.body.nextAction.owner).toEqual({ id: 'outside-agency', name: null });
    const read = await rep.api.get(`/v1/opportunities/${named.body.id}`);
    expect(read.body.owner).toEqual({ id: rep.id, name: 'Rita Rep' });
    expect(await countDeals()).toBe(before + 1);
  });

  it('[OW1] REASSIGN hands the deal and its open tasks to an active rep or ops user, shown with its name and in the timeline', async () => {
    const deal = await dealOf(rep);
    const tasksBefore = (await rep.api.get(`/v1/tasks?opportunityId=${deal.id}&status=open`)).body.items;
    expect(tasksBefore.map((t: any) => t.ownerId)).toEqual([rep.id]);

    // Refused, each naming ownerId, with the deal unchanged: a deactivated user, an admin, no such user.
    const adminUser = (await admin.get('/v1/users?role=admin&limit=1')).body.items[0].id;
    for (const ownerId of [gone.id, adminUser, randomUUID()]) {
      expectProblem(await send(rep.api, deal.id, { type: 'REASSIGN', ownerId }), 422, 'invalid_request', 'ownerId');
    }
    // Another rep cannot touch it at all.
    expectProblem(await send(rep2.api, deal.id, { type: 'REASSIGN', ownerId: rep2.id }), 404, 'not_found');
    expect((await rep.api.get(`/v1/opportunities/${deal.id}`)).body.version).toBe(deal.version);

    const moved = await send(rep.api, deal.id, { type: 'REASSIGN', ownerId: rep2.id, reason: 'Rita is on leave' });
    expect(moved.status).toBe(200);
    expect(moved.body.ownerId).toBe(rep2.id);
    expect(moved.body.owner).toEqual({ id: rep2.id, name: 'Rob Second' });
    expect(moved.body.version).toBe(deal.version + 1);
    // The previous owner no longer reads it; the new owner does, and has its open task.
    expect((await rep.api.get(`/v1/opportunities/${deal.id}`)).status).toBe(404);
    expect((await rep2.api.get(`/v1/opportunities/${deal.id}`)).body.owner.name).toBe('Rob Second');
    const tasksAfter = (await rep2.api.get(`/v1/tasks?opportunityId=${deal.id}&status=open`)).body.items;
    expect(tasksAfter.map((t: any) => [t.id, t.ownerId])).toEqual([[tasksBefore[0].id, rep2.id]]);

    const entry = (await timelineOf(rep2.api, deal.id)).find((e) => e.type === 'REASSIGN');
    expect(entry).toMatchObject({ actorId: rep.id, ownerId: rep2.id });
    expect(entry.changes).toEqual([{ field: 'ownerId', before: rep.id, after: rep2.id }]);

    // Ops hands it on to an ops person.
    const toOps = await send(ops.api, deal.id, { type: 'REASSIGN', ownerId: ops.id });
    expect([toOps.status, toOps.body.owner]).toEqual([200, { id: ops.id, name: 'Olga Ops' }]);
  });
});

describe('notes', () => {
  it('[OW1] RECORD_NOTE needs its text; notes list pinned first then newest, with author names, for staff of the deal only', async () => {
    const deal = await dealOf(rep);
    expectProblem(await send(rep.api, deal.id, { type: 'RECORD_NOTE' }), 422, 'invalid_request', 'attachments');
    expectProblem(
      await send(rep.api, deal.id, { type: 'RECORD_NOTE', attachments: {} }),
      422,
      'invalid_request',
      'attachments.body',
    );
    expect((await rep.api.get(`/v1/opportunities/${deal.id}`)).body.version).toBe(deal.version);

    const first = await send(rep.api, deal.id, { type: 'RECORD_NOTE', attachments: { body: 'First call went well' } });
    expect(first.status).toBe(200);
    const pinned = await send(ops.api, deal.id, {
      type: 'RECORD_NOTE',
      pinned: true,
      attachments: { body: 'COO signs off anything over 5k' },
    });
    expect(pinned.status).toBe(200);
    const last = await send(rep.api, deal.id, {
      type: 'RECORD_NOTE',
      forHandoff: true,
      attachments: { body: 'Prefers calls after 4pm' },
    });
    expect(last.status).toBe(200);

    const notes = await rep.api.get(`/v1/opportunities/${deal.id}/notes`);
    expect(notes.status).toBe(200);
    expect(notes.body.items.map((n: any) => [n.body, n.pinned, n.forHandoff, n.author.id, n.author.name])).toEqual([
      ['COO signs off anything over 5k', true, false, ops.id, 'Olga Ops'],
      ['Prefers calls after 4pm', false, true, rep.id, 'Rita Rep'],
      ['First call went well', false, false, rep.id, 'Rita Rep'],
    ]);
    const paged = await rep.api.get(`/v1/opportunities/${deal.id}/notes?limit=2`);
    const rest = await rep.api.get(`/v1/opportunities/${deal.id}/notes?limit=2&cursor=${paged.body.nextCursor}`);
    expect([...paged.body.items, ...rest.body.items].map((n: any) => n.id)).toEqual(
      notes.body.items.map((n: any) => n.id),
    );
    const forHandoff = await rep.api.get(`/v1/opportunities/${deal.id}/notes?forHandoff=true`);
    expect(forHandoff.body.items.map((n: any) => n.body)).toEqual(['Prefers calls after 4pm']);

    const types = (await timelineOf(rep.api, deal.id)).map((e) => e.type);
    expect(types.filter((t) => t === 'RECORD_NOTE')).toHaveLength(3);

    expectProblem(await rep2.api.get(`/v1/opportunities/${deal.id}/notes`), 404, 'not_found');
    const portal = httpClient(stack.baseUrl, (await stack.user('portal', await clientId())).token);
    expectProblem(await portal.get(`/v1/opportunities/${deal.id}/notes`), 403, 'forbidden');
    const bad = await rep.api.get(`/v1/opportunities/${deal.id}/notes?forHandoff=yes`);
    expectProblem(bad, 400, 'malformed_request', 'query.forHandoff');
  });
});

/** A client for a portal user to belong to. */
async function clientId(): Promise<string> {
  const client = await ensureClient(stack.db, {
    key: `pipeline-work-client-${randomUUID()}`,
    opportunityId: (await dealOf(ops)).id,
    name: `Client ${randomUUID().slice(0, 8)}`,
  });
  return client.id;
}

describe('edits', () => {
  it('[OW1] UPDATE_DEAL with If-Match changes the fields the opportunity shows and keeps before and after in the timeline; stale is 412', async () => {
    const deal = await dealOf(rep, { title: 'Old title' });
    const update = {
      type: 'UPDATE_DEAL',
      title: 'Call tracking for both sites',
      contact: { name: 'Dana Office', email: 'Dana@Example.com', phone: '+1 555 0100' },
      value: { amountCents: 1_250_000, currency: 'EUR' },
      expectedCloseDate: '2026-09-30',
      probability: 40,
    };
    const stale = await send(rep.api, deal.id, update, { 'If-Match': `"${deal.version + 5}"` });
    expectProblem(stale, 412, 'version_mismatch');
    expect(stale.body.currentVersion).toBe(deal.version);

    const changed = await send(rep.api, deal.id, update, { 'If-Match': `"${deal.version}"` });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).toBe(`"${deal.version + 1}"`);
    const read = await rep.api.get(`/v1/opportunities/${deal.id}`);
    expect(read.body).toMatchObject({
      title: 'Call tracking for both sites',
      contact: { name: 'Dana Office', email: 'dana@example.com', phone: '+1 555 0100' },
      value: { amountCents: 1_250_000, currency: 'EUR' },
      expectedCloseDate: '2026-09-30',
      probability: 40,
      version: deal.version + 1,
    });

    // Clearing one field records only that change.
    const cleared = await send(
      rep.api,
      deal.id,
      { type: 'UPDATE_DEAL', probability: null },
      { 'If-Match': `"${deal.version + 1}"` },
    );
    expect(cleared.status).toBe(200);
    expect(cleared.body.probability).toBeNull();

    const updates = (await timelineOf(rep.api, deal.id)).filter((e) => e.type === 'UPDATE_DEAL');
    expect(updates.map((e) => e.changes)).toEqual([
      [
        { field: 'title', before: 'Old title', after: 'Call tracking for both sites' },
        {
          field: 'contact',
          before: null,
          after: { name: 'Dana Office', email: 'dana@example.com', phone: '+1 555 0100' },
        },
        { field: 'value', before: null, after: { amountCents: 1_250_000, currency: 'EUR' } },
        { field: 'expectedCloseDate', before: null, after: '2026-09-30' },
        { field: 'probability', before: null, after: 40 },
      ],
      [{ field: 'probability', before: 40, after: null }],
    ]);
    // An event that changes no field shows an empty list.
    expect((await send(rep.api, deal.id, { type: 'RECORD_NOTE', attachments: { body: 'x' } })).status).toBe(200);
    expect((await timelineOf(rep.api, deal.id)).find((e) => e.type === 'RECORD_NOTE').changes).toEqual([]);
  });

  it('[OW1] a bad edit is refused naming its field, and changes nothing', async () => {
    const deal = await dealOf(rep);
    const entries = (await timelineOf(rep.api, deal.id)).length;
    const cases: [Record<string, unknown>, string][] = [
      [{ value: { amountCents: 100, currency: 'XYZ' } }, 'value.currency'],
      [{ value: { amountCents: -1, currency: 'EUR' } }, 'value.amountCents'],
      [{ probability: 101 }, 'probability'],
      [{ expectedCloseDate: '2026-13-01' }, 'expectedCloseDate'],
      [{ contact: { email: 'x@example.com' } }, 'contact.name'],
      [{ title: '' }, 'title'],
      [{ stage: 'won' }, 'stage'],
    ];
    for (const [fields, field] of cases) {
      const refused = await send(rep.api, deal.id, { type: 'UPDATE_DEAL', ...fields });
      expect([field, refused.status]).toEqual([field, 422]);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
      expect(refused.body.errors.map((e: any) => e.field)).toContain(field);
    }
    expectProblem(await send(rep.api, deal.id, { type: 'UPDATE_DEAL' }), 422, 'invalid_request');
    expectProblem(
      await send(rep.api, deal.id, { type: 'UPDATE_DEAL', probability: 5 }, { 'If-Match': 'three' }),
      400,
      'malformed_request',
      'headers.if-match',
    );
    const read = await rep.api.get(`/v1/opportunities/${deal.id}`);
    expect(read.body).toMatchObject({ version: deal.version, value: null, probability: null, contact: null });
    expect(await timelineOf(rep.api, deal.id)).toHaveLength(entries);
  });
});

describe('notes never reach a client', () => {
  it('[K1] a handed-off deal’s notes (one for the handoff) appear in no portal or proposal-link answer', async () => {
    const apis = { rep: rep.api, ops: ops.api };
    const deal = await dealOf(rep, { title: 'Lead flow rebuild', company: `Portal Co ${randomUUID().slice(0, 6)}` });
    const SECRET = `INTERNAL-NOTE-${randomUUID()}`;
    const HANDOFF = `INTERNAL-HANDOFF-NOTE-${randomUUID()}`;
    expect((await send(rep.api, deal.id, { type: 'RECORD_NOTE', attachments: { body: SECRET } })).status).toBe(200);
    expect(
      (await send(rep.api, deal.id, { type: 'RECORD_NOTE', forHandoff: true, attachments: { body: HANDOFF } })).status,
    ).toBe(200);
    const sent = await walk(apis, deal.id, rep.id, 'lead', 'sent');
    expect(sent.body.stage).toBe('sent');
    const link = await httpClient(stack.baseUrl).get(sent.body.proposalLink.url);
    expect(link.status).toBe(200);
    await walk(apis, deal.id, rep.id, 'sent', 'handed_off');
    const handedOff = await eventually(async () => {
      const read = await rep.api.get(`/v1/opportunities/${deal.id}`);
      return read.body.stage === 'handed_off' ? read.body : undefined;
    }, 60_000);
    expect(handedOff.clientId).not.toBeNull();

    // The handoff note travelled to the project (internal), so there is something a portal could leak.
    const project = await stack.db.$client.query(`select name, handoff_notes from projects where opportunity_id = $1`, [
      deal.id,
    ]);
    expect(project.rows).toHaveLength(1);
    expect(JSON.stringify(project.rows[0].handoff_notes)).toContain(HANDOFF);

    const portal = httpClient(stack.baseUrl, (await stack.user('portal', handedOff.clientId)).token);
    const answers = [
      link,
      await portal.get(`/v1/portal/clients/${handedOff.clientId}`),
      await portal.get('/v1/portal/projects'),
      await portal.get(`/v1/opportunities/${deal.id}/notes`),
      await portal.get(`/v1/opportunities/${deal.id}`),
      await portal.get(`/v1/opportunities/${deal.id}/events`),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 403, 403, 403]);
    // The client does read its project: the notes are absent from an answer about the very deal.
    expect(JSON.stringify(answers[2].body)).toContain(project.rows[0].name);
    for (const answer of answers) {
      expect(JSON.stringify(answer.body)).not.toContain(SECRET);
      expect(JSON.stringify(answer.body)).not.toContain(HANDOFF);
    }
    // Staff still read both.
    const notes = (await rep.api.get(`/v1/opportunities/${deal.id}/notes`)).body.items.map((n: any) => n.body);
    expect(notes.sort()).toEqual([HANDOFF, SECRET].sort());
  });
});

describe('names', () => {
  it('[OW1] the opportunity shows its owner and next action owner by name; the event answer too', async () => {
    const deal = await dealOf(rep);
    const moved = await send(rep.api, deal.id, { type: 'SET_NEXT_ACTION', nextAction: nextAction(ops.id) });
    expect(moved.status).toBe(200);
    expect(moved.body.owner).toEqual({ id: rep.id, name: 'Rita Rep' });
    expect(moved.body.nextAction.owner).toEqual({ id: ops.id, name: 'Olga Ops' });
  });
});
