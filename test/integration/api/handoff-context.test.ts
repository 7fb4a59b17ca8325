import { randomUUID } from 'node:crypto';
import { ensureClient } from '../../../db/queries/handoff';
import { nextAction } from '../../../fixtures/deal-events';
import { walk, type Api } from '../../support/api-deal';
import { httpClient } from '../../support/http';
import { eventually } from '../../support/kit';
import { startTestStack, type TestStack } from '../../support/stack';

/*
 * The handoff context through HTTP on the real stack (HO1): the API settles which client a
 * deal is handed to before the deal hears of it (an id that exists, a returning client reused
 * by name or domain, an ambiguous one refused naming the candidates), services sold must be
 * active catalogue services, and a won deal whose handoff waits shows its blockers on the deal
 * and in the stuck list until ops clear them.
 */

let stack: TestStack;
let rep: { id: string; token: string };
let apis: { rep: Api; ops: Api; admin: Api };
let service: { id: string; name: string; code: string };
let retired: { id: string };
/** Names and domains of this run: clients are unique across the shared database. */
const run = randomUUID().slice(0, 8);

const events = (id: string) => `/v1/opportunities/${id}/events`;
const record = (id: string, body: Record<string, unknown>, as: Api = apis.rep) => as.post(events(id), body);
const versionOf = async (id: string): Promise<number> => (await apis.rep.get(`/v1/opportunities/${id}`)).body.version;
const contextOf = async (id: string) => (await apis.rep.get(`/v1/opportunities/${id}/handoff`)).body.context;

/** A deal walked through HTTP into `contract`; its id. */
async function dealInContract(): Promise<string> {
  const created = await apis.rep.post('/v1/opportunities', { title: 'Lead flow rebuild', company: `Harbor ${run}` });
  expect(created.status).toBe(201);
  await walk(apis, created.body.id, rep.id, 'lead', 'contract');
  return created.body.id;
}

/** An existing client (what an earlier deal's handoff made), written directly. */
async function existingClient(name: string, domain: string | null = null) {
  const deal = await apis.ops.post('/v1/opportunities', { title: 'Earlier deal', company: name });
  return ensureClient(stack.db, { key: `${deal.body.id}:client`, opportunityId: deal.body.id, name, domain });
}

/** The other five context facts of a deal at `contract`, with one connector whose access is `access`. */
function restOfContext(slug: string, access: 'requested' | 'granted') {
  return [
    { type: 'RECORD_PORTAL_CONTACTS', contacts: [{ name: 'Dana Office', email: `dana@${slug}.example.com` }] },
    {
      type: 'RECORD_CONNECTOR_ACCOUNT',
      connectorId: 'hubspot',
      provider: 'HubSpot',
      accountRef: 'portal 4411',
      access,
    },
    { type: 'RECORD_DATA_SOURCE', sourceId: 'crm-leads', kind: 'crm', name: 'HubSpot leads', connectorId: 'hubspot' },
    {
      type: 'RECORD_REPORTING_BASELINE',
      figures: [{ metric: 'monthly_leads', value: 120, unit: 'leads', period: '2026-10', measuredIn: 'HubSpot' }],
    },
    { type: 'RECORD_SERVICES_SOLD', serviceIds: [service.id] },
  ];
}

const contract = (repId: string) => ({
  type: 'RECORD_CONTRACT',
  contractState: 'signed',
  paymentState: 'deposit_paid',
  kickoffDate: '2026-12-07',
  onboardingOwner: repId,
  launchBlockers: [],
});

