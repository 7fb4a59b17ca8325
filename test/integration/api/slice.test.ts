import { getOpportunity } from '../../../db/queries/opportunities';
import { dealWorkflowId } from '../../../workflows/deal/messages';
import { httpClient } from '../../support/http';
import { startTestStack, type TestStack } from '../../support/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe('the walking skeleton through HTTP on the real stack', () => {
  it('POST /v1/opportunities starts the deal workflow and returns the lead; GET reads it from Postgres', async () => {
    const api = httpClient(stack.baseUrl, stack.adminToken);
    const created = await api.post('/v1/opportunities', {
      title: 'Lead flow rebuild',
      company: 'Acme Dental',
      source: 'referral',
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/v1/opportunities/${created.body.id}`);
    expect(created.body).toMatchObject({ stage: 'lead', company: 'Acme Dental', source: 'referral', version: 0 });
    expect(created.body.workflowId).toBe(dealWorkflowId(created.body.id));
    expect(created.body.allowedEvents).not.toContain('QUALIFY');
    expect(created.body.nextStage).toBe('qualified');
    expect(created.body.nextStageGates).toEqual(expect.arrayContaining(['source', 'service_fit', 'urgency']));

    const row = await getOpportunity(stack.db, created.body.id);
    expect(row?.stage).toBe('lead');

    const description = await stack.temporal.workflow.getHandle(dealWorkflowId(created.body.id)).describe();
    expect(description.status.name).toBe('RUNNING');

    const read = await api.get(`/v1/opportunities/${created.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);
    expect(read.headers.get('etag')).toBe('"0"');
  });

  it('answers health: live always, ready when Postgres and Temporal answer and a worker polls', async () => {
    const api = httpClient(stack.baseUrl);
    expect((await api.get('/health/live')).status).toBe(200);
    const ready = await api.get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', checks: { postgres: 'up', temporal: 'up', workers: 'up' } });
  });

  it('answers bad input with problem+json naming the field, never 500, and creates nothing', async () => {
    const api = httpClient(stack.baseUrl, stack.adminToken);
    const before = await stack.db.$client.query('select count(*)::int as n from opportunities');
    const cases: [unknown, string][] = [
      [{ company: 'No title' }, 'title'],
      [{ title: '', company: 'Empty title' }, 'title'],
      [{ title: 'x', company: 'y', stage: 'won' }, 'stage'],
      [{ title: 'x', company: 'y', ownerId: 'not-a-uuid' }, 'ownerId'],
    ];
    for (const [body, field] of cases) {
      const response = await api.post('/v1/opportunities', body);
      expect(response.status).toBe(422);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    const malformed = await api.raw('POST', '/v1/opportunities', '{"title": ', {});
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors[0].field).toBe('body');
    const badId = await api.get('/v1/opportunities/not-a-uuid');
    expect(badId.status).toBe(400);
    expect(badId.body.errors[0].field).toBe('params.id');
    const after = await stack.db.$client.query('select count(*)::int as n from opportunities');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('refuses calls without a valid bearer token', async () => {
    expect((await httpClient(stack.baseUrl).get('/v1/opportunities/00000000-0000-4000-8000-000000000000')).status).toBe(
      401,
    );
    expect(
      (await httpClient(stack.baseUrl, 'opp_wrong').get('/v1/opportunities/00000000-0000-4000-8000-000000000000'))
        .status,
    ).toBe(401);
  });
});
