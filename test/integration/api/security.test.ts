import { ensureClient } from '../../../db/queries/handoff';
import { stampSummaries, upsertClientSafeSummary } from '../../../db/queries/client-safe-summaries';
import { httpClient } from '../../support/http';
import { startTestStack, type TestStack } from '../../support/stack';
import { nextAction } from '../../../fixtures/deal-events';

let stack: TestStack;
let repA: { id: string; token: string };
let repB: { id: string; token: string };
let dealA: string;

beforeAll(async () => {
  stack = await startTestStack();
  repA = await stack.user('rep');
  repB = await stack.user('rep');
  dealA = (
    await httpClient(stack.baseUrl, repA.token).post('/v1/opportunities', { title: 'Deal of A', company: 'Alpha Co' })
  ).body.id;
});
afterAll(async () => {
  await stack?.stop();
});

describe('who may read and change what', () => {
  it("[O1] a rep cannot read or change another rep's deal: every route answers 404, not 403, and nothing changes", async () => {
    const b = httpClient(stack.baseUrl, repB.token);
    for (const path of [
      '',
      '/events',
      '/proposal',
      '/approvals',
      '/contract',
      '/client-safe-summaries',
      '/outputs',
      '/outputs/audit-proof',
    ]) {
      const answer = await b.get(`/v1/opportunities/${dealA}${path}`);
      expect([path, answer.status]).toEqual([path, 404]);
    }
    expect((await b.get(`/v1/tasks?opportunityId=${dealA}`)).status).toBe(404);
    const change = await b.post(`/v1/opportunities/${dealA}/events`, {
      type: 'SET_NEXT_ACTION',
      nextAction: nextAction(repB.id),
    });
    expect(change.status).toBe(404);
    expect(change.body.code).toBe('not_found');
    // Completing a task is an event of its deal: another rep cannot complete (nor see) A's task.
    const [taskOfA] = (await httpClient(stack.baseUrl, repA.token).get(`/v1/tasks?opportunityId=${dealA}`)).body.items;
    const complete = await b.post(`/v1/tasks/${taskOfA.id}/complete`, {});
    expect(complete.status).toBe(404);
    // Only ops and admin take tasks from a queue.
    expect((await b.post(`/v1/tasks/${taskOfA.id}/claim`, {})).status).toBe(403);
    const list = await b.get('/v1/opportunities');
    expect(list.body.items.map((o: any) => o.id)).not.toContain(dealA);
    expect((await b.get(`/v1/opportunities?ownerId=${repA.id}`)).body.items).toEqual([]);
    const a = await httpClient(stack.baseUrl, repA.token).get(`/v1/opportunities/${dealA}`);
    expect(a.body.version).toBe(0);
    const stillOpen = await httpClient(stack.baseUrl, repA.token).get(`/v1/tasks?opportunityId=${dealA}`);
    expect(stillOpen.body.items.map((t: any) => [t.id, t.status])).toEqual([[taskOfA.id, 'open']]);
    const ops = httpClient(stack.baseUrl, (await stack.user('ops')).token);
    expect((await ops.get(`/v1/opportunities/${dealA}`)).status).toBe(200);
  });

  it('[O1] unauthenticated calls answer 401 and wrong-role calls 403, as problem+json', async () => {
    const anonymous = httpClient(stack.baseUrl);
    for (const [method, path] of [
      ['GET', '/v1/opportunities'],
      ['POST', '/v1/opportunities'],
      ['GET', `/v1/opportunities/${dealA}/events`],
      ['POST', '/v1/users'],
      ['GET', '/v1/tasks'],
    ]) {
      const answer = await anonymous.raw(method, path, method === 'POST' ? {} : undefined);
      expect([path, answer.status]).toEqual([path, 401]);
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
      expect(answer.headers.get('www-authenticate')).toContain('Bearer');
    }
    const rep = httpClient(stack.baseUrl, repA.token);
    expect((await rep.post('/v1/users', { name: 'x', email: 'x@example.com', role: 'admin' })).status).toBe(403);
    expect((await rep.get('/v1/users')).status).toBe(403);
    const ops = httpClient(stack.baseUrl, (await stack.user('ops')).token);
    expect((await ops.post('/v1/users', { name: 'x', email: 'x2@example.com', role: 'admin' })).status).toBe(403);
    const client = await ensureClient(stack.db, { key: `sec-client-${dealA}`, opportunityId: dealA, name: 'Alpha Co' });
    const portal = httpClient(stack.baseUrl, (await stack.user('portal', client.id)).token);
    for (const path of [
      '/v1/opportunities',
      `/v1/opportunities/${dealA}`,
      `/v1/opportunities/${dealA}/events`,
      '/v1/tasks',
    ]) {
      expect([path, (await portal.get(path)).status]).toEqual([path, 403]);
    }
    const forbidden = await portal.post(`/v1/opportunities/${dealA}/events`, { type: 'RECORD_FOLLOW_UP' });
    expect(forbidden.status).toBe(403);
  });

  it("[K1] a portal user sees only its own client's approved client-safe text, never another client's or internal or unapproved text", async () => {
    const rep = httpClient(stack.baseUrl, repA.token);
    const dealB = (await rep.post('/v1/opportunities', { title: 'Deal of B', company: 'Beta Co' })).body.id;
    const clientA = await ensureClient(stack.db, {
      key: `sec-client-${dealA}`,
      opportunityId: dealA,
      name: 'Alpha Co',
    });
    const clientB = await ensureClient(stack.db, { key: `sec-client-${dealB}`, opportunityId: dealB, name: 'Beta Co' });
    await upsertClientSafeSummary(stack.db, {
      opportunityId: dealA,
      kind: 'audit_findings',
      body: 'A-APPROVED findings',
      visibility: 'client_safe',
    });
    await upsertClientSafeSummary(stack.db, {
      opportunityId: dealA,
      kind: 'provider_caveats',
      body: 'A-INTERNAL caveat',
      visibility: 'internal',
    });
    // Client-safe and present when the approval was given, but not named by it: not approved (AP1).
    await upsertClientSafeSummary(stack.db, {
      opportunityId: dealA,
      kind: 'revenue_proof',
      body: 'A-UNNAMED proof',
      visibility: 'client_safe',
    });
    await stampSummaries(stack.db, dealA, 'ops-user', ['audit_findings', 'provider_caveats']);
    await upsertClientSafeSummary(stack.db, {
      opportunityId: dealA,
      kind: 'launch_blockers',
      body: 'A-UNAPPROVED blockers',
      visibility: 'client_safe',
    });
    await upsertClientSafeSummary(stack.db, {
      opportunityId: dealB,
      kind: 'audit_findings',
      body: 'B-APPROVED findings',
      visibility: 'client_safe',
    });
    await stampSummaries(stack.db, dealB, 'ops-user', ['audit_findings']);

    const portalA = httpClient(stack.baseUrl, (await stack.user('portal', clientA.id)).token);
    const own = await portalA.get(`/v1/portal/clients/${clientA.id}`);
    expect(own.status).toBe(200);
    expect(own.body.deals).toEqual([
      expect.objectContaining({
        opportunityId: dealA,
        summaries: [{ kind: 'audit_findings', body: 'A-APPROVED findings' }],
      }),
    ]);
    const text = JSON.stringify(own.body);
    for (const hidden of ['A-INTERNAL', 'A-UNAPPROVED', 'A-UNNAMED', 'B-APPROVED']) expect(text).not.toContain(hidden);
    const other = await portalA.get(`/v1/portal/clients/${clientB.id}`);
    expect(other.status).toBe(404);
    expect(JSON.stringify(other.body)).not.toContain('B-APPROVED');
    expect((await httpClient(stack.baseUrl).get('/p/not-a-real-link-token-0000000000000')).status).toBe(404);
  });

  it('[O1] [AP1] protected fields cannot be mass-assigned: stage, owner, version, actor and approval fields are refused by name', async () => {
    const rep = httpClient(stack.baseUrl, repA.token);
    const before = (await stack.db.$client.query('select count(*)::int as n from opportunities')).rows[0].n;
    const create = await rep.post('/v1/opportunities', {
      title: 'x',
      company: 'y',
      stage: 'won',
      version: 9,
      approvedBy: 'me',
    });
    expect(create.status).toBe(422);
    expect(create.body.errors.map((e: any) => e.field).sort()).toEqual(['approvedBy', 'stage', 'version']);
    const otherOwner = await rep.post('/v1/opportunities', { title: 'x', company: 'y', ownerId: repB.id });
    expect(otherOwner.status).toBe(422);
    expect(otherOwner.body.errors[0].field).toBe('ownerId');
    expect((await stack.db.$client.query('select count(*)::int as n from opportunities')).rows[0].n).toBe(before);

    const event = await rep.post(`/v1/opportunities/${dealA}/events`, {
      type: 'SET_NEXT_ACTION',
      nextAction: nextAction(repA.id),
      actor: { id: 'someone-else', role: 'admin' },
      at: '2020-01-01T00:00:00Z',
      stage: 'won',
      version: 7,
      ownerId: repB.id,
      approvedBy: repA.id,
    });
    expect(event.status).toBe(422);
    expect(event.body.errors.map((e: any) => e.field).sort()).toEqual([
      'actor',
      'approvedBy',
      'at',
      'ownerId',
      'stage',
      'version',
    ]);
    // Events that reach a deal another way (the workflow, a proposal link, a task's completion) are no caller's.
    for (const body of [
      { type: 'COMPLETE_HANDOFF', records: {} },
      { type: 'RECORD_VIEW' },
      { type: 'COMPLETE_TASK', taskId: '00000000-0000-4000-8000-000000000000' },
    ]) {
      const indirect = await rep.post(`/v1/opportunities/${dealA}/events`, body);
      expect([body.type, indirect.status, indirect.body.errors?.[0]?.field]).toEqual([body.type, 422, 'type']);
    }
    expect((await rep.get(`/v1/opportunities/${dealA}`)).body.version).toBe(0);
  });
});
