import { Router } from 'express';
import { sql } from 'drizzle-orm';
import type { AppDeps } from '../app';

const PROBE_TIMEOUT_MS = 2_000;
/**
 * A worker's long poll for workflow tasks lasts up to about a minute, and the server stamps
 * the poller when a poll starts: an idle live worker is seen within this, a dead one drops
 * out after it.
 */
const WORKER_SEEN_WITHIN_MS = 75_000;
/** Probes answer from a result this young, so a busy prober does not load Temporal. */
const WORKER_CHECK_CACHE_MS = 3_000;

type Status = 'up' | 'down';

export function healthRoutes({ db, temporal, deals }: AppDeps): Router {
  const router = Router();
  let workers: { status: Promise<Status>; at: number } | undefined;
  const check = async (probe: () => Promise<unknown>): Promise<Status> => {
    try {
      await Promise.race([
        probe(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), PROBE_TIMEOUT_MS)),
      ]);
      return 'up';
    } catch {
      return 'down';
    }
  };
  const workerStatus = (): Promise<Status> => {
    if (!workers || Date.now() - workers.at > WORKER_CHECK_CACHE_MS) {
      workers = {
        at: Date.now(),
        status: check(async () => {
          if ((await deals.workersPolling(WORKER_SEEN_WITHIN_MS, PROBE_TIMEOUT_MS)) === 0)
            throw new Error('no worker polls the task queue');
        }),
      };
    }
    return workers.status;
  };

  router.get('/health/live', (_req, res) => {
    res.json({ status: 'live' });
  });
  // Ready when this API can answer deal writes: Postgres and Temporal reachable and a worker polling the deals' task queue.
  router.get('/health/ready', async (_req, res) => {
    const [postgres, temporalStatus, worker] = await Promise.all([
      check(() => db.execute(sql`select 1`)),
      check(() => temporal.workflowService.getSystemInfo({})),
      workerStatus(),
    ]);
    const ready = postgres === 'up' && temporalStatus === 'up' && worker === 'up';
    res
      .status(ready ? 200 : 503)
      .json({ status: ready ? 'ready' : 'not_ready', checks: { postgres, temporal: temporalStatus, workers: worker } });
  });
  return router;
}
