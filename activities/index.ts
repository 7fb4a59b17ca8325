import type { Db } from '../db/client';
import type { Logger } from '../infra/logger';
import { createDealActivities } from './deal';
import { withPermanentFailures } from './failures';
import { createHandoffActivities } from './handoff';
import { createMaintenanceActivities } from './maintenance';
import { countActivities, createMetricsActivities, type ActivityCounters } from './metrics';
import { createNotifyActivities, type NotifyDeps } from './notify';

export interface ActivityDeps {
  db: Db;
  logger: Logger;
  clock: () => Date;
  counters: ActivityCounters;
  /** Webhook signing and sending, and email (NT1). */
  notify: NotifyDeps;
}

/** Every activity the worker registers, wired with real dependencies. */
export function createActivities(deps: ActivityDeps) {
  // A write the database refuses for good fails at once (non-retryable); an outage keeps retrying.
  const activities = {
    ...createDealActivities(deps),
    ...createHandoffActivities(deps),
    ...createMetricsActivities(deps),
    ...createMaintenanceActivities(deps),
    ...createNotifyActivities(deps),
  };
  return withPermanentFailures(countActivities(activities, deps.counters));
}

export type DealActivities = ReturnType<typeof createActivities>;
