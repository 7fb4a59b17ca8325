import { randomUUID } from 'node:crypto';
import { ensureClient, ensureOnboardingChecklist, ensureProject } from '../../../db/queries/handoff';
import { HANDOFF_STEPS } from '../../../workflows/deal/handoff';
import { nextAction } from '../../../fixtures/deal-events';
import { CLIENT, INTERNAL, walk, type Api } from '../../support/api-deal';
import { httpClient } from '../../support/http';
import { eventually } from '../../support/kit';
import { startTestStack, type TestStack } from '../../support/stack';

/*
 * The read routes of the handoff records (W1, H1, OUT1, K1, HO1): one deal walked to handed_off
 * through HTTP with its handoff context, then read back by staff (`/v1/opportunities/:id/handoff`, `/v1/clients/:id`)
 * and by a portal user of its client (`/v1/portal/projects`). The tests run in order and share
 * the deal.
 */

let stack: TestStack;
let rep: { id: string; token: string };
let otherRep: { id: string; token: string };
let ops: { id: string; token: string };
let apis: { rep: Api; ops: Api };
let id: string;
let clientId: string;
let company: string;
let domain: string;
let otherName: string;
let service: { id: string; code: string; name: string };
/** Another client with a project of its own, written directly: the portal must never show it. */
let other: { clientId: string; projectId: string; portal: Api };

const handoff = (as: Api = apis.rep) => as.get(`/v1/opportunities/${id}/handoff`);
const json = (body: unknown) => JSON.stringify(body);
/** Keys of staff-only fields a portal answer must never carry (K1). */
const STAFF_KEYS = [
  'ownerId',
  'opportunityId',
  'clientId',
  'code',
  'notes',
  'note',
  'email',
  'userId',
  'contactId',
  'provider',
  'externalAccountId',
  'connectorAccountId',
  'dataSourceId',
  'connectorAccounts',
  'dataSources',
  'portalUsers',
  'values',
  'detail',
];

/** Every key anywhere in a JSON value. */
function keysOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keysOf);
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([key, inner]) => [key, ...keysOf(inner)]);
  return [];
}

beforeAll(async () => {
  stack = await startTestStack();
  rep = await stack.user('rep');
  otherRep = await stack.user('rep');
  ops = await stack.user('ops');
  apis = { rep: httpClient(stack.baseUrl, rep.token), ops: httpClient(stack.baseUrl, ops.token) };
  const slug = randomUUID().slice(0, 8);
  company = `Harbor Plumbing ${slug}`;
  domain = `harbor-${slug}.example.com`;
  otherName = `Other Co ${slug}`;
  const sold = await httpClient(stack.baseUrl, stack.adminToken).post('/v1/services', {
    code: `routing-${slug}`,
    name: `Managed routing ${slug}`,
  });
  expect(sold.status).toBe(201);
  service = sold.body;
  const created = await apis.rep.post('/v1/opportunities', {
    title: 'Missed-call recovery',
    company,
    source: 'referral',
  });
  expect(created.status).toBe(201);
  id = created.body.id;
  // The deal's contact: the client's contact once the handoff links the deal to its client.
  await stack.db.$client.query(
    `INSERT INTO contacts (opportunity_id, name, email, phone, role) VALUES ($1, 'Dana Ortiz', 'dana@harbor.test', '+15550100', 'Office manager')`,
    [id],
  );

  const otherDeal = await apis.ops.post('/v1/opportunities', { title: 'Other', company: otherName });
  const otherClient = await ensureClient(stack.db, {
    key: `${otherDeal.body.id}:client`,
    opportunityId: otherDeal.body.id,
    name: otherName,
  });
  const otherProject = await ensureProject(stack.db, {
    key: `${otherDeal.body.id}:project`,
    opportunityId: otherDeal.body.id,
    clientId: otherClient.id,
    name: `${otherName} delivery`,
    onboardingOwner: ops.id,
    scope: 'INTERNAL other scope',
    lineItems: [],
  });
  await ensureOnboardingChecklist(stack.db, {
    key: `${otherDeal.body.id}:checklist`,
    opportunityId: otherDeal.body.id,
    projectId: otherProject.id,
    ownerId: ops.id,
    items: [{ code: 'intake', title: `${otherName} intake form`, done: true }],
  });
  // An internal status a client must not read as written.
  await stack.db.$client.query(`UPDATE projects SET status = 'blocked: INTERNAL vendor dispute' WHERE id = $1`, [
    otherProject.id,
  ]);
  const otherPortal = await stack.user('portal', otherClient.id);
  other = {
    clientId: otherClient.id,
    projectId: otherProject.id,
    portal: httpClient(stack.baseUrl, otherPortal.token),
  };
});
afterAll(async () => {
  await stack?.stop();
});

