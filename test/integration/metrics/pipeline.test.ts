import { randomUUID } from 'node:crypto';
import type { Db } from '../../../db/client';
import { appendEvent } from '../../../db/queries/events';
import { opportunities } from '../../../db/schema';
import { createDeal } from '../../../machines/opportunity';
import { BLOCKED_CODES } from '../../../machines/opportunity/pipeline-metrics';
import type { Stage } from '../../../machines/opportunity/vocabulary';
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

/*
 * March 2021, written straight into Postgres (the workflow stamps the real clock, and these
 * figures need exact instants). The rows look like the workflow's: a fact row's payload is the
 * machine event, a handoff note's payload lists its blockers. All deals belong to one rep (a
 * real user, so its name shows); every number below is counted by hand.
 *
 *   X  won 20 Mar 2021, 1,000.00 EUR; the same March walk as the unit test (audit 2 Mar, evidence
 *      4 Mar, verified 6 Mar, proposal 7, approval 9, consent 12, sent 13, objections 14/15
 *      resolved 16/18, contract 19, won 20 00:00; handoff waits from 20 Mar 01:00 on connector
 *      access and portal contacts, from 22 Mar on connector access only).
 *   Y  in audit since 10 Jan 2021, nothing recorded; 2,000.00 EUR at its own 40 %, closing May 2021; overdue.
 *   P  in sent since 10 Feb 2021; 500.01 USD, no probability of its own, its proposal said 33 %; closing April 2021.
 *   L  created 1 Mar, qualified 3 Mar, lost 5 Mar for budget; 700.00 EUR.
 *   N  a lead without a value or a close date.
 */
const DAY = 86_400;
const HOUR = 3_600;
const march = (day: number, hour = 0) => new Date(Date.UTC(2021, 2, day, hour));
const P = { from: '2021-03-01T00:00:00.000Z', to: '2021-04-01T00:00:00.000Z' };

interface Row {
  at: Date;
  type: string;
  from: Stage;
  to: Stage;
  payload?: Record<string, unknown>;
}
const mv = (at: Date, type: string, from: Stage, to: Stage, payload?: Record<string, unknown>): Row => ({
  at,
  type,
  from,
  to,
  payload,
});

async function seedDeal(
  db: Db,
  ownerId: string,
  deal: {
    company: string;
    createdAt: Date;
    stage: Stage;
    value?: [number, string];
    probability?: number;
    proposalProbability?: number;
    expectedCloseDate?: string;
    overdue?: boolean;
    rows: Row[];
  },
): Promise<string> {
  const id = randomUUID();
  const snapshot = createDeal({ opportunityId: id, ownerId, at: deal.createdAt.toISOString() });
  if (deal.proposalProbability !== undefined) snapshot.context.proposal.probability = deal.proposalProbability;
  await db.insert(opportunities).values({
    id,
    title: 'Pipeline deal',
    company: deal.company,
    stage: deal.stage,
    ownerId,
    workflowId: dealWorkflowId(id),
    snapshot,
    version: deal.rows.length,
    valueCents: deal.value?.[0] ?? null,
    currency: deal.value?.[1] ?? null,
    probability: deal.probability ?? null,
    expectedCloseDate: deal.expectedCloseDate ?? null,
    overdue: deal.overdue ?? false,
    createdAt: deal.createdAt,
  });
  for (const [index, row] of deal.rows.entries()) {
    const system = row.type.startsWith('HANDOFF_');
    await appendEvent(db, {
      opportunityId: id,
      version: index + 1,
      position: index + 1,
      idempotencyKey: `pipeline:${id}:${index}`,
      eventType: row.type,
      stageBefore: row.from,
      stageAfter: row.to,
      actorId: system ? 'system' : ownerId,
      ownerId,
      payload: system
        ? row.payload
        : { type: row.type, actor: { id: ownerId, role: 'rep' }, at: row.at.toISOString(), ...row.payload },
      nextAction: null,
      occurredAt: row.at,
    });
  }
  return id;
}

const blockers = (...codes: string[]) => ({ blockers: codes.map((code, i) => ({ code, ref: `r${i}`, detail: code })) });

