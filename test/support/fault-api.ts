/**
 * An API process for fault-injection tests, to SIGKILL mid-request and start again. Its
 * settings come from the environment like `npm run api` (TASK_QUEUE, PORT,
 * API_UPDATE_WAIT_SECONDS, ...). Prints `api ready <url>`.
 */
import { startServices } from '../../infra/composition';
import { loadConfig } from '../../infra/config';
import { createLogger } from '../../infra/logger';

async function main(): Promise<void> {
  const config = { ...loadConfig(), HOST: '127.0.0.1', RATE_LIMIT_PER_MINUTE: 1_000_000 };
  const services = await startServices(config, {
    logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
    api: true,
    pool: { max: 10, applicationName: 'fault-api' },
  });
  process.stdout.write(`api ready ${services.api!.url}\n`);
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
