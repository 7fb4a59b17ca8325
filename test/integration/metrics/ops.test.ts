import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { opportunities } from '../../../db/schema';
import type { ApiServerHandle } from '../../../infra/api-server';
import { freePort } from '../../../infra/ports';
import type { DealOutcome } from '../../../workflows/deal/messages';
import { dealAt, openTestDeal } from '../../support/deals';
import { eventually } from '../../support/kit';
import { httpClient } from '../../support/http';
import { startTestStack, type TestStack } from '../../support/stack';
import { insertPastDeal } from './history';
import { startApiWithTemporalUi, TEMPORAL_UI } from './ui-api';

let stack: TestStack;
/** Answers with Temporal UI links. */
let api: ApiServerHandle;

beforeAll(async () => {
  // The worker of this file exports the Temporal core metrics, which /metrics appends.
  process.env.TEMPORAL_METRICS_ADDRESS = `127.0.0.1:${await freePort()}`;
  stack = await startTestStack({ policy: { escalationGraceSeconds: 3_600 } });
  api = await startApiWithTemporalUi(stack);
});
afterAll(async () => {
  await api?.close();
  await stack?.stop();
  delete process.env.TEMPORAL_METRICS_ADDRESS;
});

type StuckItem = {
  id: string;
  reasons: { code: string; why: string; since: string }[];
  since: string;
  links: { workflow: string | null };
};

