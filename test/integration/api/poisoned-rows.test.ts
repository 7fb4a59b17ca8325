import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { createDeal } from '../../../machines/opportunity';
import { dealWorkflowId } from '../../../workflows/deal/messages';
import { httpClient, type HttpResponse } from '../../support/http';
import { startTestStack, type TestStack } from '../../support/stack';

/*
 * Reads that cannot be poisoned: rows the schema can hold but the API cannot render (a
 * timestamp before year 1 or at infinity, which JavaScript dates cannot hold, or a snapshot
 * that is not a machine snapshot) are planted through SQL. Every list and the metrics
 * still answer 200 with the other rows; the bad row is left out and named in `skipped`, or
 * read alone with the fields it cannot show named in `unreadable`.
 * The opportunities table refuses DELETE, so every run plants fresh ids.
 */

const YEAR_ZERO = '0001-01-01 00:00:00+00 BC';

let stack: TestStack;
let rep: { id: string; token: string };
let ops: { id: string; token: string };
let good: string;
let plantedGood: string;
let yearZeroDue: string;
let notASnapshot: string;
let infiniteCreation: string;
let badDateInSnapshot: string;
let goodTasks: string[];
let badTask: string;
let infiniteTask: string;
let badSnapshotRow: string;

/** An opportunity row straight into the table, as the read model holds it. */
async function plantOpportunity(fields: {
  snapshot?: unknown;
  nextActionDueAt?: string | null;
  createdAt?: string;
  overdue?: boolean;
  dormant?: boolean;
}) {
  const id = randomUUID();
  const snapshot = fields.snapshot ?? createDeal({ opportunityId: id, ownerId: rep.id, at: new Date().toISOString() });
  await stack.db.execute(sql`
    INSERT INTO opportunities (id, title, company, owner_id, workflow_id, snapshot, version, next_action_description, next_action_due_at, next_action_owner, overdue, dormant, created_at)
    VALUES (${id}, 'Planted', 'Poison Co', ${rep.id}, ${dealWorkflowId(id)}, ${JSON.stringify(snapshot)}::jsonb, 1,
      ${fields.nextActionDueAt === undefined ? null : 'Call back'}, ${fields.nextActionDueAt ?? null}::timestamptz, ${rep.id},
      ${fields.overdue ?? false}, ${fields.dormant ?? false}, coalesce(${fields.createdAt ?? null}::timestamptz, now()))`);
  return id;
}

async function plantTask(opportunityId: string, dueAt: string) {
  const id = randomUUID();
  await stack.db.execute(sql`
    INSERT INTO tasks (id, key, opportunity_id, kind, title, owner_id, due_at)
    VALUES (${id}, ${`planted-${id}`}, ${opportunityId}, 'follow_up', 'Planted task', ${rep.id}, ${dueAt}::timestamptz)`);
  return id;
}

async function plantEvent(opportunityId: string, position: number, occurredAt: string) {
  await stack.db.execute(sql`
    INSERT INTO opportunity_events (opportunity_id, version, position, idempotency_key, event_type, stage_before, stage_after, actor_id, owner_id, payload, occurred_at)
    VALUES (${opportunityId}, ${position}, ${position}, ${`planted-${randomUUID()}`}, 'RECORD_CONSENT', 'lead', 'lead', ${rep.id}, ${rep.id}, '{}'::jsonb, ${occurredAt}::timestamptz)`);
}

