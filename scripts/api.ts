import { closeDb, createDb } from '../db/client';
import { startApiServer } from '../infra/api-server';
import { bootstrapAdmin } from '../infra/bootstrap';
import { policyFromConfig } from '../infra/policy';
import { required, run } from './run';

run('api', async (config, logger) => {
  const db = createDb(required(config, 'DATABASE_URL'), { max: 20, applicationName: 'opportunity-path-api' });
  const admin = await bootstrapAdmin(db, config.ADMIN_TOKEN);
  if (admin.token && !config.ADMIN_TOKEN) process.stdout.write(`Admin token (shown once): ${admin.token}\n`);
  const api = await startApiServer({
    db,
    logger,
    temporalAddress: required(config, 'TEMPORAL_ADDRESS'),
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TASK_QUEUE,
    policy: policyFromConfig(config),
    host: config.HOST,
    port: config.PORT,
    api: {
      bodyLimit: config.BODY_LIMIT,
      temporalUiUrl: config.TEMPORAL_UI_URL,
      rateLimitPerMinute: config.RATE_LIMIT_PER_MINUTE,
      updateWaitSeconds: config.API_UPDATE_WAIT_SECONDS,
      authFailuresPerMinute: config.AUTH_FAILURES_PER_MINUTE,
      metricsToken: config.METRICS_TOKEN,
    },
  });
  logger.info({ url: api.url }, 'API listening');
  return async () => {
    await api.close();
    await closeDb(db);
  };
});
