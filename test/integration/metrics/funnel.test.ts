import { randomUUID } from 'node:crypto';
import { and, eq, inArray } from 'drizzle-orm';
import { getOpportunity } from '../../../db/queries/opportunities';
import {
  ensureClient,
  ensureClientService,
  ensureConnectorAccount,
  ensureDataSource,
  ensureMetricBaseline,
  ensurePortalUser,
  ensureProject,
  handoffRecords,
} from '../../../db/queries/handoff';
import { opportunities, opportunityEvents, tasks } from '../../../db/schema';
import {
  eventFactory,
  eventsUpTo,
  FIXTURE_SERVICE,
  inSeconds,
  QUALIFICATION_FACTS,
  type Actor,
} from '../../../fixtures/deal-events';
import { createDeal, type HandoffContextFacts } from '../../../machines/opportunity';
import { dealAt, openTestDeal, sendAll } from '../../support/deals';
import { eventually } from '../../support/kit';
import { httpClient } from '../../support/http';
import { startTestStack, type TestStack } from '../../support/stack';
import { RATE_DEFINITIONS, TIME_TO_HANDOFF_DEFINITION } from '../../../machines/opportunity/metrics';
import { insertPastDeal, pathMoves } from './history';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

const rate = (numerator: number, denominator: number) => ({
  value: denominator === 0 ? null : numerator / denominator,
  numerator,
  denominator,
});
const NONE = { value: null, numerator: 0, denominator: 0 };
const zeroCounts = {
  lead: 0,
  qualified: 0,
  discovery: 0,
  audit: 0,
  proposal: 0,
  approval: 0,
  sent: 0,
  contract: 0,
  won: 0,
  handed_off: 0,
  lost: 0,
};