beforeAll(async () => {
  stack = await startTestStack();
  rep = await stack.user('rep');
  ops = await stack.user('ops');
  const created = await httpClient(stack.baseUrl, rep.token).post('/v1/opportunities', {
    title: 'A good deal',
    company: 'Healthy Co',
  });
  expect(created.status).toBe(201);
  good = created.body.id;
  plantedGood = await plantOpportunity({ nextActionDueAt: new Date(Date.now() - 60_000).toISOString(), overdue: true });
  yearZeroDue = await plantOpportunity({ nextActionDueAt: YEAR_ZERO, overdue: true });
  notASnapshot = await plantOpportunity({ snapshot: { not: 'a machine snapshot' }, overdue: true });
  infiniteCreation = await plantOpportunity({ createdAt: 'infinity', dormant: true });
  const lead = createDeal({ opportunityId: randomUUID(), ownerId: rep.id, at: new Date().toISOString() });
  badDateInSnapshot = await plantOpportunity({
    snapshot: {
      ...lead,
      context: { ...lead.context, nextAction: { description: 'x', dueAt: 'not a date', ownerId: rep.id } },
    },
    overdue: true,
  });

  goodTasks = [
    await plantTask(plantedGood, new Date(Date.now() + 3_600_000).toISOString()),
    await plantTask(plantedGood, new Date(Date.now() + 7_200_000).toISOString()),
  ];
  badTask = await plantTask(plantedGood, YEAR_ZERO);
  infiniteTask = await plantTask(plantedGood, 'infinity');

  await plantEvent(yearZeroDue, 1, new Date().toISOString());
  await plantEvent(yearZeroDue, 2, YEAR_ZERO);
  await plantEvent(yearZeroDue, 3, new Date().toISOString());

  badSnapshotRow = randomUUID();
  await stack.db.execute(sql`
    INSERT INTO metric_snapshots (id, key, kind, period_start, period_end, values)
    VALUES (${badSnapshotRow}, ${`planted-${badSnapshotRow}`}, 'funnel', ${YEAR_ZERO}::timestamptz, 'infinity'::timestamptz, '{"trigger":"planted"}'::jsonb)`);
});
afterAll(async () => {
  await stack?.stop();
});

const ids = (items: { id: string }[]) => items.map((item) => item.id);
const skippedIds = (body: { skipped?: { id: string; reason: string }[] }) => (body.skipped ?? []).map((s) => s.id);

