import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { DealActivities } from '../../activities';
import { snapshotKeyOf, type MetricsSnapshotInput } from './messages';

const { captureFunnelSnapshot } = proxyActivities<DealActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** Set by the server on every run a Schedule starts: the action's time. */
const SCHEDULED_START_TIME = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/**
 * M1: one funnel snapshot of the period that ends at the schedule's action time (or this
 * run's start when started by hand). The key comes from the workflow id, which a Schedule
 * makes unique per action, so retries and replays write the snapshot once.
 */
export async function metricsSnapshotWorkflow(input: MetricsSnapshotInput): Promise<{ key: string; created: boolean }> {
  const info = workflowInfo();
  const end = info.typedSearchAttributes.get(SCHEDULED_START_TIME) ?? info.startTime;
  const start = new Date(end.getTime() - input.periodSeconds * 1000);
  const result = await captureFunnelSnapshot({
    key: snapshotKeyOf(info.workflowId),
    periodStart: start.toISOString(),
    periodEnd: end.toISOString(),
    trigger: 'schedule',
  });
  return { key: result.key, created: result.created };
}
