/**
 * An API process for fault-injection tests, to SIGKILL mid-request and start again. Its
 * settings come from the environment like `npm run api` (TASK_QUEUE, PORT,
 * API_UPDATE_WAIT_SECONDS, ...). Prints `api ready <url>`.
 */
import { createDb } from '../../db/client';
import { startApiServer } from '../../infra/api-server';
import { loadConfig } from '../../infra/config';
import { createLogger } from '../../infra/logger';
import { policyFromConfig } from '../../infra/policy';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const db = createDb(config.DATABASE_URL!, { max: 10, applicationName: 'fault-api', logger });
  const api = await startApiServer({
    db,
    logger,
    temporalAddress: config.TEMPORAL_ADDRESS!,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TASK_QUEUE,
    policy: policyFromConfig(config),
    host: '127.0.0.1',
    port: config.PORT,
    api: { bodyLimit: config.BODY_LIMIT, rateLimitPerMinute: 1_000_000, updateWaitSeconds: config.API_UPDATE_WAIT_SECONDS },
  });
  process.stdout.write(`api ready ${api.url}\n`);
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