describe('a row that cannot be rendered never breaks a list', () => {
  it('GET /v1/opportunities?limit=100 answers 200 for admin and the owner: the other rows listed, the bad ones named in skipped', async () => {
    for (const [who, token, query] of [
      ['admin', stack.adminToken, `?limit=100&ownerId=${rep.id}`],
      ['owner', rep.token, '?limit=100'],
    ] as const) {
      const page = await httpClient(stack.baseUrl, token).get(`/v1/opportunities${query}`);
      expect([who, page.status]).toEqual([who, 200]);
      expect(ids(page.body.items)).toEqual(expect.arrayContaining([good, plantedGood]));
      expect(ids(page.body.items)).not.toEqual(expect.arrayContaining([yearZeroDue]));
      expect(ids(page.body.items)).not.toContain(notASnapshot);
      expect(ids(page.body.items)).not.toContain(infiniteCreation);
      expect(skippedIds(page.body).sort()).toEqual(
        [yearZeroDue, notASnapshot, infiniteCreation, badDateInSnapshot].sort(),
      );
      const reasons = Object.fromEntries(
        page.body.skipped.map((s: { id: string; reason: string }) => [s.id, s.reason]),
      );
      expect(reasons[yearZeroDue]).toBe('cannot show nextActionDueAt');
      expect(reasons[notASnapshot]).toBe('cannot show snapshot');
      expect(reasons[infiniteCreation]).toBe('cannot show createdAt');
      expect(reasons[badDateInSnapshot]).toBe('cannot show nextAction.dueAt');
    }
  });

  it('reads a bad row alone: 200 with the fields it cannot show as null and named in `unreadable`', async () => {
    const api = httpClient(stack.baseUrl, rep.token);
    const yearZero = await api.get(`/v1/opportunities/${yearZeroDue}`);
    expect(yearZero.status).toBe(200);
    expect(yearZero.body.unreadable).toEqual(['nextActionDueAt']);
    expect(yearZero.body.nextAction).toEqual({
      description: 'Call back',
      dueAt: null,
      ownerId: rep.id,
      owner: { id: rep.id, name: 'Test rep' },
    });
    expect(yearZero.body.allowedEvents).toContain('RECORD_QUALIFICATION');

    const broken = await api.get(`/v1/opportunities/${notASnapshot}`);
    expect(broken.status).toBe(200);
    expect(broken.body.unreadable).toEqual(['snapshot']);
    expect(broken.body.allowedEvents).toEqual([]);
    expect(broken.body.stage).toBe('lead');

    const healthy = await api.get(`/v1/opportunities/${plantedGood}`);
    expect(healthy.status).toBe(200);
    expect(Object.keys(healthy.body)).not.toContain('unreadable');
  });

  it('a read built from the machine snapshot answers a clear problem naming the record, not a RangeError', async () => {
    const outputs = await httpClient(stack.baseUrl, rep.token).get(`/v1/opportunities/${notASnapshot}/outputs`);
    expect(outputs.status).toBe(500);
    expect(outputs.headers.get('content-type')).toContain('application/problem+json');
    expect(outputs.body).toMatchObject({ code: 'unreadable_record', id: notASnapshot, fields: ['snapshot'] });
    const yearZeroOutputs = await httpClient(stack.baseUrl, rep.token).get(`/v1/opportunities/${yearZeroDue}/outputs`);
    expect(yearZeroOutputs.status).toBe(200);
    expect(yearZeroOutputs.body.items).toHaveLength(8);
    expect(yearZeroOutputs.body.items[0].dueAt).toBeNull();
  });

  it('GET /v1/tasks answers 200 with the good tasks, and pages past a task due in year 0 or at infinity', async () => {
    const api = httpClient(stack.baseUrl, rep.token);
    const page = await api.get(`/v1/tasks?opportunityId=${plantedGood}`);
    expect(page.status).toBe(200);
    expect(ids(page.body.items).sort()).toEqual([...goodTasks].sort());
    expect(skippedIds(page.body).sort()).toEqual([badTask, infiniteTask].sort());
    expect(page.body.skipped.find((s: { id: string }) => s.id === badTask).reason).toBe('cannot show dueAt');

    // One task a page: the cursor of a page that ends on the year-0 task still leads on, in due order.
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 10; pages += 1) {
      const next: HttpResponse = await api.get(
        `/v1/tasks?opportunityId=${plantedGood}&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(next.status).toBe(200);
      seen.push(...ids(next.body.items), ...skippedIds(next.body));
      cursor = next.body.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toEqual([badTask, ...goodTasks, infiniteTask]);
  });

  it('GET /v1/opportunities/:id/events answers 200: the timeline leaves out the event it cannot date, by its position', async () => {
    const timeline = await httpClient(stack.baseUrl, rep.token).get(`/v1/opportunities/${yearZeroDue}/events`);
    expect(timeline.status).toBe(200);
    expect(timeline.body.items).toHaveLength(2);
    expect(timeline.body.skipped).toEqual([{ id: `${yearZeroDue}#2`, reason: 'cannot show occurredAt' }]);
  });

  it('GET /v1/ops/stuck answers 200: stuck deals listed, the rows it cannot show named, a bad date inside a snapshot ignored', async () => {
    const page = await httpClient(stack.baseUrl, ops.token).get(`/v1/ops/stuck?ownerId=${rep.id}&limit=100`);
    expect(page.status).toBe(200);
    // Columns are what the list reads: a snapshot that is not one does not hide a deal flagged overdue.
    expect(ids(page.body.items)).toEqual(expect.arrayContaining([plantedGood, notASnapshot, badDateInSnapshot]));
    const planted = page.body.items.find((item: { id: string }) => item.id === plantedGood);
    expect(planted.reasons.map((r: { code: string }) => r.code)).toContain('next_action_overdue');
    expect(skippedIds(page.body).sort()).toEqual([yearZeroDue, infiniteCreation].sort());
  });

  it('GET /v1/metrics/funnel and GET /v1/metrics/snapshots answer 200 with such rows in the database', async () => {
    const api = httpClient(stack.baseUrl, ops.token);
    const funnel = await api.get('/v1/metrics/funnel');
    expect(funnel.status).toBe(200);
    expect(funnel.body.total.counts.lead).toBeGreaterThanOrEqual(1);
    const byRep = await api.get(`/v1/metrics/funnel?ownerId=${rep.id}`);
    expect(byRep.status).toBe(200);
    // The good deal made through the API and the planted ones created now entered lead in the period.
    expect(byRep.body.total.counts.lead).toBeGreaterThanOrEqual(5);

    const snapshots = await api.get('/v1/metrics/snapshots?limit=100');
    expect(snapshots.status).toBe(200);
    expect(ids(snapshots.body.items)).not.toContain(badSnapshotRow);
    expect(snapshots.body.skipped).toEqual(
      expect.arrayContaining([{ id: badSnapshotRow, reason: 'cannot show periodStart, periodEnd' }]),
    );
  });
});
