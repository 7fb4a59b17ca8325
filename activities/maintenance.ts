import { pruneIdempotencyKeys } from '../db/queries/idempotency';
import type { ActivityDeps } from './index';

/** Rows one statement deletes: a table left to grow for long is emptied in short transactions. */
export const PRUNE_BATCH_SIZE = 5_000;

export interface PruneIdempotencyKeysInput {
  /** IDEMPOTENCY_RETENTION_DAYS: keys older than this are forgotten. */
  retentionDays: number;
}

export function createMaintenanceActivities({ db, logger }: ActivityDeps) {
  return {
    /**
     * Forgets Idempotency-Keys answered more than `retentionDays` ago, and claims abandoned
     * that long; a retry with such a key after that is a new request.
     */
    async pruneIdempotencyKeys(input: PruneIdempotencyKeysInput): Promise<{ removed: number }> {
      let removed = 0;
      for (;;) {
        const batch = await pruneIdempotencyKeys(db, input.retentionDays, PRUNE_BATCH_SIZE);
        removed += batch;
        if (batch < PRUNE_BATCH_SIZE) break;
      }
      logger.info({ removed, retentionDays: input.retentionDays }, 'idempotency keys pruned');
      return { removed };
    },
  };
}