describe('[M1] the five measures over a past period with exact boundaries', () => {
  // Events are inserted straight into Postgres here: the workflow stamps the real clock, and
  // these cases need moves exactly on and around the period's boundaries in March 2021.
  const P = { from: '2021-03-01T00:00:00.000Z', to: '2021-04-01T00:00:00.000Z' };
  const A = `owner-a-${randomUUID()}`;
  const B = `owner-b-${randomUUID()}`;
  const recovered = (at: string, stage: 'discovery' | 'lost', by: string) => ({
    at,
    type: 'DORMANT_RECOVERED',
    from: stage,
    to: stage,
    actor: 'system',
    payload: { recoveredBy: by },
  });

  beforeAll(async () => {
    const db = stack.db;
    // D1: created in P, walks the whole path to handed_off in P (won on day 8, handed off on day 9);
    // a client and a project exist, but no handoff context was recorded, so only the project is complete.
    const d1 = await insertPastDeal(db, {
      ownerId: A,
      createdAt: '2021-03-02T10:00:00Z',
      stage: 'handed_off',
      service: 'Lead-flow automation',
      moves: pathMoves('2021-03-02T10:00:00Z', 'handed_off'),
    });
    const client = await ensureClient(db, { key: `${d1}:handoff:client`, opportunityId: d1, name: 'Past client' });
    await ensureProject(db, {
      key: `${d1}:handoff:project`,
      opportunityId: d1,
      clientId: client.id,
      name: 'Past project',
      onboardingOwner: A,
      kickoffDate: '2021-03-15',
      scope: 'Missed-call text-back',
      lineItems: [],
    });
    // D2: created, qualified and lost in P (its service has only lost deals).
    await insertPastDeal(db, {
      ownerId: A,
      createdAt: '2021-03-03T10:00:00Z',
      stage: 'lost',
      service: 'SEO',
      moves: [
        { at: '2021-03-04T10:00:00Z', type: 'QUALIFY', from: 'lead', to: 'qualified' },
        { at: '2021-03-05T10:00:00Z', type: 'MARK_LOST', from: 'qualified', to: 'lost' },
      ],
    });
    // D3: owner B, created in P and nothing more.
    await insertPastDeal(db, { ownerId: B, createdAt: '2021-03-05T10:00:00Z', stage: 'lead', moves: [] });
    // D4: created and qualified before P; sent and lost in P.
    await insertPastDeal(db, {
      ownerId: A,
      createdAt: '2021-02-01T10:00:00Z',
      stage: 'lost',
      moves: [
        ...pathMoves('2021-02-01T10:00:00Z', 'approval'),
        { at: '2021-03-10T10:00:00Z', type: 'SEND_PROPOSAL', from: 'approval', to: 'sent' },
        { at: '2021-03-12T10:00:00Z', type: 'MARK_LOST', from: 'sent', to: 'lost' },
      ],
    });
    // D5: lost before P; in P reactivated, qualified, lost and reactivated again: one lead, one qualified.
    await insertPastDeal(db, {
      ownerId: A,
      createdAt: '2021-01-05T10:00:00Z',
      stage: 'lead',
      moves: [
        { at: '2021-01-06T10:00:00Z', type: 'QUALIFY', from: 'lead', to: 'qualified' },
        { at: '2021-01-07T10:00:00Z', type: 'MARK_LOST', from: 'qualified', to: 'lost' },
        { at: '2021-03-02T10:00:00Z', type: 'REACTIVATE', from: 'lost', to: 'lead' },
        { at: '2021-03-03T10:00:00Z', type: 'QUALIFY', from: 'lead', to: 'qualified' },
        { at: '2021-03-04T10:00:00Z', type: 'MARK_LOST', from: 'qualified', to: 'lost' },
        { at: '2021-03-20T10:00:00Z', type: 'REACTIVATE', from: 'lost', to: 'lead' },
      ],
    });
    // D6: dormant, recovered in P by a new next action.
    await insertPastDeal(db, {
      ownerId: A,
      createdAt: '2021-01-10T10:00:00Z',
      stage: 'discovery',
      moves: [
        ...pathMoves('2021-01-10T10:00:00Z', 'discovery'),
        recovered('2021-03-15T10:00:00Z', 'discovery', 'SET_NEXT_ACTION'),
      ],
    });
    // D7: dormant, "recovered" in P only by being marked lost: dormant, not recovered.
    await insertPastDeal(db, {
      ownerId: A,
      createdAt: '2021-01-10T10:00:00Z',
      stage: 'lost',
      moves: [
        ...pathMoves('2021-01-10T10:00:00Z', 'discovery'),
        { at: '2021-03-16T10:00:00Z', type: 'MARK_LOST', from: 'discovery', to: 'lost' },
        recovered('2021-03-16T10:00:00Z', 'lost', 'MARK_LOST'),
      ],
    });
    // D8: won in P, never handed off.
    await insertPastDeal(db, {
      ownerId: A,
      createdAt: '2021-01-01T10:00:00Z',
      stage: 'won',
      moves: [
        ...pathMoves('2021-01-01T10:00:00Z', 'contract'),
        { at: '2021-03-25T10:00:00Z', type: 'MARK_WON', from: 'contract', to: 'won' },
      ],
    });
    // D9: created in P, qualified exactly at P's end (excluded: the period is half-open).
    await insertPastDeal(db, {
      ownerId: A,
      createdAt: '2021-03-30T10:00:00Z',
      stage: 'qualified',
      moves: [{ at: P.to, type: 'QUALIFY', from: 'lead', to: 'qualified' }],
    });
    // D10: owner B, created exactly at P's start (included).
    await insertPastDeal(db, { ownerId: B, createdAt: P.from, stage: 'lead', moves: [] });
    // D11: still flagged dormant; its last activity was before P's end.
    await insertPastDeal(db, {
      ownerId: A,
      createdAt: '2021-01-01T10:00:00Z',
      stage: 'qualified',
      dormant: true,
      moves: pathMoves('2021-01-01T10:00:00Z', 'qualified'),
    });
    // D12: created exactly at P's end (excluded).
    await insertPastDeal(db, { ownerId: A, createdAt: P.to, stage: 'lead', moves: [] });
  });

  it('[M1] computes counts and every rate of an owner as computed by hand', async () => {
    const api = httpClient(stack.baseUrl, stack.adminToken);
    const response = await api.get(`/v1/metrics/funnel?from=${P.from}&to=${P.to}&ownerId=${A}`);
    expect(response.status).toBe(200);
    expect(response.body.period).toEqual(P);
    // Leads: D1, D2, D5 (reactivated twice, counted once), D9. Qualified: D1, D2, D5.
    expect(response.body.total.counts).toEqual({
      lead: 4,
      qualified: 3,
      discovery: 1,
      audit: 1,
      proposal: 1,
      approval: 1,
      sent: 2,
      contract: 1,
      won: 2,
      handed_off: 1,
      lost: 4,
    });
    expect(response.body.total.rates).toEqual({
      qualificationRate: rate(3, 4), // D1, D2, D5 of D1, D2, D5, D9
      proposalRate: rate(1, 3), // D1 of D1, D2, D5 (D4 was qualified before P)
      closeRate: rate(2, 6), // won D1, D8 of decided D1, D2, D4, D5, D7, D8
      dormantRecovery: rate(1, 3), // D6 of D6, D7 (lost), D11 (still dormant)
      handoffCompleteness: rate(0, 2), // of won D1, D8: D1 handed off with incomplete records, D8 still in won
    });
    // The project of D1 is complete; its client has no services sold; nothing of D8.
    expect(response.body.total.handoffRecords).toEqual(rate(1, 12));
    // D1 only: won 2021-03-10T10:00, handed off a day later.
    expect(response.body.total.timeToHandoff).toEqual({ deals: 1, median: 86_400, p90: 86_400 });
    expect(response.body.deals).toBe(9);
  });

  it('[M1] groups per owner and per service; an owner without qualified deals has null rates, a service of only lost deals closes at 0', async () => {
    const api = httpClient(stack.baseUrl, stack.adminToken);
    const all = await api.get(`/v1/metrics/funnel?from=${P.from}&to=${P.to}`);
    expect(all.status).toBe(200);
    const ownerB = all.body.byOwner.find((o: { ownerId: string }) => o.ownerId === B);
    expect(ownerB.counts).toEqual({ ...zeroCounts, lead: 2 });
    expect(ownerB.rates).toEqual({
      qualificationRate: rate(0, 2),
      proposalRate: NONE,
      closeRate: NONE,
      dormantRecovery: NONE,
      handoffCompleteness: NONE,
    });
    expect(all.body.byOwner.find((o: { ownerId: string }) => o.ownerId === A).rates.qualificationRate).toEqual(
      rate(3, 4),
    );

    const seo = await api.get(`/v1/metrics/funnel?from=${P.from}&to=${P.to}&ownerId=${A}&service=SEO`);
    expect(seo.body.total.rates.closeRate).toEqual({ value: 0, numerator: 0, denominator: 1 }); // all lost: 0, not null
    expect(seo.body.total.rates.qualificationRate).toEqual(rate(1, 1));
    const byService = (await api.get(`/v1/metrics/funnel?from=${P.from}&to=${P.to}&ownerId=${A}`)).body.byService;
    expect(byService.map((s: { service: string }) => s.service)).toEqual([
      'Lead-flow automation',
      'SEO',
      'unspecified',
    ]);
    expect(byService[0].rates.handoffCompleteness).toEqual(rate(0, 1));
  });

  it('[M1] a period without leads or decisions answers zero counts and null rates, never NaN', async () => {
    const api = httpClient(stack.baseUrl, stack.adminToken);
    const response = await api.get(`/v1/metrics/funnel?from=2020-01-01T00:00:00Z&to=2020-02-01T00:00:00Z&ownerId=${A}`);
    expect(response.status).toBe(200);
    expect(response.body.deals).toBe(0);
    expect(response.body.total.counts).toEqual(zeroCounts);
    expect(response.body.total.rates).toEqual({
      qualificationRate: NONE,
      proposalRate: NONE,
      closeRate: NONE,
      dormantRecovery: NONE,
      handoffCompleteness: NONE,
    });
    expect(response.body.total.handoffRecords).toEqual(NONE);
    expect(response.body.total.timeToHandoff).toEqual({ deals: 0, median: null, p90: null });
    expect(response.body.byOwner).toEqual([]);
  });
});

