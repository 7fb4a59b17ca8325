import { closeDb, createDb } from '../db/client';
import { installTemporalRuntime, metricsAddressFromConfig } from '../infra/runtime';
import { startWorker } from '../infra/worker';
import { required, run } from './run';

run('worker', async (config, logger) => {
  installTemporalRuntime({ metricsAddress: metricsAddressFromConfig(config.TEMPORAL_METRICS_ADDRESS) });
  const db = createDb(required(config, 'DATABASE_URL'), { max: 10, applicationName: 'opportunity-path-worker' });
  const worker = await startWorker({
    address: required(config, 'TEMPORAL_ADDRESS'),
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TASK_QUEUE,
    db,
    logger,
    workerOptions: { maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS },
  });
  logger.info({ taskQueue: config.TASK_QUEUE }, 'worker running');
  return async () => {
    await worker.shutdown();
    await closeDb(db);
  };
});
