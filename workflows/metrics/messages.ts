/** The metrics snapshot workflow's public surface (the schedule and tests import this, not the workflow). */
export const METRICS_SNAPSHOT_WORKFLOW_TYPE = 'metricsSnapshotWorkflow';
/** Scheduled runs get ids `<this>-<action time>`; the snapshot key is derived from that id. */
export const METRICS_SNAPSHOT_WORKFLOW_ID = 'metrics-snapshot';

export interface MetricsSnapshotInput {
  /** The period each snapshot covers, ending at the schedule's action time. */
  periodSeconds: number;
}

export const snapshotKeyOf = (workflowId: string): string => `funnel:${workflowId}`;
