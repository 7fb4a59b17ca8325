/**
 * The benchmark's API process: the real API (infra/api-server) and, on a second port, the
 * plain Express + pg baseline, so both share one process and one core budget.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDb } from '../../db/client';
import { startApiServer } from '../../infra/api-server';
import { createLogger } from '../../infra/logger';
import { DEFAULT_DEAL_POLICY } from '../../workflows/deal/policy';
import { baselineApp } from './baseline';

async function main(): Promise<void> {
  const logger = createLogger(process.env.BENCH_LOG_LEVEL ?? 'silent');
  const db = createDb(process.env.DATABASE_URL!, { max: Number(process.env.BENCH_API_POOL ?? 10), applicationName: 'bench-api' });
  const api = await startApiServer({
    db,
    logger,
    temporalAddress: process.env.TEMPORAL_ADDRESS!,
    namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
    taskQueue: process.env.TASK_QUEUE!,
    policy: DEFAULT_DEAL_POLICY,
    host: '127.0.0.1',
    port: 0,
    api: { bodyLimit: '100kb', rateLimitPerMinute: 10_000_000 },
  });
  const baselineDb = createDb(process.env.DATABASE_URL!, { max: Number(process.env.BENCH_API_POOL ?? 10), applicationName: 'bench-baseline' });
  const baseline = http.createServer(baselineApp(baselineDb.$client));
  await new Promise<void>((resolve) => baseline.listen(0, '127.0.0.1', () => resolve()));
  const stop = () => {
    baseline.closeAllConnections();
    void Promise.allSettled([api.close(), new Promise((r) => baseline.close(r))])
      .then(() => Promise.allSettled([db.$client.end(), baselineDb.$client.end()]))
      .finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.send?.({ type: 'ready', apiUrl: api.url, baselineUrl: `http://127.0.0.1:${(baseline.address() as AddressInfo).port}` });
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
