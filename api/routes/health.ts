import { Router } from 'express';
import { sql } from 'drizzle-orm';
import type { AppDeps } from '../app';

export function healthRoutes({ db, temporal }: AppDeps): Router {
  const router = Router();
  router.get('/health/live', (_req, res) => {
    res.json({ status: 'live' });
  });
  router.get('/health/ready', async (_req, res) => {
    const check = async (probe: () => Promise<unknown>) => {
      try {
        await Promise.race([probe(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2_000))]);
        return 'up';
      } catch {
        return 'down';
      }
    };
    const [postgres, temporalStatus] = await Promise.all([
      check(() => db.execute(sql`select 1`)),
      check(() => temporal.workflowService.getSystemInfo({})),
    ]);
    const ready = postgres === 'up' && temporalStatus === 'up';
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks: { postgres, temporal: temporalStatus } });
  });
  return router;
}