describe('[M1] handoff completeness from complete records, and the time to handoff', () => {
  // June 2021, owner C: H1 won on June 10 08:00 and handed off June 12 20:30 (60.5 h) with every
  // record complete; H2 won June 15 and waits in won, blocked (no connector account written);
  // H3 won May 30 12:00, before the period, and handed off June 2 00:00 (60 h).
  const P = { from: '2021-06-01T00:00:00.000Z', to: '2021-07-01T00:00:00.000Z' };
  const C = `owner-c-${randomUUID()}`;
  const seconds = (a: string, b: string) => (Date.parse(b) - Date.parse(a)) / 1000;
  const H1_SECONDS = seconds('2021-06-10T08:00:00Z', '2021-06-12T20:30:00Z');
  const H3_SECONDS = seconds('2021-05-30T12:00:00Z', '2021-06-02T00:00:00Z');
  let h1 = '';
  let h2 = '';

  /** What the deal recorded before the win (HO1), as the machine keeps it. */
  const context = (slug: string): HandoffContextFacts => ({
    client: { clientId: null, name: `Handoff client ${slug}`, domain: `${slug}.example.com` },
    portalContacts: [{ name: 'Dana Office', email: `dana@${slug}.example.com` }],
    connectors: [
      {
        connectorId: 'hubspot',
        provider: 'HubSpot',
        accountRef: 'portal 4411',
        access: 'granted',
        recordedAt: '2021-06-01T09:00:00.000Z',
        recordedBy: C,
      },
    ],
    dataSources: [{ sourceId: 'crm-leads', kind: 'crm', name: 'HubSpot leads', connectorId: 'hubspot' }],
    baseline: [
      { metric: 'monthly_leads', value: 120, unit: 'leads', period: '2021-05', measuredIn: 'HubSpot' },
      { metric: 'response_time', value: 4.5, unit: 'hours', period: '2021-05', measuredIn: 'Call log audit' },
    ],
    serviceIds: [FIXTURE_SERVICE.id],
  });

  /** A past deal whose stored snapshot carries `facts` as its handoff context. */
  async function pastDeal(
    moves: Parameters<typeof insertPastDeal>[1]['moves'],
    stage: 'won' | 'handed_off',
    facts: HandoffContextFacts,
  ) {
    const db = stack.db;
    const id = await insertPastDeal(db, { ownerId: C, createdAt: '2021-05-01T10:00:00Z', stage, moves });
    const snapshot = createDeal({ opportunityId: id, ownerId: C, at: '2021-05-01T10:00:00Z' });
    snapshot.context.handoffContext = facts;
    await db.update(opportunities).set({ snapshot }).where(eq(opportunities.id, id));
    return id;
  }

  /** The handoff records of the deal as the handoff writes them; `connector: false` leaves the connector account (and so the data source) out. */
  async function writeRecords(id: string, facts: HandoffContextFacts, { connector }: { connector: boolean }) {
    const db = stack.db;
    const key = (step: string) => `${id}:handoff:${step}`;
    const k = (step: string) => ({ key: key(step), opportunityId: id });
    const client = await ensureClient(db, { ...k('client'), name: facts.client!.name, domain: facts.client!.domain });
    await ensureClientService(db, {
      ...k('service'),
      clientId: client.id,
      name: FIXTURE_SERVICE.name,
      serviceId: FIXTURE_SERVICE.id,
    });
    await ensureProject(db, {
      ...k('project'),
      clientId: client.id,
      name: 'Lead-flow automation for the client',
      onboardingOwner: C,
      kickoffDate: '2021-06-20',
      scope: 'Missed-call text-back and after-hours routing',
      lineItems: [],
    });
    await db.insert(tasks).values({
      key: key('task'),
      opportunityId: id,
      kind: 'delivery',
      title: 'Kickoff',
      ownerId: C,
      dueAt: new Date('2021-06-20T09:00:00Z'),
    });
    for (const contact of facts.portalContacts)
      await ensurePortalUser(db, { ...k(`portal:${contact.email}`), clientId: client.id, ...contact });
    if (connector) {
      const [c] = facts.connectors;
      const account = await ensureConnectorAccount(db, {
        ...k('connector:hubspot'),
        clientId: client.id,
        connectorRef: c.connectorId,
        provider: c.provider,
        externalAccountId: c.accountRef,
        status: c.access,
      });
      const [d] = facts.dataSources;
      await ensureDataSource(db, {
        ...k('source:crm-leads'),
        clientId: client.id,
        sourceRef: d.sourceId,
        kind: d.kind,
        name: d.name,
        connectorAccountId: account.id,
      });
    }
    await ensureMetricBaseline(db, { ...k('baseline'), clientId: client.id, values: { figures: facts.baseline } });
  }

  beforeAll(async () => {
    const h1Facts = context(`h1-${randomUUID().slice(0, 8)}`);
    h1 = await pastDeal(
      [
        ...pathMoves('2021-05-01T10:00:00Z', 'contract'),
        { at: '2021-06-10T08:00:00Z', type: 'MARK_WON', from: 'contract', to: 'won' },
        { at: '2021-06-12T20:30:00Z', type: 'COMPLETE_HANDOFF', from: 'won', to: 'handed_off', actor: 'system' },
      ],
      'handed_off',
      h1Facts,
    );
    await writeRecords(h1, h1Facts, { connector: true });
    const h2Facts = context(`h2-${randomUUID().slice(0, 8)}`);
    h2 = await pastDeal(
      [
        ...pathMoves('2021-05-01T10:00:00Z', 'contract'),
        { at: '2021-06-15T09:00:00Z', type: 'MARK_WON', from: 'contract', to: 'won' },
      ],
      'won',
      h2Facts,
    );
    await writeRecords(h2, h2Facts, { connector: false });
    await pastDeal(
      [
        ...pathMoves('2021-05-01T10:00:00Z', 'contract'),
        { at: '2021-05-30T12:00:00Z', type: 'MARK_WON', from: 'contract', to: 'won' },
        { at: '2021-06-02T00:00:00Z', type: 'COMPLETE_HANDOFF', from: 'won', to: 'handed_off', actor: 'system' },
      ],
      'handed_off',
      context(`h3-${randomUUID().slice(0, 8)}`),
    );
  });

  it('[HO1] the records of the handed-off deal are complete, those of the blocked one miss the connector account and the data source', async () => {
    const complete = await handoffRecords(stack.db, h1);
    expect(complete.missing).toEqual([]);
    expect(complete.complete).toBe(true);
    const blocked = await handoffRecords(stack.db, h2);
    expect(blocked.complete).toBe(false);
    expect({ connectors: blocked.connectors, reporting: blocked.reporting, client: blocked.client }).toEqual({
      connectors: false,
      reporting: false,
      client: true,
    });
  });

  it('[M1][HO1] one complete and one blocked handoff give handoff completeness 1/2; the time to handoff is computed by hand', async () => {
    const api = httpClient(stack.baseUrl, stack.adminToken);
    const response = await api.get(`/v1/metrics/funnel?from=${P.from}&to=${P.to}&ownerId=${C}`);
    expect(response.status).toBe(200);
    const { counts, rates, handoffRecords: records, timeToHandoff } = response.body.total;
    expect(counts).toMatchObject({ won: 2, handed_off: 2 });
    expect(rates.handoffCompleteness).toEqual(rate(1, 2)); // H1 of won H1, H2 (H3 was won in May)
    expect(records).toEqual(rate(6 + 4, 12)); // H2 lacks connectors and reporting
    // H3 (60 h) and H1 (60.5 h): the median is their mean, p90 the larger (nearest rank 2 of 2).
    expect([H3_SECONDS, H1_SECONDS]).toEqual([216_000, 217_800]);
    expect(timeToHandoff).toEqual({ deals: 2, median: (H1_SECONDS + H3_SECONDS) / 2, p90: H1_SECONDS });
  });

  it('[M1] a period that ends before the handoff counts the deal as incomplete and gives no time to handoff', async () => {
    const api = httpClient(stack.baseUrl, stack.adminToken);
    const to = '2021-06-11T00:00:00.000Z'; // H1 won but not yet handed off
    const response = await api.get(`/v1/metrics/funnel?from=${P.from}&to=${to}&ownerId=${C}`);
    expect(response.status).toBe(200);
    expect(response.body.total.rates.handoffCompleteness).toEqual(rate(0, 1));
    expect(response.body.total.timeToHandoff).toEqual({ deals: 1, median: H3_SECONDS, p90: H3_SECONDS });
  });
});

