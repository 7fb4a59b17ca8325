/** The idempotency-key pruning workflow's public surface (the Schedule and tests import this, not the workflow). */
export const PRUNE_IDEMPOTENCY_KEYS_WORKFLOW_TYPE = 'pruneIdempotencyKeysWorkflow';
/** Scheduled runs get ids `<this>-<action time>`. */
export const PRUNE_IDEMPOTENCY_KEYS_WORKFLOW_ID = 'idempotency-key-pruning';

export interface PruneIdempotencyKeysWorkflowInput {
  /** IDEMPOTENCY_RETENTION_DAYS when the Schedule was last brought in line with the config. */
  retentionDays: number;
}
