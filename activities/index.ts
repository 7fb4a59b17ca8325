import type { Db } from '../db/client';
import type { Logger } from '../infra/logger';
import { createDealActivities } from './deal';
import { withPermanentFailures } from './failures';
import { createHandoffActivities } from './handoff';
import { countActivities, createMetricsActivities } from './metrics';

export interface ActivityDeps {
  db: Db;
  logger: Logger;
  clock: () => Date;
}

/** Every activity the worker registers, wired with real dependencies. */
export function createActivities(deps: ActivityDeps) {
  // A write the database refuses for good fails at once (non-retryable); an outage keeps retrying.
  return withPermanentFailures(countActivities({ ...createDealActivities(deps), ...createHandoffActivities(deps), ...createMetricsActivities(deps) }));
}

export type DealActivities = ReturnType<typeof createActivities>;