describe('[M1] the measures of deals driven through the real workflows', () => {
  it('[M1] counts a won and handed-off deal, a lost and reactivated deal once, and a plain lead', async () => {
    const startedAt = new Date(Date.now() - 1_000).toISOString();
    const rep: Actor = { id: `rep-${randomUUID()}`, role: 'rep' };
    const r = eventFactory(rep);
    const won = await dealAt(stack, 'won', rep);
    const { opportunityId: reactivated } = await openTestDeal(stack, { ownerId: rep.id });
    await sendAll(stack, reactivated, [
      ...eventsUpTo('qualified', rep, { id: 'ops-1', role: 'ops' }),
      r.base('MARK_LOST', { reason: 'timing', reactivateAt: inSeconds(86_400) }),
      r.withNext('REACTIVATE'),
      // Reactivation re-confirms qualification: the facts from before the loss are stale (Q1).
      r.base('RECORD_QUALIFICATION', { facts: QUALIFICATION_FACTS }),
      r.withNext('QUALIFY'),
    ]);
    await openTestDeal(stack, { ownerId: rep.id });
    await eventually(
      async () => ((await getOpportunity(stack.db, won.opportunityId))?.stage === 'handed_off' ? true : undefined),
      60_000,
    );

    const to = new Date(Date.now() + 60_000).toISOString();
    const api = httpClient(stack.baseUrl, stack.adminToken);
    const response = await api.get(`/v1/metrics/funnel?from=${startedAt}&to=${to}&ownerId=${rep.id}`);
    expect(response.status).toBe(200);
    const { counts, rates, handoffRecords } = response.body.total;
    expect(counts).toMatchObject({ lead: 3, qualified: 2, sent: 1, won: 1, handed_off: 1, lost: 1 });
    expect(rates).toEqual({
      qualificationRate: rate(2, 3),
      proposalRate: rate(1, 2),
      closeRate: rate(1, 2),
      dormantRecovery: NONE,
      handoffCompleteness: rate(1, 1),
    });
    expect(handoffRecords).toEqual(rate(6, 6));
    // The seconds between the deal's logged moves into won and into handed_off.
    const moves = await stack.db
      .select({ stage: opportunityEvents.stageAfter, at: opportunityEvents.occurredAt })
      .from(opportunityEvents)
      .where(
        and(
          eq(opportunityEvents.opportunityId, won.opportunityId),
          inArray(opportunityEvents.eventType, ['MARK_WON', 'COMPLETE_HANDOFF']),
        ),
      );
    const movedAt = (stage: string) => moves.find((m) => m.stage === stage)!.at.getTime();
    const handoffSeconds = (movedAt('handed_off') - movedAt('won')) / 1000;
    expect(handoffSeconds).toBeGreaterThan(0);
    expect(response.body.total.timeToHandoff).toEqual({ deals: 1, median: handoffSeconds, p90: handoffSeconds });
    expect(response.body.byService.map((s: { service: string }) => s.service)).toEqual([
      'Lead-flow automation',
      'unspecified',
    ]);
  });
});

