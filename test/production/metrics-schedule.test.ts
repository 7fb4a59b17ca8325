/**
 * The metrics Schedule on the production topology: the compiled workers create it at start
 * (METRICS_SCHEDULE_INTERVAL_SECONDS=10 here), the server's scheduler starts a snapshot run
 * every interval, and one of the workers writes the funnel of the interval just ended.
 */
import { METRICS_SCHEDULE_ID } from '../../infra/schedules';
import { METRICS_SNAPSHOT_WORKFLOW_ID, snapshotKeyOf } from '../../workflows/metrics/messages';
import { eventually } from '../support/kit';
import { openKit, say, type Kit } from './kit';

const INTERVAL_MS = 10_000;

let kit: Kit;
beforeAll(async () => {
  kit = await openKit();
});
afterAll(async () => {
  await kit?.close();
});

describe('the metrics Schedule', () => {
  it('is created by the workers and writes a funnel snapshot every interval', async () => {
    const schedule = await kit.temporal.schedule.getHandle(METRICS_SCHEDULE_ID).describe();
    expect(schedule.spec.intervals?.map((interval) => interval.every)).toEqual([INTERVAL_MS]);
    const since = new Date();
    const rows = await eventually(async () => {
      const { rows } = await kit.db.$client.query(
        `select key, period_start, period_end, values from metric_snapshots
         where kind = 'funnel' and key like $1 and captured_at > $2 order by captured_at`,
        [`${snapshotKeyOf(METRICS_SNAPSHOT_WORKFLOW_ID)}-%`, since],
      );
      return rows.length >= 2 ? rows : undefined;
    }, 4 * INTERVAL_MS);
    for (const row of rows) {
      expect(row.period_end.getTime() - row.period_start.getTime()).toBe(INTERVAL_MS);
      expect(row.values).toMatchObject({ trigger: 'schedule' });
    }
    // Consecutive intervals, each once.
    expect(rows[1].period_start.getTime()).toBe(rows[0].period_end.getTime());
    const described = await kit.temporal.schedule.getHandle(METRICS_SCHEDULE_ID).describe();
    expect(described.info.recentActions.length).toBeGreaterThan(0);
    say(
      `metrics Schedule: ${rows.length} snapshots of 10 s in ${Date.now() - since.getTime()} ms, keys ${rows.map((r) => r.key).join(', ')}`,
    );
  });
});