describe('[DL1] GET /v1/ops/stuck', () => {
  it('[DL1] lists a deal whose next action passed, once its workflow timer fired, with why, since and its Temporal UI link', async () => {
    const ownerId = `rep-${randomUUID()}`;
    const { opportunityId, view } = await openTestDeal(stack, { ownerId, firstActionDueInSeconds: 2 });
    const dueAt = (view as DealOutcome).state.context.nextAction!.dueAt;
    const ops = await stack.user('ops');
    const client = httpClient(api.url, ops.token);
    expect((await client.get(`/v1/ops/stuck?ownerId=${ownerId}`)).body.items).toEqual([]);

    const item = await eventually(async () => {
      const page = await client.get<{ items: StuckItem[] }>(`/v1/ops/stuck?ownerId=${ownerId}`);
      return page.body.items.find((i) => i.id === opportunityId);
    }, 20_000);
    expect(item.reasons).toEqual([
      {
        code: 'next_action_overdue',
        why: 'Next action "Qualify this lead" is overdue',
        since: new Date(dueAt).toISOString(),
      },
    ]);
    expect(item.since).toBe(new Date(dueAt).toISOString());
    expect(item.links.workflow).toBe(`${TEMPORAL_UI}/namespaces/default/workflows/opportunity-${opportunityId}`);
  });

  it('[DL1] names each reason: paused follow-up, paused proposal work, dormant and a passed decision deadline', async () => {
    const ownerId = `owner-${randomUUID()}`;
    const at = (iso: string) => new Date(iso);
    // Read-model states written directly: each flag as the workflow projects it.
    const paused = await insertPastDeal(stack.db, {
      ownerId,
      createdAt: '2024-01-01T00:00:00Z',
      stage: 'qualified',
      moves: [{ at: '2024-01-02T00:00:00Z', type: 'QUALIFY', from: 'lead', to: 'qualified' }],
    });
    await stack.db
      .update(opportunities)
      .set({ followUpPauseReasons: ['consent'] })
      .where(eq(opportunities.id, paused));
    const proposal = await insertPastDeal(stack.db, {
      ownerId,
      createdAt: '2024-01-01T00:00:00Z',
      stage: 'proposal',
      moves: [{ at: '2024-01-03T00:00:00Z', type: 'START_PROPOSAL', from: 'audit', to: 'proposal' }],
    });
    await stack.db
      .update(opportunities)
      .set({ proposalPauseReasons: ['scope', 'timeline'] })
      .where(eq(opportunities.id, proposal));
    const deadline = await insertPastDeal(stack.db, {
      ownerId,
      createdAt: '2024-01-01T00:00:00Z',
      stage: 'sent',
      moves: [{ at: '2024-01-04T00:00:00Z', type: 'SEND_PROPOSAL', from: 'approval', to: 'sent' }],
    });
    await stack.db
      .update(opportunities)
      .set({ decisionDeadline: at('2024-02-01T00:00:00Z'), overdue: true })
      .where(eq(opportunities.id, deadline));
    const dormant = await insertPastDeal(stack.db, {
      ownerId,
      createdAt: '2024-01-01T00:00:00Z',
      stage: 'discovery',
      dormant: true,
      moves: [{ at: '2024-01-05T00:00:00Z', type: 'START_DISCOVERY', from: 'qualified', to: 'discovery' }],
    });
    // Not stuck: a lead whose follow-up waits for consent is still being qualified; a lost deal is closed.
    await insertPastDeal(stack.db, { ownerId, createdAt: '2024-01-01T00:00:00Z', stage: 'lead', moves: [] });
    const lost = await insertPastDeal(stack.db, {
      ownerId,
      createdAt: '2024-01-01T00:00:00Z',
      stage: 'lost',
      dormant: true,
      moves: [],
    });
    await stack.db
      .update(opportunities)
      .set({ followUpPauseReasons: ['consent'], overdue: true })
      .where(eq(opportunities.id, lost));
    // Nor a deadline of a proposal since accepted (it belonged to the sent version), nor proposal work paused
    // before the audit, where there is no proposal work to hold up.
    const accepted = await insertPastDeal(stack.db, {
      ownerId,
      createdAt: '2024-01-01T00:00:00Z',
      stage: 'contract',
      moves: [{ at: '2024-01-06T00:00:00Z', type: 'ACCEPT', from: 'sent', to: 'contract' }],
    });
    await stack.db
      .update(opportunities)
      .set({ decisionDeadline: at('2024-02-01T00:00:00Z') })
      .where(eq(opportunities.id, accepted));
    const discovery = await insertPastDeal(stack.db, {
      ownerId,
      createdAt: '2024-01-01T00:00:00Z',
      stage: 'discovery',
      moves: [{ at: '2024-01-07T00:00:00Z', type: 'START_DISCOVERY', from: 'qualified', to: 'discovery' }],
    });
    await stack.db
      .update(opportunities)
      .set({ proposalPauseReasons: ['audit_evidence', 'scope', 'timeline'] })
      .where(eq(opportunities.id, discovery));

    const client = httpClient(api.url, stack.adminToken);
    const { body } = await client.get<{ items: StuckItem[] }>(`/v1/ops/stuck?ownerId=${ownerId}&limit=100`);
    const reasonsOf = (id: string) => body.items.find((i) => i.id === id)?.reasons.map((r) => [r.code, r.since]);
    expect(body.items.map((i) => i.id).sort()).toEqual([paused, proposal, deadline, dormant].sort());
    expect(reasonsOf(paused)).toEqual([['follow_up_paused', '2024-01-02T00:00:00.000Z']]);
    expect(reasonsOf(proposal)).toEqual([['proposal_work_paused', '2024-01-03T00:00:00.000Z']]);
    expect(reasonsOf(deadline)).toEqual([['decision_deadline_passed', '2024-02-01T00:00:00.000Z']]);
    expect(reasonsOf(dormant)).toEqual([['dormant', '2024-01-05T00:00:00.000Z']]);
    expect(body.items.find((i) => i.id === proposal)?.reasons[0].why).toBe('Proposal work paused: scope, timeline');

    // Pages follow the cursor without repeats.
    const first = await client.get(`/v1/ops/stuck?ownerId=${ownerId}&limit=3`);
    const second = await client.get(`/v1/ops/stuck?ownerId=${ownerId}&limit=3&cursor=${first.body.nextCursor}`);
    expect([...first.body.items, ...second.body.items].map((i: StuckItem) => i.id).sort()).toEqual(
      body.items.map((i) => i.id).sort(),
    );
    expect(second.body.nextCursor).toBeNull();
  });

  it('[DL1] is for ops and admin only, and refuses bad query parameters with 400 naming the field', async () => {
    const rep = await stack.user('rep');
    const refused = await httpClient(api.url, rep.token).get('/v1/ops/stuck');
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    const client = httpClient(api.url, stack.adminToken);
    for (const [query, field] of [
      ['limit=0', 'query.limit'],
      ['limit=many', 'query.limit'],
      ['cursor=not-ours', 'query.cursor'],
      ['stage=lead', 'query.stage'],
    ]) {
      const response = await client.get(`/v1/ops/stuck?${query}`);
      expect(response.status).toBe(400);
      expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
  });
});

describe('Prometheus metrics at /metrics', () => {
  it('exposes request rates and latencies, transitions by result, timers fired, handoff steps and the Temporal worker metrics', async () => {
    const { opportunityId } = await openTestDeal(stack);
    await expect(
      stack.deals.apply(opportunityId, {
        type: 'QUALIFY',
        actor: { id: 'rep-1', role: 'rep' },
        at: new Date().toISOString(),
      }),
    ).rejects.toMatchObject({ code: 'transition_refused' });
    await dealAt(stack, 'won');
    await httpClient(api.url, stack.adminToken).get('/v1/metrics/funnel');
    const text = await eventually(async () => {
      const body = (await httpClient(api.url, stack.adminToken).get<string>('/metrics')).body;
      return /^handoff_steps_total\{step="reporting_baseline",result="succeeded"\} [1-9]/m.test(body)
        ? body
        : undefined;
    }, 30_000);
    expect(text).toMatch(/^http_requests_total\{method="GET",route="\/v1\/metrics\/funnel",status="200"\} [1-9]/m);
    expect(text).toMatch(
      /^http_request_duration_seconds_bucket\{le="\+Inf",method="GET",route="\/v1\/metrics\/funnel",status="200"\} [1-9]/m,
    );
    expect(text).toMatch(/^opportunity_transitions_total\{event_type="QUALIFY",result="refused"\} 1$/m);
    expect(text).toMatch(/^opportunity_transitions_total\{event_type="MARK_WON",result="accepted"\} [1-9]/m);
    expect(text).toMatch(/^deal_timers_fired_total\{timer="next_action_overdue"\} [1-9]/m);
    expect(text).toMatch(/^# Temporal worker metrics from http:\/\/127\.0\.0\.1:\d+\/metrics$/m);
    expect(text).toMatch(/^temporal_\w+/m);
    expect(text).not.toMatch(/route="\/v1\/opportunities\/[0-9a-f-]{36}/);
  });
});
