import { randomUUID } from 'node:crypto';
import { ensureClient } from '../../../db/queries/handoff';
import { walk, type Api } from '../../support/api-deal';
import { httpClient } from '../../support/http';
import { startTestStack, type TestStack } from '../../support/stack';

/*
 * S2: the service catalogue through HTTP on the real stack: admin and ops keep it, every
 * internal role reads it, and a proposal's line items sell its active services.
 */

let stack: TestStack;
let apis: { admin: Api; ops: Api; rep: Api; portal: Api; anonymous: Api };
let repId: string;
/** Codes of this run: the catalogue is shared by every test file of the run. */
const run = randomUUID().slice(0, 8);
const code = (name: string) => `${name}-${run}`;

beforeAll(async () => {
  stack = await startTestStack();
  const rep = await stack.user('rep');
  const ops = await stack.user('ops');
  repId = rep.id;
  const repApi = httpClient(stack.baseUrl, rep.token);
  const created = await repApi.post('/v1/opportunities', { title: 'Catalogue portal', company: 'Portal Co' });
  const client = await ensureClient(stack.db, {
    key: `services-test-client-${created.body.id}`,
    opportunityId: created.body.id,
    name: 'Portal Co',
  });
  const portal = await stack.user('portal', client.id);
  apis = {
    admin: httpClient(stack.baseUrl, stack.adminToken),
    ops: httpClient(stack.baseUrl, ops.token),
    rep: repApi,
    portal: httpClient(stack.baseUrl, portal.token),
    anonymous: httpClient(stack.baseUrl),
  };
});
afterAll(async () => {
  await stack?.stop();
});

