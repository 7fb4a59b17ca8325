import { Client, Connection, ScheduleAlreadyRunning, ScheduleOverlapPolicy, type ScheduleOptionsStartWorkflowAction } from '@temporalio/client';
import type { metricsSnapshotWorkflow } from '../workflows/metrics/snapshot';
import { METRICS_SNAPSHOT_WORKFLOW_ID, METRICS_SNAPSHOT_WORKFLOW_TYPE } from '../workflows/metrics/messages';

export const METRICS_SCHEDULE_ID = 'metrics-snapshots';

export interface MetricsScheduleOptions {
  taskQueue: string;
  /** METRICS_SCHEDULE_INTERVAL_SECONDS: one snapshot per interval, of the interval just ended. */
  intervalSeconds: number;
  scheduleId?: string;
  /** Prefix of the scheduled runs' ids (the server appends the action time). */
  workflowId?: string;
}

function action(options: MetricsScheduleOptions): ScheduleOptionsStartWorkflowAction<typeof metricsSnapshotWorkflow> {
  return {
    type: 'startWorkflow',
    workflowType: METRICS_SNAPSHOT_WORKFLOW_TYPE,
    workflowId: options.workflowId ?? METRICS_SNAPSHOT_WORKFLOW_ID,
    taskQueue: options.taskQueue,
    args: [{ periodSeconds: options.intervalSeconds }],
    workflowExecutionTimeout: '1 hour',
  };
}

/**
 * M1: the Temporal Schedule that writes a funnel snapshot every interval. Creates it, or
 * brings an existing one in line with the configured interval and task queue. A missed
 * action (server down) is caught up within one interval; overlapping runs are skipped.
 */
export async function ensureMetricsSchedule(client: Client, options: MetricsScheduleOptions): Promise<string> {
  const scheduleId = options.scheduleId ?? METRICS_SCHEDULE_ID;
  const spec = { intervals: [{ every: options.intervalSeconds * 1000 }] };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: Math.max(options.intervalSeconds, 60) * 1000 };
  try {
    await client.schedule.create({ scheduleId, spec, action: action(options), policies });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec, action: action(options), policies }));
  }
  return scheduleId;
}

/** `ensureMetricsSchedule` over its own short-lived connection (for `npm start`). */
export async function ensureMetricsScheduleAt(address: string, namespace: string, options: MetricsScheduleOptions): Promise<string> {
  const connection = await Connection.connect({ address });
  try {
    return await ensureMetricsSchedule(new Client({ connection, namespace }), options);
  } finally {
    await connection.close();
  }
}