async function sendAll(id: string, bodies: Record<string, unknown>[]) {
  for (const body of bodies) {
    const answer = await record(id, body);
    if (answer.status !== 200)
      throw new Error(`${String(body.type)} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  }
}

beforeAll(async () => {
  stack = await startTestStack();
  rep = await stack.user('rep');
  const ops = await stack.user('ops');
  apis = {
    rep: httpClient(stack.baseUrl, rep.token),
    ops: httpClient(stack.baseUrl, ops.token),
    admin: httpClient(stack.baseUrl, stack.adminToken),
  };
  const created = await apis.admin.post('/v1/services', { code: `routing-${run}`, name: `Managed routing ${run}` });
  expect(created.status).toBe(201);
  service = created.body;
  const old = await apis.admin.post('/v1/services', { code: `retired-${run}`, name: 'Retired service' });
  retired = old.body;
  expect((await apis.admin.post(`/v1/services/${retired.id}`, { active: false })).status).toBe(200);
});
afterAll(async () => {
  await stack?.stop();
});

describe('RECORD_HANDOFF_CLIENT: one client, never a duplicate (HO1)', () => {
  let id: string;
  beforeAll(async () => {
    id = await dealInContract();
  });

  it('[HO1] an existing client by id: the deal records it with its stored name and domain; an unknown id is refused naming clientId', async () => {
    const client = await existingClient(`Byid Dental ${run}`, `byid-${run}.example.com`);
    const answer = await record(id, { type: 'RECORD_HANDOFF_CLIENT', clientId: client.id });
    expect(answer.status).toBe(200);
    expect((await contextOf(id)).client).toEqual({
      clientId: client.id,
      name: `Byid Dental ${run}`,
      domain: `byid-${run}.example.com`,
    });

    const before = await versionOf(id);
    const unknown = await record(id, { type: 'RECORD_HANDOFF_CLIENT', clientId: randomUUID() });
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors).toEqual([{ field: 'clientId', message: 'no client with this id' }]);
    expect(await versionOf(id)).toBe(before);
  });

  it('[HO1] a returning client is reused: by its name in another case with a legal-form suffix, and by its domain', async () => {
    const byName = await existingClient(`Harbor Plumbing ${run}`);
    const sameName = await record(id, { type: 'RECORD_HANDOFF_CLIENT', name: `HARBOR plumbing ${run}, LLC` });
    expect(sameName.status).toBe(200);
    expect((await contextOf(id)).client).toEqual({ clientId: byName.id, name: `Harbor Plumbing ${run}`, domain: null });

    const byDomain = await existingClient(`Domain Roofing ${run}`, `roof-${run}.example.com`);
    const sameDomain = await record(id, {
      type: 'RECORD_HANDOFF_CLIENT',
      name: `Roofing Group ${run}`,
      domain: `https://www.ROOF-${run}.example.com/contact`,
    });
    expect(sameDomain.status).toBe(200);
    expect((await contextOf(id)).client).toEqual({
      clientId: byDomain.id,
      name: `Domain Roofing ${run}`,
      domain: `roof-${run}.example.com`,
    });
  });

  it('[HO1] a name of one client and a domain of another is refused with 409 client_ambiguous naming both; the refusal changes nothing', async () => {
    const named = await existingClient(`Ambiguous Co ${run}`);
    const domained = await existingClient(`Elsewhere Inc ${run}`, `amb-${run}.example.com`);
    const before = await apis.rep.get(`/v1/opportunities/${id}`);
    const contextBefore = await contextOf(id);

    const refused = await record(id, {
      type: 'RECORD_HANDOFF_CLIENT',
      name: `Ambiguous Co ${run}`,
      domain: `amb-${run}.example.com`,
    });
    expect(refused.status).toBe(409);
    expect(refused.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(refused.body.code).toBe('client_ambiguous');
    expect(refused.body.candidates).toEqual(
      expect.arrayContaining([
        { id: named.id, name: `Ambiguous Co ${run}`, domain: null },
        { id: domained.id, name: `Elsewhere Inc ${run}`, domain: `amb-${run}.example.com` },
      ]),
    );
    expect(refused.body.candidates).toHaveLength(2);
    const after = await apis.rep.get(`/v1/opportunities/${id}`);
    expect(after.body.version).toBe(before.body.version);
    expect(await contextOf(id)).toEqual(contextBefore);

    // The caller chooses one by id.
    const chosen = await record(id, { type: 'RECORD_HANDOFF_CLIENT', clientId: domained.id });
    expect(chosen.status).toBe(200);
    expect((await contextOf(id)).client.clientId).toBe(domained.id);
  });

  it('[HO1] a name and domain no client has is recorded as a new client (no id)', async () => {
    const fresh = await record(id, {
      type: 'RECORD_HANDOFF_CLIENT',
      name: `Brand New Bakery ${run}`,
      domain: `bakery-${run}.example.com`,
    });
    expect(fresh.status).toBe(200);
    expect((await contextOf(id)).client).toEqual({
      clientId: null,
      name: `Brand New Bakery ${run}`,
      domain: `bakery-${run}.example.com`,
    });
  });
});