/** Every service a filter lists, across pages. */
async function listAll(query = ''): Promise<any[]> {
  const items: any[] = [];
  let cursor: string | null = null;
  do {
    const page: any = await apis.rep.get(
      `/v1/services?limit=100${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    expect(page.status).toBe(200);
    items.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return items;
}

/** A new deal walked to the proposal stage; its id. */
async function dealInProposal(): Promise<string> {
  const created = await apis.rep.post('/v1/opportunities', { title: 'Lead flow rebuild', company: 'Acme Dental' });
  expect(created.status).toBe(201);
  await walk(apis, created.body.id, repId, 'lead', 'proposal');
  return created.body.id;
}

const pricing = (lineItems: Record<string, unknown>[]) => ({
  type: 'RECORD_PROPOSAL_SECTION',
  section: 'pricing',
  attachments: { body: 'Setup and managed routing', visibility: 'client_safe', lineItems },
});

describe('the service catalogue (S2)', () => {
  let routing: any;
  let reporting: any;

  it('[S2] admin and ops create services (201 + Location); every internal role lists and reads them', async () => {
    const created = await apis.admin.post('/v1/services', {
      code: code('routing'),
      name: 'Managed lead routing',
      description: 'After-hours call and form routing',
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/v1/services/${created.body.id}`);
    expect(created.body).toMatchObject({
      code: code('routing'),
      name: 'Managed lead routing',
      description: 'After-hours call and form routing',
      active: true,
    });
    routing = created.body;

    const byOps = await apis.ops.post('/v1/services', { code: code('reporting'), name: 'Monthly reporting' });
    expect(byOps.status).toBe(201);
    expect(byOps.body).toMatchObject({ description: null, active: true });
    reporting = byOps.body;

    for (const api of [apis.admin, apis.ops, apis.rep]) {
      const read = await api.get(created.headers.get('location')!);
      expect(read.status).toBe(200);
      expect(read.body).toEqual(routing);
    }
    const listed = await listAll();
    expect(listed).toEqual(expect.arrayContaining([routing, reporting]));
    expect((await apis.rep.get(`/v1/services/${randomUUID()}`)).status).toBe(404);
  });

  it('[S2] a rep cannot create or change a service (403), a portal user cannot even read (403), no token is 401', async () => {
    const body = { code: code('rep-made'), name: 'Rep made' };
    const byRep = await apis.rep.post('/v1/services', body);
    expect(byRep.status).toBe(403);
    expect(byRep.body.code).toBe('forbidden');
    expect((await apis.rep.post(`/v1/services/${routing.id}`, { active: false })).status).toBe(403);
    expect((await apis.portal.get('/v1/services')).status).toBe(403);
    expect((await apis.portal.get(`/v1/services/${routing.id}`)).status).toBe(403);
    expect((await apis.portal.post('/v1/services', body)).status).toBe(403);
    expect((await apis.anonymous.get('/v1/services')).status).toBe(401);
    expect((await apis.anonymous.post('/v1/services', body)).status).toBe(401);
    expect((await listAll()).map((s) => s.code)).not.toContain(code('rep-made'));
  });

  it('[S2] a second service with the same code is refused with 409 naming `code`; the first is unchanged', async () => {
    const duplicate = await apis.ops.post('/v1/services', { code: code('routing'), name: 'Another routing' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.headers.get('content-type')).toContain('application/problem+json');
    expect(duplicate.body).toMatchObject({ code: 'service_code_taken', errors: [{ field: 'code' }] });
    expect((await apis.rep.get(`/v1/services/${routing.id}`)).body).toEqual(routing);
    expect((await listAll()).filter((s) => s.code === code('routing'))).toHaveLength(1);
  });

  it('[S2] a service is updated in part (name, description, active) and never deleted: deactivated, it lists as inactive', async () => {
    const renamed = await apis.ops.post(`/v1/services/${reporting.id}`, { name: 'Monthly lead-flow reporting' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ code: code('reporting'), name: 'Monthly lead-flow reporting', active: true });

    const strict = await apis.ops.post(`/v1/services/${reporting.id}`, { code: 'other' });
    expect(strict.status).toBe(422);
    expect(strict.body.errors.map((e: any) => e.field)).toEqual(['code']);
    expect((await apis.ops.post(`/v1/services/${randomUUID()}`, { active: false })).status).toBe(404);

    const retired = await apis.admin.post('/v1/services', { code: code('retired'), name: 'Retired service' });
    const deactivated = await apis.ops.post(`/v1/services/${retired.body.id}`, { active: false, description: null });
    expect(deactivated.status).toBe(200);
    expect(deactivated.body).toMatchObject({ active: false, description: null, name: 'Retired service' });
    expect(Date.parse(deactivated.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(retired.body.updatedAt));

    const active = (await listAll('&active=true')).map((s) => s.code);
    const inactive = (await listAll('&active=false')).map((s) => s.code);
    expect(active).toEqual(expect.arrayContaining([code('routing'), code('reporting')]));
    expect(active).not.toContain(code('retired'));
    expect(inactive).toContain(code('retired'));
    expect(inactive).not.toContain(code('routing'));
    expect((await apis.rep.get('/v1/services?active=yes')).status).toBe(400);
    expect((await apis.rep.get(`/v1/services/${retired.body.id}`)).body.active).toBe(false);
  });

  it('[S2] a line item naming an inactive or unknown service is refused with 422 naming the field, and the deal is unchanged', async () => {
    const id = await dealInProposal();
    const retired = (await listAll('&active=false')).find((s) => s.code === code('retired'));
    const before = await apis.rep.get(`/v1/opportunities/${id}`);

    const refused = await apis.rep.post(
      `/v1/opportunities/${id}/events`,
      pricing([
        { description: 'Setup', unitPriceCents: 250_000, serviceId: routing.id },
        { description: 'Old work', unitPriceCents: 10_000, serviceId: retired.id },
        { description: 'Unknown', unitPriceCents: 10_000, serviceId: randomUUID() },
      ]),
    );
    expect(refused.status).toBe(422);
    expect(refused.body.errors.map((e: any) => e.field)).toEqual([
      'attachments.lineItems.1.serviceId',
      'attachments.lineItems.2.serviceId',
    ]);

    // A refusal changes nothing: same version, no section in the timeline, no proposal content.
    const after = await apis.rep.get(`/v1/opportunities/${id}`);
    expect(after.body.version).toBe(before.body.version);
    expect(after.headers.get('etag')).toBe(before.headers.get('etag'));
    const timeline = await apis.rep.get(`/v1/opportunities/${id}/events?limit=100`);
    expect(timeline.body.items.map((e: any) => e.type)).not.toContain('RECORD_PROPOSAL_SECTION');
    const proposal = await apis.rep.get(`/v1/opportunities/${id}/proposal`);
    expect(proposal.status === 404 || proposal.body.lineItems.length === 0).toBe(true);
  });

  it('[S2] a proposal whose line items sell two services shows each line’s service and both in `records.services`', async () => {
    const id = await dealInProposal();
    const recorded = await apis.rep.post(
      `/v1/opportunities/${id}/events`,
      pricing([
        { description: 'Setup', unitPriceCents: 250_000, serviceId: routing.id },
        { description: 'Managed routing (month)', quantity: 3, unitPriceCents: 90_000, serviceId: routing.id },
        { description: 'Reporting (month)', quantity: 3, unitPriceCents: 20_000, serviceId: reporting.id },
        { description: 'Travel', unitPriceCents: 5_000, visibility: 'internal' },
      ]),
    );
    expect(recorded.status).toBe(200);

    const proposal = await apis.rep.get(`/v1/opportunities/${id}/proposal`);
    expect(proposal.status).toBe(200);
    const ref = (s: any) => ({ id: s.id, code: s.code, name: s.name });
    const reportingNow = (await apis.rep.get(`/v1/services/${reporting.id}`)).body;
    expect(proposal.body.lineItems.map((li: any) => [li.description, li.service])).toEqual([
      ['Setup', ref(routing)],
      ['Managed routing (month)', ref(routing)],
      ['Reporting (month)', ref(reportingNow)],
      ['Travel', null],
    ]);
    expect(proposal.body.records.services).toEqual(
      [ref(routing), ref(reportingNow)].sort((a, b) => a.code.localeCompare(b.code)),
    );
    expect(proposal.body.totalCents).toBe(250_000 + 3 * 90_000 + 3 * 20_000 + 5_000);
  });
});