describe('[PV1] GET /v1/metrics/pipeline over a seeded March', () => {
  let rep: { id: string; token: string };
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const db = stack.db;
    rep = await stack.user('rep');
    ids.X = await seedDeal(db, rep.id, {
      company: 'Xylo Dental',
      createdAt: new Date(Date.UTC(2021, 1, 20)),
      stage: 'won',
      value: [100_000, 'EUR'],
      rows: [
        mv(new Date(Date.UTC(2021, 1, 25)), 'QUALIFY', 'lead', 'qualified'),
        mv(new Date(Date.UTC(2021, 1, 26)), 'START_DISCOVERY', 'qualified', 'discovery'),
        mv(march(2), 'START_AUDIT', 'discovery', 'audit'),
        mv(march(4), 'RECORD_AUDIT_EVIDENCE', 'audit', 'audit', { evidenceId: 'e1', summary: 'Missed calls' }),
        mv(march(6), 'RECORD_VERIFICATION', 'audit', 'audit', {
          scopeVerified: true,
          timelineVerified: true,
          decisionPathVerified: true,
        }),
        mv(march(7), 'START_PROPOSAL', 'audit', 'proposal'),
        mv(march(9), 'SUBMIT_FOR_APPROVAL', 'proposal', 'approval'),
        mv(march(12), 'RECORD_CONSENT', 'approval', 'approval', {
          consent: 'granted',
          contactTimingValid: true,
          sourceContextValid: true,
        }),
        mv(march(13), 'SEND_PROPOSAL', 'approval', 'sent'),
        mv(march(14), 'RECORD_OBJECTION', 'sent', 'sent', { objectionId: 'o1', summary: 'Price' }),
        mv(march(15), 'RECORD_OBJECTION', 'sent', 'sent', { objectionId: 'o2', summary: 'Timing' }),
        mv(march(16), 'RESOLVE_OBJECTION', 'sent', 'sent', { objectionId: 'o1' }),
        mv(march(18), 'RESOLVE_OBJECTION', 'sent', 'sent', { objectionId: 'o2' }),
        mv(march(19), 'ACCEPT', 'sent', 'contract'),
        mv(march(20), 'MARK_WON', 'contract', 'won'),
        mv(
          march(20, 1),
          'HANDOFF_WAITING',
          'won',
          'won',
          blockers('connector_access', 'connector_access', 'portal_contacts'),
        ),
        mv(march(22), 'HANDOFF_WAITING', 'won', 'won', blockers('connector_access')),
      ],
    });
    ids.Y = await seedDeal(db, rep.id, {
      company: 'Yarrow Plumbing',
      createdAt: new Date(Date.UTC(2021, 0, 1)),
      stage: 'audit',
      value: [200_000, 'EUR'],
      probability: 40,
      expectedCloseDate: '2021-05-15',
      overdue: true,
      rows: [
        mv(new Date(Date.UTC(2021, 0, 2)), 'QUALIFY', 'lead', 'qualified'),
        mv(new Date(Date.UTC(2021, 0, 3)), 'START_DISCOVERY', 'qualified', 'discovery'),
        mv(new Date(Date.UTC(2021, 0, 10)), 'START_AUDIT', 'discovery', 'audit'),
      ],
    });
    ids.P = await seedDeal(db, rep.id, {
      company: 'Pine Roofing',
      createdAt: new Date(Date.UTC(2021, 0, 5)),
      stage: 'sent',
      value: [50_001, 'USD'],
      proposalProbability: 33,
      expectedCloseDate: '2021-04-30',
      rows: [mv(new Date(Date.UTC(2021, 1, 10)), 'SEND_PROPOSAL', 'approval', 'sent')],
    });
    ids.L = await seedDeal(db, rep.id, {
      company: 'Larch Electric',
      createdAt: march(1),
      stage: 'lost',
      value: [70_000, 'EUR'],
      rows: [
        mv(march(3), 'QUALIFY', 'lead', 'qualified'),
        mv(march(5), 'MARK_LOST', 'qualified', 'lost', {
          reason: 'budget',
          detail: 'No budget this year',
          reactivateAt: '2021-09-01T00:00:00.000Z',
        }),
      ],
    });
    ids.N = await seedDeal(db, rep.id, { company: 'Nettle Cafe', createdAt: march(2), stage: 'lead', rows: [] });
  });

  const query = (extra = '') => `/v1/metrics/pipeline?from=${P.from}&to=${P.to}&ownerId=${rep.id}${extra}`;

  it('[PV1] open and weighted value by stage and owner, per currency, with the probability’s source', async () => {
    const res = await httpClient(stack.baseUrl, stack.adminToken).get(query());
    expect(res.status).toBe(200);
    const { open } = res.body;
    const eur = {
      currency: 'EUR',
      deals: 1,
      valueCents: 200_000,
      weightedCents: 80_000,
      probability: { deal: 1, proposal: 0, none: 0 },
    };
    // 500.01 × 33 % = 165.0033 → 165.00, from the proposal's probability.
    const usd = {
      currency: 'USD',
      deals: 1,
      valueCents: 50_001,
      weightedCents: 16_500,
      probability: { deal: 0, proposal: 1, none: 0 },
    };
    expect(open.total).toEqual({ deals: 3, withoutValue: 1, values: [eur, usd] });
    const stage = (s: string) => open.byStage.find((x: { stage: string }) => x.stage === s);
    expect(stage('lead')).toEqual({ stage: 'lead', deals: 1, withoutValue: 1, values: [] });
    expect(stage('audit')).toEqual({ stage: 'audit', deals: 1, withoutValue: 0, values: [eur] });
    expect(stage('sent')).toEqual({ stage: 'sent', deals: 1, withoutValue: 0, values: [usd] });
    expect(stage('qualified')).toEqual({ stage: 'qualified', deals: 0, withoutValue: 0, values: [] });
    expect(open.byOwner).toEqual([
      { ownerId: rep.id, ownerName: 'Test rep', deals: 3, withoutValue: 1, values: [eur, usd] },
    ]);
  });

  it('[PV1] forecast by expected close month, won value and lost reasons of the period', async () => {
    const { body } = await httpClient(stack.baseUrl, stack.adminToken).get(query());
    expect(body.forecast.months.map((m: { month: string; deals: number }) => [m.month, m.deals])).toEqual([
      ['2021-04', 1],
      ['2021-05', 1],
    ]);
    expect(body.forecast.months[0].values[0]).toMatchObject({
      currency: 'USD',
      valueCents: 50_001,
      weightedCents: 16_500,
    });
    expect(body.forecast.unscheduled).toEqual({ deals: 1, withoutValue: 1, values: [] });
    expect(body.won).toEqual({
      deals: 1,
      withoutValue: 0,
      values: [{ currency: 'EUR', deals: 1, valueCents: 100_000 }],
    });
    expect(body.lost).toEqual({
      deals: 1,
      withoutValue: 0,
      values: [{ currency: 'EUR', deals: 1, valueCents: 70_000 }],
      reasons: [
        { reason: 'budget', deals: 1, withoutValue: 0, values: [{ currency: 'EUR', deals: 1, valueCents: 70_000 }] },
      ],
    });
    expect(body.period).toEqual(P);
    expect(body.filter).toEqual({ ownerId: rep.id });
  });

  it('[PV1] average and p90 time in each stage from the log', async () => {
    const { body } = await httpClient(stack.baseUrl, stack.adminToken).get(query());
    const stage = (s: string) => body.timeInStage.find((x: { stage: string }) => x.stage === s);
    // L: lead 1–3 Mar, qualified 3–5 Mar. X: discovery 26 Feb – 2 Mar, audit 2–7, proposal 7–9, approval 9–13, sent 13–19, contract 19–20.
    expect(stage('lead')).toEqual({ stage: 'lead', stays: 1, averageSeconds: 2 * DAY, p90Seconds: 2 * DAY });
    expect(stage('qualified')).toMatchObject({ stays: 1, averageSeconds: 2 * DAY });
    expect(stage('discovery')).toMatchObject({ stays: 1, averageSeconds: 4 * DAY });
    expect(stage('audit')).toMatchObject({ stays: 1, averageSeconds: 5 * DAY });
    expect(stage('proposal')).toMatchObject({ stays: 1, averageSeconds: 2 * DAY });
    expect(stage('sent')).toMatchObject({ stays: 1, averageSeconds: 6 * DAY, p90Seconds: 6 * DAY });
    expect(stage('contract')).toMatchObject({ stays: 1, averageSeconds: DAY });
    expect(stage('won')).toEqual({ stage: 'won', stays: 0, averageSeconds: null, p90Seconds: null });
  });

  it('[PV1] time blocked per code, with the deals that waited longest by name', async () => {
    const { body } = await httpClient(stack.baseUrl, stack.adminToken).get(query());
    const code = (c: string) => body.blocked.find((x: { code: string }) => x.code === c);
    expect(body.blocked.map((b: { code: string }) => b.code)).toEqual([...BLOCKED_CODES]);
    // X 2 days, Y the whole month: 33 days over 2 deals.
    expect(code('audit_evidence')).toMatchObject({
      source: 'gate',
      stages: ['audit'],
      deals: 2,
      totalSeconds: 33 * DAY,
      averageSeconds: 16.5 * DAY,
      p90Seconds: 31 * DAY,
      ongoing: 1,
    });
    expect(code('audit_evidence').longest).toEqual([
      {
        id: ids.Y,
        company: 'Yarrow Plumbing',
        ownerId: rep.id,
        ownerName: 'Test rep',
        seconds: 31 * DAY,
        ongoing: true,
      },
      { id: ids.X, company: 'Xylo Dental', ownerId: rep.id, ownerName: 'Test rep', seconds: 2 * DAY, ongoing: false },
    ]);
    expect(code('proposal_work_paused')).toMatchObject({ deals: 2, totalSeconds: 35 * DAY, ongoing: 1 });
    expect(code('follow_up_paused')).toMatchObject({ deals: 1, totalSeconds: 3 * DAY, ongoing: 0 });
    expect(code('objection_open')).toMatchObject({ deals: 1, totalSeconds: 4 * DAY });
    expect(code('connector_access')).toMatchObject({
      source: 'handoff_blocker',
      deals: 1,
      totalSeconds: 11 * DAY + 23 * HOUR,
      ongoing: 1,
    });
    expect(code('portal_contacts')).toMatchObject({ deals: 1, totalSeconds: DAY + 23 * HOUR, ongoing: 0 });
    expect(code('handoff_step_failed')).toMatchObject({ deals: 0, totalSeconds: 0, longest: [] });
  });

  it('[PV1] [O1] a rep sees its own pipeline, another owner is 403, ops any owner; bad input names the field', async () => {
    const own = await httpClient(stack.baseUrl, rep.token).get(`/v1/metrics/pipeline?from=${P.from}&to=${P.to}`);
    expect(own.status).toBe(200);
    expect(own.body.filter).toEqual({ ownerId: rep.id });
    expect(own.body.won.values).toEqual([{ currency: 'EUR', deals: 1, valueCents: 100_000 }]);
    const other = await httpClient(stack.baseUrl, rep.token).get(query().replace(rep.id, `rep-${randomUUID()}`));
    expect(other.status).toBe(403);
    expect(other.headers.get('content-type')).toContain('application/problem+json');
    const someoneElse = await stack.user('rep');
    const theirs = await httpClient(stack.baseUrl, someoneElse.token).get(
      `/v1/metrics/pipeline?from=${P.from}&to=${P.to}`,
    );
    expect(theirs.body.won).toEqual({ deals: 0, withoutValue: 0, values: [] });
    const ops = await stack.user('ops');
    const asOps = await httpClient(stack.baseUrl, ops.token).get(query());
    expect(asOps.status).toBe(200);
    expect(asOps.body.won.values).toEqual([{ currency: 'EUR', deals: 1, valueCents: 100_000 }]);

    const backwards = await httpClient(stack.baseUrl, stack.adminToken).get(
      `/v1/metrics/pipeline?from=${P.to}&to=${P.from}`,
    );
    expect(backwards.status).toBe(400);
    expect(JSON.stringify(backwards.body)).toContain('query.to');
    const unknown = await httpClient(stack.baseUrl, stack.adminToken).get('/v1/metrics/pipeline?currency=EUR');
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body)).toContain('currency');
    const badDate = await httpClient(stack.baseUrl, stack.adminToken).get('/v1/metrics/pipeline?from=yesterday');
    expect(badDate.status).toBe(400);
    expect(JSON.stringify(badDate.body)).toContain('from');
  });

  it('[PV1] the stuck list names the owner alongside the id', async () => {
    const res = await httpClient(stack.baseUrl, stack.adminToken).get(`/v1/ops/stuck?ownerId=${rep.id}`);
    const y = res.body.items.find((i: { id: string }) => i.id === ids.Y);
    expect(y).toMatchObject({ ownerId: rep.id, ownerName: 'Test rep' });
  });
});