describe('RECORD_SERVICES_SOLD (S2, HO1)', () => {
  it('[S2] a service that is not an active catalogue service is refused naming each, before the deal hears of it', async () => {
    const id = await dealInContract();
    const before = await versionOf(id);
    const refused = await record(id, {
      type: 'RECORD_SERVICES_SOLD',
      serviceIds: [randomUUID(), service.id, retired.id],
    });
    expect(refused.status).toBe(422);
    expect(refused.body.errors.map((e: { field: string }) => e.field)).toEqual(['serviceIds.0', 'serviceIds.2']);
    expect(await versionOf(id)).toBe(before);

    const sold = await record(id, { type: 'RECORD_SERVICES_SOLD', serviceIds: [service.id] });
    expect(sold.status).toBe(200);
    expect((await contextOf(id)).servicesSold).toEqual([{ id: service.id, code: service.code, name: service.name }]);
  });
});

describe('hostile handoff context bodies', () => {
  it('answer 4xx naming the field, never 5xx, and change nothing', async () => {
    const id = await dealInContract();
    const before = await versionOf(id);
    const long = 'x'.repeat(5_000);
    const bodies: Record<string, unknown>[] = [
      { type: 'RECORD_HANDOFF_CLIENT' },
      { type: 'RECORD_HANDOFF_CLIENT', name: 'Nul\u0000Co' },
      { type: 'RECORD_HANDOFF_CLIENT', name: 'Lone \ud800 surrogate' },
      { type: 'RECORD_HANDOFF_CLIENT', name: 'Acme', domain: 'not a domain' },
      { type: 'RECORD_HANDOFF_CLIENT', name: 'Acme', domain: `${long}.com` },
      { type: 'RECORD_HANDOFF_CLIENT', clientId: 'not-a-uuid' },
      { type: 'RECORD_HANDOFF_CLIENT', name: { nested: { deeper: ['x'] } } },
      { type: 'RECORD_HANDOFF_CLIENT', name: 'Acme', extra: true },
      { type: 'RECORD_PORTAL_CONTACTS', contacts: [] },
      { type: 'RECORD_PORTAL_CONTACTS', contacts: [{ name: 'Dana', email: 'not-an-email' }] },
      {
        type: 'RECORD_PORTAL_CONTACTS',
        contacts: [
          { name: 'Dana', email: 'a@b.co' },
          { name: 'Dan', email: 'A@b.co' },
        ],
      },
      {
        type: 'RECORD_CONNECTOR_ACCOUNT',
        connectorId: 'hubspot',
        provider: 'HubSpot',
        accountRef: 'x',
        access: 'maybe',
      },
      { type: 'RECORD_CONNECTOR_ACCOUNT', connectorId: long, provider: 'HubSpot', accountRef: 'x', access: 'granted' },
      { type: 'RECORD_DATA_SOURCE', sourceId: 's', kind: 'crm', name: 'Leads' },
      {
        type: 'RECORD_REPORTING_BASELINE',
        figures: [{ metric: 'leads', value: -1, unit: 'leads', period: '2026-10', measuredIn: 'x' }],
      },
      {
        type: 'RECORD_REPORTING_BASELINE',
        figures: [{ metric: 'leads', value: 1e300, unit: 'leads', period: '2026-10', measuredIn: 'x' }],
      },
      { type: 'RECORD_REPORTING_BASELINE', figures: 'lots' },
      { type: 'RECORD_SERVICES_SOLD', serviceIds: ['not-a-uuid'] },
      { type: 'RECORD_SERVICES_SOLD', serviceIds: [service.id, service.id] },
      { type: 'RECORD_SERVICES_SOLD', serviceIds: Array.from({ length: 51 }, () => randomUUID()) },
    ];
    for (const body of bodies) {
      const answer = await record(id, body);
      expect([JSON.stringify(body).slice(0, 80), answer.status >= 400 && answer.status < 500]).toEqual([
        JSON.stringify(body).slice(0, 80),
        true,
      ]);
      expect(answer.body.errors?.length ?? 0).toBeGreaterThan(0);
    }
    expect(await versionOf(id)).toBe(before);
  });
});

