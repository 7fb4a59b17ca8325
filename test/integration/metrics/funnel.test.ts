import { randomUUID } from 'node:crypto';
import { getOpportunity } from '../../../db/queries/opportunities';
import { ensureClient, ensureProject } from '../../../db/queries/handoff';
import { eventFactory, eventsUpTo, inSeconds, QUALIFICATION_FACTS, type Actor } from '../../../fixtures/deal-events';
import { dealAt, openTestDeal, sendAll } from '../../support/deals';
import { eventually } from '../../support/kit';
import { httpClient } from '../../support/http';
import { startTestStack, type TestStack } from '../../support/stack';
import { RATE_DEFINITIONS } from '../../../machines/opportunity/metrics';
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
    // D1: created in P, walks the whole path to handed_off in P; two handoff records exist.
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
      handoffCompleteness: rate(1, 2), // D1 of won D1, D8
    });
    expect(response.body.total.handoffRecords).toEqual(rate(2, 12)); // client + project of D1; nothing of D8
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
    expect(byService[0].rates.handoffCompleteness).toEqual(rate(1, 1));
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
    expect(response.body.byOwner).toEqual([]);
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
    for (const definition of Object.values(RATE_DEFINITIONS))
      expect(text).toContain(JSON.stringify(definition).slice(1, -1));
  });
});