describe('[M1] funnel input and access', () => {
  it('[M1] refuses bad query parameters with 400 naming the field, and other roles with 403', async () => {
    const api = httpClient(stack.baseUrl, stack.adminToken);
    const cases: [string, string][] = [
      ['from=yesterday', 'query.from'],
      ['from=2021-03-02T00:00:00Z&to=2021-03-01T00:00:00Z', 'query.to'],
      ['from=2000-01-01T00:00:00Z&to=2021-03-01T00:00:00Z', 'query.from'],
      ['ownerId=', 'query.ownerId'],
      ['colour=red', 'query.colour'],
    ];
    for (const [query, field] of cases) {
      const response = await api.get(`/v1/metrics/funnel?${query}`);
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    const rep = await stack.user('rep');
    expect((await httpClient(stack.baseUrl, rep.token).get('/v1/metrics/funnel')).status).toBe(403);
    expect((await httpClient(stack.baseUrl).get('/v1/metrics/funnel')).status).toBe(401);
    const ops = await stack.user('ops');
    expect((await httpClient(stack.baseUrl, ops.token).get('/v1/metrics/funnel')).status).toBe(200);
  });

  it("[M1] documents every measure's definition in the OpenAPI document", async () => {
    const doc = (await httpClient(stack.baseUrl).get('/openapi.json')).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/metrics/funnel', '/v1/metrics/snapshots', '/v1/ops/stuck']),
    );
    const text = JSON.stringify(doc);
    for (const definition of [...Object.values(RATE_DEFINITIONS), TIME_TO_HANDOFF_DEFINITION])
      expect(text).toContain(JSON.stringify(definition).slice(1, -1));
  });
});
