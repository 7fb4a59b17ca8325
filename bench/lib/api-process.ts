/**
 * The benchmark's API process: the real API (infra/composition) and, on a second port, the
 * plain Express + pg baseline, so both share one process and one core budget.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDb } from '../../db/client';
import { startServices } from '../../infra/composition';
import { loadConfig } from '../../infra/config';
import { createLogger } from '../../infra/logger';
import { DEFAULT_DEAL_POLICY } from '../../workflows/deal/policy';
import { baselineApp } from './baseline';

async function main(): Promise<void> {
  const services = await startServices(
    { ...loadConfig(), HOST: '127.0.0.1', PORT: 0, RATE_LIMIT_PER_MINUTE: 10_000_000 },
    {
      logger: createLogger(process.env.BENCH_LOG_LEVEL ?? 'silent'),
      api: true,
      policy: DEFAULT_DEAL_POLICY,
      pool: { max: Number(process.env.BENCH_API_POOL ?? 10), applicationName: 'bench-api' },
    },
  );
  const api = services.api!;
  const baselineDb = createDb(process.env.DATABASE_URL!, {
    max: Number(process.env.BENCH_API_POOL ?? 10),
    applicationName: 'bench-baseline',
  });
  const baseline = http.createServer(baselineApp(baselineDb.$client));
  await new Promise<void>((resolve) => baseline.listen(0, '127.0.0.1', () => resolve()));
  const stop = () => {
    baseline.closeAllConnections();
    void Promise.allSettled([services.stop(), new Promise((r) => baseline.close(r))])
      .then(() => baselineDb.$client.end())
      .finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.send?.({
    type: 'ready',
    apiUrl: api.url,
    baselineUrl: `http://127.0.0.1:${(baseline.address() as AddressInfo).port}`,
  });
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
