import { randomUUID } from 'node:crypto';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { ensureMetricsSchedule } from '../../../infra/schedules';
import { eventually } from '../../support/kit';
import { httpClient } from '../../support/http';
import { startTestStack, type TestStack } from '../../support/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

const snapshotsWithKeyPrefix = async (prefix: string) =>
  (
    await stack.db.$client.query('select * from metric_snapshots where key like $1 order by captured_at', [
      `${prefix}%`,
    ])
  ).rows;

describe('[M1] metric snapshots', () => {
  it('[M1] a Temporal Schedule on the real server writes a funnel snapshot each interval, and a snapshot cannot be changed', async () => {
    const scheduleId = `metrics-test-${randomUUID()}`;
    const workflowId = `metrics-snapshot-test-${randomUUID()}`;
    await ensureMetricsSchedule(stack.temporal, {
      taskQueue: stack.taskQueue,
      intervalSeconds: 2,
      scheduleId,
      workflowId,
    });
    const handle = stack.temporal.schedule.getHandle(scheduleId);
    try {
      const [snapshot] = await eventually(async () => {
        const rows = await snapshotsWithKeyPrefix(`funnel:${workflowId}-`);
        return rows.length > 0 ? rows : undefined;
      }, 30_000);
      expect(snapshot.kind).toBe('funnel');
      expect(snapshot.period_end.getTime() - snapshot.period_start.getTime()).toBe(2_000);
      // The key is the scheduled run's id, which ends with the action time the period ends at.
      expect(snapshot.key).toBe(`funnel:${workflowId}-${snapshot.period_end.toISOString().replace(/\.\d{3}Z$/, 'Z')}`);
      expect(snapshot.values).toMatchObject({
        trigger: 'schedule',
        total: { counts: expect.objectContaining({ lead: expect.any(Number) }) },
      });

      // Ensuring again (a restart with another interval) updates the schedule instead of failing.
      await ensureMetricsSchedule(stack.temporal, {
        taskQueue: stack.taskQueue,
        intervalSeconds: 3,
        scheduleId,
        workflowId,
      });
      const description = await handle.describe();
      expect(description.spec.intervals?.map((i) => i.every)).toEqual([3_000]);
      expect(description.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);

      await expect(
        stack.db.$client.query(`update metric_snapshots set values = '{}'::jsonb where id = $1`, [snapshot.id]),
      ).rejects.toThrow();
      await expect(
        stack.db.$client.query('delete from metric_snapshots where id = $1', [snapshot.id]),
      ).rejects.toThrow();
      const [after] = await snapshotsWithKeyPrefix(snapshot.key);
      expect(after.values).toEqual(snapshot.values);
    } finally {
      await handle.delete();
    }
  });

  it('[M1] POST /v1/metrics/snapshots captures one on demand, once per Idempotency-Key; GET pages them newest first', async () => {
    const ops = await stack.user('ops');
    const api = httpClient(stack.baseUrl, ops.token);
    const key = randomUUID();
    const period = { from: '2021-03-01T00:00:00Z', to: '2021-04-01T00:00:00Z' };
    const created = await api.post('/v1/metrics/snapshots', period, { 'idempotency-key': key });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      kind: 'funnel',
      periodStart: '2021-03-01T00:00:00.000Z',
      periodEnd: '2021-04-01T00:00:00.000Z',
    });
    expect(created.body.values).toMatchObject({
      trigger: 'api',
      period: { from: '2021-03-01T00:00:00.000Z', to: '2021-04-01T00:00:00.000Z' },
    });
    const retried = await api.post('/v1/metrics/snapshots', period, { 'idempotency-key': key });
    expect([200, 201]).toContain(retried.status);
    expect(retried.body.id).toBe(created.body.id);
    expect(await snapshotsWithKeyPrefix(created.body.key)).toHaveLength(1);
    const later = await api.post('/v1/metrics/snapshots', {});
    expect(later.status).toBe(201);
    expect(new Date(later.body.periodEnd).getTime() - new Date(later.body.periodStart).getTime()).toBe(86_400_000);

    const first = await api.get('/v1/metrics/snapshots?limit=1');
    expect(first.status).toBe(200);
    expect(first.body.items.map((s: { id: string }) => s.id)).toEqual([later.body.id]);
    const second = await api.get(`/v1/metrics/snapshots?limit=1&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((s: { id: string }) => s.id)).toEqual([created.body.id]);
  });

  it('[M1] refuses other roles and bad input, naming the field', async () => {
    const rep = await stack.user('rep');
    expect((await httpClient(stack.baseUrl, rep.token).post('/v1/metrics/snapshots', {})).status).toBe(403);
    expect((await httpClient(stack.baseUrl, rep.token).get('/v1/metrics/snapshots')).status).toBe(403);
    const api = httpClient(stack.baseUrl, stack.adminToken);
    const badBody = await api.post('/v1/metrics/snapshots', { from: 'last week' });
    expect(badBody.status).toBe(422);
    expect(badBody.body.errors.map((e: { field: string }) => e.field)).toContain('from');
    const badKind = await api.get('/v1/metrics/snapshots?kind=everything');
    expect(badKind.status).toBe(400);
    expect(badKind.body.errors.map((e: { field: string }) => e.field)).toContain('query.kind');
    const badCursor = await api.get('/v1/metrics/snapshots?cursor=abc');
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.errors[0].field).toBe('query.cursor');
  });
});