describe('a won deal whose handoff waits (HO1)', () => {
  it('[HO1] MARK_WON names every missing context fact', async () => {
    const id = await dealInContract();
    await sendAll(id, [contract(rep.id)]);
    const refused = await record(id, { type: 'MARK_WON', nextAction: nextAction(rep.id) });
    expect(refused.status).toBe(409);
    expect(refused.body.unmetGates).toEqual(
      expect.arrayContaining([
        'handoff_client',
        'portal_contacts',
        'connector_accounts',
        'data_sources',
        'reporting_baseline',
        'services_sold',
      ]),
    );
    const fresh = await apis.rep.get(`/v1/opportunities/${id}`);
    expect(fresh.body.handoff).toEqual({ blockers: [] });
  });

  it('[HO1] access still requested: the deal waits in won with the blocker on the deal, /handoff and /v1/ops/stuck; access granted moves it on', async () => {
    const id = await dealInContract();
    const slug = `wait-${run}`;
    await sendAll(id, [
      contract(rep.id),
      { type: 'RECORD_HANDOFF_CLIENT', name: `Waiting Dental ${run}`, domain: `${slug}.example.com` },
      ...restOfContext(slug, 'requested'),
    ]);
    const won = await record(id, { type: 'MARK_WON', nextAction: nextAction(rep.id) });
    expect(won.status).toBe(200);

    const blocked = await eventually(async () => {
      const r = await apis.ops.get(`/v1/opportunities/${id}`);
      return r.body.handoff.blockers.length > 0 ? r : undefined;
    }, 60_000);
    expect(blocked.body.stage).toBe('won');
    expect(blocked.body.handoff.blockers).toEqual([
      { code: 'connector_access', ref: 'hubspot', detail: expect.stringContaining('requested') },
    ]);

    const read = await apis.ops.get(`/v1/opportunities/${id}/handoff`);
    expect(read.body.blockers).toEqual(blocked.body.handoff.blockers);
    expect(read.body.context.connectorAccounts).toEqual([
      expect.objectContaining({
        connectorId: 'hubspot',
        provider: 'HubSpot',
        accountRef: 'portal 4411',
        access: 'requested',
      }),
    ]);

    const stuck = await eventually(async () => {
      const page = await apis.ops.get(`/v1/ops/stuck?ownerId=${rep.id}&limit=100`);
      return page.body.items.find((d: { id: string }) => d.id === id);
    });
    expect(stuck.reasons.map((r: { code: string }) => r.code)).toContain('handoff_blocked');
    expect(stuck.reasons.find((r: { code: string }) => r.code === 'handoff_blocked').why).toContain(
      'connector_access (hubspot)',
    );
    expect(stuck.handoffBlockers).toEqual(blocked.body.handoff.blockers);

    // Ops record the access granted: the handoff resumes by itself.
    const granted = await record(
      id,
      {
        type: 'RECORD_CONNECTOR_ACCOUNT',
        connectorId: 'hubspot',
        provider: 'HubSpot',
        accountRef: 'portal 4411',
        access: 'granted',
      },
      apis.ops,
    );
    expect(granted.status).toBe(200);
    const done = await eventually(async () => {
      const r = await apis.ops.get(`/v1/opportunities/${id}`);
      return r.body.stage === 'handed_off' ? r : undefined;
    }, 60_000);
    expect(done.body.handoff).toEqual({ blockers: [] });
    const after = await apis.ops.get(`/v1/ops/stuck?ownerId=${rep.id}&limit=100`);
    expect(after.body.items.map((d: { id: string }) => d.id)).not.toContain(id);
  });
});
