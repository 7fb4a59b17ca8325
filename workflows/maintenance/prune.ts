import { proxyActivities } from '@temporalio/workflow';
import type { DealActivities } from '../../activities';
import type { PruneIdempotencyKeysWorkflowInput } from './messages';

const { pruneIdempotencyKeys } = proxyActivities<DealActivities>({
  startToCloseTimeout: '30 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** Forgets Idempotency-Keys older than the retention (run daily by a Schedule). */
export async function pruneIdempotencyKeysWorkflow(
  input: PruneIdempotencyKeysWorkflowInput,
): Promise<{ removed: number }> {
  return pruneIdempotencyKeys({ retentionDays: input.retentionDays });
}
