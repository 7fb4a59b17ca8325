import {
  Client,
  Connection,
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type ScheduleOptionsStartWorkflowAction,
  type Workflow,
} from '@temporalio/client';
import type { pruneIdempotencyKeysWorkflow } from '../workflows/maintenance/prune';
import {
  PRUNE_IDEMPOTENCY_KEYS_WORKFLOW_ID,
  PRUNE_IDEMPOTENCY_KEYS_WORKFLOW_TYPE,
} from '../workflows/maintenance/messages';
import type { metricsSnapshotWorkflow } from '../workflows/metrics/snapshot';
import { METRICS_SNAPSHOT_WORKFLOW_ID, METRICS_SNAPSHOT_WORKFLOW_TYPE } from '../workflows/metrics/messages';

export const METRICS_SCHEDULE_ID = 'metrics-snapshots';
export const PRUNE_SCHEDULE_ID = 'idempotency-key-pruning';
const PRUNE_EVERY_SECONDS = 86_400;

/**
 * Creates a Schedule that starts `action` every `everySeconds`, or brings an existing one in
 * line with it (so every start of every worker may call this). A missed action (server down)
 * is caught up within one interval; overlapping runs are skipped.
 */
async function ensureSchedule<W extends Workflow>(
  client: Client,
  scheduleId: string,
  everySeconds: number,
  action: ScheduleOptionsStartWorkflowAction<W>,
): Promise<string> {
  const spec = { intervals: [{ every: everySeconds * 1000 }] };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: Math.max(everySeconds, 60) * 1000 };
  try {
    await client.schedule.create({ scheduleId, spec, action, policies });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec, action, policies }));
  }
  return scheduleId;
}

export interface MetricsScheduleOptions {
  taskQueue: string;
  /** METRICS_SCHEDULE_INTERVAL_SECONDS: one snapshot per interval, of the interval just ended. */
  intervalSeconds: number;
  scheduleId?: string;
  /** Prefix of the scheduled runs' ids (the server appends the action time). */
  workflowId?: string;
}

/** M1: the Schedule that writes a funnel snapshot every interval. */
export function ensureMetricsSchedule(client: Client, options: MetricsScheduleOptions): Promise<string> {
  return ensureSchedule<typeof metricsSnapshotWorkflow>(
    client,
    options.scheduleId ?? METRICS_SCHEDULE_ID,
    options.intervalSeconds,
    {
      type: 'startWorkflow',
      workflowType: METRICS_SNAPSHOT_WORKFLOW_TYPE,
      workflowId: options.workflowId ?? METRICS_SNAPSHOT_WORKFLOW_ID,
      taskQueue: options.taskQueue,
      args: [{ periodSeconds: options.intervalSeconds }],
      workflowExecutionTimeout: '1 hour',
    },
  );
}

/** The Schedule that forgets Idempotency-Keys older than the retention, once a day. */
export function ensurePruneSchedule(
  client: Client,
  options: { taskQueue: string; retentionDays: number },
): Promise<string> {
  return ensureSchedule<typeof pruneIdempotencyKeysWorkflow>(client, PRUNE_SCHEDULE_ID, PRUNE_EVERY_SECONDS, {
    type: 'startWorkflow',
    workflowType: PRUNE_IDEMPOTENCY_KEYS_WORKFLOW_TYPE,
    workflowId: PRUNE_IDEMPOTENCY_KEYS_WORKFLOW_ID,
    taskQueue: options.taskQueue,
    args: [{ retentionDays: options.retentionDays }],
    workflowExecutionTimeout: '1 hour',
  });
}

export interface SchedulesOptions {
  taskQueue: string;
  metricsIntervalSeconds: number;
  idempotencyRetentionDays: number;
}

/** Every Schedule of the app, over a short-lived connection of its own; returns their ids. */
export async function ensureSchedules(
  address: string,
  namespace: string,
  options: SchedulesOptions,
): Promise<string[]> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection, namespace });
    return [
      await ensureMetricsSchedule(client, {
        taskQueue: options.taskQueue,
        intervalSeconds: options.metricsIntervalSeconds,
      }),
      await ensurePruneSchedule(client, {
        taskQueue: options.taskQueue,
        retentionDays: options.idempotencyRetentionDays,
      }),
    ];
  } finally {
    await connection.close();
  }
}
