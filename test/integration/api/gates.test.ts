import { randomUUID } from 'node:crypto';
import { ensureClient } from '../../../db/queries/handoff';
import { nextAction } from '../../../fixtures/deal-events';
import { GATE_CODES } from '../../../machines/opportunity';
import { walk, type Api } from '../../support/api-deal';
import { httpClient } from '../../support/http';
import { startTestStack, type TestStack } from '../../support/stack';

let stack: TestStack;
let rep: { id: string; token: string };
let apis: { rep: Api; ops: Api };

beforeAll(async () => {
  stack = await startTestStack();
  rep = await stack.user('rep');
  apis = {
    rep: httpClient(stack.baseUrl, rep.token),
    ops: httpClient(stack.baseUrl, (await stack.user('ops')).token),
  };
});
afterAll(async () => {
  await stack?.stop();
});

const newLead = async (): Promise<string> => {
  const created = await apis.rep.post('/v1/opportunities', {
    title: 'Gate catalogue',
    company: `Gates ${randomUUID().slice(0, 8)}`,
  });
  expect(created.status).toBe(201);
  return created.body.id as string;
};

describe('[GC1] GET /v1/gates through the real stack', () => {
  it('answers every internal role with every gate code, each with its requirement, guards and rules', async () => {
    for (const api of [apis.rep, apis.ops, httpClient(stack.baseUrl, stack.adminToken)]) {
      const answer = await api.get('/v1/gates');
      expect(answer.status).toBe(200);
      expect(answer.headers.get('cache-control')).toContain('no-store');
      const codes = (answer.body.items as { code: string }[]).map((entry) => entry.code);
      expect([...codes].sort()).toEqual([...GATE_CODES].sort());
    }
    const { body } = await apis.rep.get('/v1/gates');
    const contract = body.items.find((entry: { code: string }) => entry.code === 'contract_state');
    expect(contract).toMatchObject({ requirements: ['W2'], recordedBy: ['RECORD_CONTRACT'] });
    expect(contract.satisfiedBy).toContain('signed');
    expect(contract.guards).toEqual(expect.arrayContaining([{ event: 'MARK_WON', stages: ['contract'] }]));
    const payment = body.items.find((entry: { code: string }) => entry.code === 'payment_state');
    for (const state of ['invoiced', 'deposit_paid', 'paid', 'overdue']) expect(payment.satisfiedBy).toContain(state);
  });

  it('refuses a portal token (403) and no token (401)', async () => {
    const dealId = await newLead();
    const client = await ensureClient(stack.db, {
      key: `gates-client-${dealId}`,
      opportunityId: dealId,
      name: 'Gate Co',
    });
    const portal = httpClient(stack.baseUrl, (await stack.user('portal', client.id)).token);
    const forbidden = await portal.get('/v1/gates');
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('content-type')).toContain('application/problem+json');
    const anonymous = await httpClient(stack.baseUrl).get('/v1/gates');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toContain('Bearer');
  });

  it("lists every code of a refused event's unmetGates, stage and audit_evidence included", async () => {
    const catalogue = new Set(
      ((await apis.rep.get('/v1/gates')).body.items as { code: string }[]).map((entry) => entry.code),
    );

    const lead = await newLead();
    const early = await apis.rep.post(`/v1/opportunities/${lead}/events`, {
      type: 'START_AUDIT',
      nextAction: nextAction(rep.id),
    });
    expect(early.status).toBe(409);
    expect(early.body.unmetGates[0]).toBe('stage');
    expect(early.body.unmetGates.length).toBeGreaterThan(1);
    for (const code of early.body.unmetGates) expect([code, catalogue.has(code)]).toEqual([code, true]);

    const inAudit = await newLead();
    await walk(apis, inAudit, rep.id, 'lead', 'audit');
    expect((await apis.rep.get(`/v1/opportunities/${inAudit}`)).body.stage).toBe('audit');
    const section = await apis.rep.post(`/v1/opportunities/${inAudit}/events`, {
      type: 'RECORD_PROPOSAL_SECTION',
      section: 'scope',
      nextAction: nextAction(rep.id),
      attachments: { body: 'Scope before any evidence', visibility: 'client_safe' },
    });
    expect(section.status).toBe(409);
    expect(section.body.unmetGates).toEqual(expect.arrayContaining(['stage', 'audit_evidence']));
    for (const code of section.body.unmetGates) expect([code, catalogue.has(code)]).toEqual([code, true]);
  });

  it('is in the OpenAPI document with its response schema', async () => {
    const doc = (await httpClient(stack.baseUrl).get('/openapi.json')).body;
    expect(doc.paths).toHaveProperty('/v1/gates');
    const get = doc.paths['/v1/gates'].get;
    expect(Object.keys(get.responses)).toEqual(expect.arrayContaining(['200', '401', '403']));
    expect(get.responses['200'].content['application/json'].schema).toBeDefined();
    expect(doc.components.schemas).toHaveProperty('GateEntry');
    expect(doc.components.schemas.GateEntry.properties.code.enum.sort()).toEqual([...GATE_CODES].sort());
    const unmetGates = doc.components.schemas.Problem.properties.unmetGates;
    expect(unmetGates.description).toContain('GET /v1/gates');
  });
});
