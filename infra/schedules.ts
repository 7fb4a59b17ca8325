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
import type { emailDigestWorkflow } from '../workflows/notify/digest';
import { EMAIL_DIGEST_WORKFLOW_ID, EMAIL_DIGEST_WORKFLOW_TYPE } from '../workflows/notify/messages';

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
  every: number | { dailyAtHourUtc: number },
  action: ScheduleOptionsStartWorkflowAction<W>,
): Promise<string> {
  const everySeconds = typeof every === 'number' ? every : 86_400;
  const spec =
    typeof every === 'number'
      ? { intervals: [{ every: every * 1000 }] }
      : { calendars: [{ hour: every.dailyAtHourUtc, minute: 0 }], timezone: 'UTC' };
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

export const EMAIL_DIGEST_SCHEDULE_ID = 'email-digest';

/** NT1: the Schedule that writes everyone's daily digest at EMAIL_DIGEST_HOUR_UTC. */
export function ensureEmailDigestSchedule(
  client: Client,
  options: { taskQueue: string; hourUtc: number },
): Promise<string> {
  return ensureSchedule<typeof emailDigestWorkflow>(
    client,
    EMAIL_DIGEST_SCHEDULE_ID,
    { dailyAtHourUtc: options.hourUtc },
    {
      type: 'startWorkflow',
      workflowType: EMAIL_DIGEST_WORKFLOW_TYPE,
      workflowId: EMAIL_DIGEST_WORKFLOW_ID,
      taskQueue: options.taskQueue,
      args: [{}],
      workflowExecutionTimeout: '1 hour',
    },
  );
}

export interface SchedulesOptions {
  taskQueue: string;
  metricsIntervalSeconds: number;
  idempotencyRetentionDays: number;
  emailDigestHourUtc: number;
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
      await ensureEmailDigestSchedule(client, { taskQueue: options.taskQueue, hourUtc: options.emailDigestHourUtc }),
    ];
  } finally {
    await connection.close();
  }
}