describe('the handoff records, read back through HTTP', () => {
  it('before the handoff, /handoff answers 200 with every record empty or null and nothing recorded', async () => {
    const before = await handoff();
    expect(before.status).toBe(200);
    expect(before.body).toEqual({
      opportunityId: id,
      context: {
        client: null,
        portalContacts: [],
        connectorAccounts: [],
        dataSources: [],
        reportingBaseline: [],
        servicesSold: [],
      },
      blockers: [],
      blockerTasks: [],
      client: null,
      clientServices: [],
      project: null,
      portalUsers: [],
      connectorAccounts: [],
      dataSources: [],
      reportingBaseline: null,
      automationRuns: [],
      complete: {
        client: false,
        project: false,
        tasks: false,
        portal: false,
        connectors: false,
        reporting: false,
        all: false,
      },
    });
  });

  it('[W1] [OUT1] [HO1] after the handoff, /handoff shows the recorded context and every record with its values', async () => {
    await walk(apis, id, rep.id, 'lead', 'contract');
    const figures = [
      { metric: 'monthly_leads', value: 120, unit: 'leads', period: '2026-10', measuredIn: 'HubSpot' },
      { metric: 'response_time', value: 4.5, unit: 'hours', period: '2026-10', measuredIn: 'Call log audit' },
    ];
    const contact = { name: 'Dana Ortiz', email: `dana@${domain}` };
    for (const body of [
      {
        type: 'RECORD_CONTRACT',
        contractState: 'signed',
        paymentState: 'deposit_paid',
        kickoffDate: '2026-12-07',
        onboardingOwner: rep.id,
        launchBlockers: ['Twilio number port'],
      },
      { type: 'RECORD_HANDOFF_CLIENT', name: company, domain },
      { type: 'RECORD_PORTAL_CONTACTS', contacts: [contact] },
      {
        type: 'RECORD_CONNECTOR_ACCOUNT',
        connectorId: 'hubspot',
        provider: 'HubSpot',
        accountRef: 'portal 4411',
        access: 'granted',
      },
      { type: 'RECORD_DATA_SOURCE', sourceId: 'crm-leads', kind: 'crm', name: 'HubSpot leads', connectorId: 'hubspot' },
      { type: 'RECORD_REPORTING_BASELINE', figures },
      { type: 'RECORD_SERVICES_SOLD', serviceIds: [service.id] },
      { type: 'MARK_WON', nextAction: nextAction(rep.id) },
    ]) {
      const answer = await apis.rep.post(`/v1/opportunities/${id}/events`, body);
      expect([body.type, answer.status]).toEqual([body.type, 200]);
    }
    const done = await eventually(async () => {
      const r = await apis.rep.get(`/v1/opportunities/${id}`);
      return r.body.stage === 'handed_off' ? r : undefined;
    }, 60_000);
    clientId = done.body.clientId;
    expect(clientId).toEqual(expect.any(String));
    expect(done.body.handoff).toEqual({ blockers: [] });

    const { status, body } = await handoff();
    expect(status).toBe(200);
    expect(body.context).toEqual({
      client: { clientId: null, name: company, domain },
      portalContacts: [contact],
      connectorAccounts: [
        {
          connectorId: 'hubspot',
          provider: 'HubSpot',
          accountRef: 'portal 4411',
          access: 'granted',
          recordedAt: expect.any(String),
          recordedBy: rep.id,
        },
      ],
      dataSources: [{ sourceId: 'crm-leads', kind: 'crm', name: 'HubSpot leads', connectorId: 'hubspot' }],
      reportingBaseline: figures,
      servicesSold: [{ id: service.id, code: service.code, name: service.name }],
    });
    expect(body.blockers).toEqual([]);
    expect(body.blockerTasks).toEqual([]);
    expect(body.client).toMatchObject({ id: clientId, name: company, domain, opportunityId: id });
    expect(body.client.contacts).toEqual([
      expect.objectContaining({
        name: 'Dana Ortiz',
        email: 'dana@harbor.test',
        phone: '+15550100',
        role: 'Office manager',
        opportunityId: id,
      }),
    ]);
    expect(body.project).toMatchObject({
      opportunityId: id,
      clientId,
      name: `${company} delivery`,
      ownerId: rep.id,
      status: 'onboarding',
      kickoffDate: '2026-12-07',
      scope: CLIENT.scope,
    });
    expect(body.project.lineItems.map((i: any) => [i.description, i.quantity, i.unitPriceCents])).toEqual([
      [CLIENT.lineItem, 1, 250_000],
      ['Managed routing (month)', 3, 90_000],
      [INTERNAL.lineItem, 1, 12_000],
    ]);
    expect(body.project.tasks.map((t: any) => [t.title, t.kind, t.status, t.ownerId]).sort()).toEqual([
      ['Clear launch blocker: Twilio number port', 'delivery', 'open', rep.id],
      [`Run the kickoff with ${company}`, 'delivery', 'open', rep.id],
    ]);
    expect(body.project.onboardingChecklist.ownerId).toBe(rep.id);
    expect(body.project.onboardingChecklist.items).toEqual(
      expect.arrayContaining([{ code: 'launch_blocker_1', title: 'Twilio number port', done: false }]),
    );
    // One record of each, written for this deal's client from what the deal recorded.
    expect(body.clientServices).toEqual([
      expect.objectContaining({ opportunityId: id, serviceId: service.id, name: service.name, status: 'onboarding' }),
    ]);
    expect(body.portalUsers).toEqual([
      expect.objectContaining({
        opportunityId: id,
        name: 'Dana Ortiz',
        email: contact.email,
        status: 'invited',
        userId: expect.any(String),
        invitedAt: null,
        acceptedAt: null,
      }),
    ]);
    expect(body.connectorAccounts).toEqual([
      expect.objectContaining({
        opportunityId: id,
        connectorRef: 'hubspot',
        provider: 'HubSpot',
        externalAccountId: 'portal 4411',
        status: 'granted',
      }),
    ]);
    expect(body.dataSources).toEqual([
      expect.objectContaining({
        opportunityId: id,
        sourceRef: 'crm-leads',
        kind: 'crm',
        name: 'HubSpot leads',
        connectorAccountId: body.connectorAccounts[0].id,
      }),
    ]);
    expect(body.reportingBaseline).toMatchObject({ id: expect.any(String), values: { figures } });
    // Every step of the handoff ran, in order, each recorded once as succeeded.
    const succeeded = body.automationRuns.filter((r: any) => r.status === 'succeeded');
    expect(succeeded.map((r: any) => r.step)).toEqual([...HANDOFF_STEPS]);
    for (const run of body.automationRuns) expect(Date.parse(run.createdAt)).not.toBeNaN();
    expect(body.complete).toEqual({
      client: true,
      project: true,
      tasks: true,
      portal: true,
      connectors: true,
      reporting: true,
      all: true,
    });
    // Ops reads the same records.
    expect((await handoff(apis.ops)).body).toEqual(body);
  });

  it('[W1] [OUT1] /clients/:id shows the client with its contacts, services, projects, portal users, connector accounts and data sources', async () => {
    const deal = (await handoff()).body;
    const read = await apis.ops.get(`/v1/clients/${clientId}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: clientId, name: company, domain, opportunityId: id });
    expect(read.body.contacts.map((c: any) => [c.name, c.email])).toEqual([['Dana Ortiz', 'dana@harbor.test']]);
    expect(read.body.projects).toEqual([
      {
        id: deal.project.id,
        opportunityId: id,
        clientId,
        name: `${company} delivery`,
        ownerId: rep.id,
        status: 'onboarding',
        kickoffDate: '2026-12-07',
        scope: CLIENT.scope,
        lineItems: deal.project.lineItems,
        createdAt: deal.project.createdAt,
      },
    ]);
    for (const part of ['clientServices', 'portalUsers', 'connectorAccounts', 'dataSources'])
      expect([part, read.body[part]]).toEqual([part, deal[part]]);
    // The owning rep reads it too; no other client's records are in it.
    const byRep = await apis.rep.get(`/v1/clients/${clientId}`);
    expect(byRep.status).toBe(200);
    expect(byRep.body).toEqual(read.body);
    expect(json(read.body)).not.toContain(other.projectId);
    expect((await apis.ops.get(`/v1/clients/${randomUUID()}`)).status).toBe(404);
  });

  it('[K1] roles: portal users get 403 on the staff routes, another rep 404, no token 401, staff 403 on the portal route', async () => {
    const portalUser = await stack.user('portal', clientId);
    const portal = httpClient(stack.baseUrl, portalUser.token);
    expect((await handoff(portal)).status).toBe(403);
    expect((await portal.get(`/v1/clients/${clientId}`)).status).toBe(403);

    const stranger = httpClient(stack.baseUrl, otherRep.token);
    const hidden = await handoff(stranger);
    expect(hidden.status).toBe(404);
    expect(hidden.body.code).toBe('not_found');
    expect((await stranger.get(`/v1/clients/${clientId}`)).status).toBe(404);
    // A client of no deal of the rep answers like a missing one.
    expect((await apis.rep.get(`/v1/clients/${other.clientId}`)).status).toBe(404);

    const anonymous = httpClient(stack.baseUrl);
    for (const path of [`/v1/opportunities/${id}/handoff`, `/v1/clients/${clientId}`, '/v1/portal/projects'])
      expect([path, (await anonymous.get(path)).status]).toEqual([path, 401]);
    for (const staff of [apis.rep, apis.ops, httpClient(stack.baseUrl, stack.adminToken)])
      expect((await staff.get('/v1/portal/projects')).status).toBe(403);
  });

  it("[K1] a portal user reads its own client's project: client-safe status and checklist, no internal fields", async () => {
    const deal = (await handoff()).body;
    const portalUser = await stack.user('portal', clientId);
    const read = await httpClient(stack.baseUrl, portalUser.token).get('/v1/portal/projects');
    expect(read.status).toBe(200);
    expect(read.body).toEqual({
      items: [
        {
          id: deal.project.id,
          name: `${company} delivery`,
          status: 'onboarding',
          kickoffDate: '2026-12-07',
          // Progress only: the titles are internal (an unapproved launch blocker, contacts' emails) (K1).
          checklist: deal.project.onboardingChecklist.items.map((_item: unknown, i: number) => ({
            step: i + 1,
            done: false,
          })),
        },
      ],
    });
    const keys = keysOf(read.body);
    expect(STAFF_KEYS.filter((key) => keys.includes(key))).toEqual([]);
    const text = json(read.body);
    for (const secret of [
      rep.id,
      clientId,
      id,
      ...Object.values(INTERNAL),
      otherName,
      other.projectId,
      'Twilio number port',
      CLIENT.scope,
      'portal 4411',
      domain,
    ])
      expect(text).not.toContain(secret);

    // The other client's portal user sees only its project, its internal status as `in_progress`.
    const theirs = await other.portal.get('/v1/portal/projects');
    expect(theirs.body).toEqual({
      items: [
        {
          id: other.projectId,
          name: `${otherName} delivery`,
          status: 'in_progress',
          kickoffDate: null,
          checklist: [{ step: 1, done: true }],
        },
      ],
    });
    expect(json(theirs.body)).not.toMatch(/INTERNAL|blocked|intake form/);
    expect(STAFF_KEYS.filter((key) => keysOf(theirs.body).includes(key))).toEqual([]);
  });
});
