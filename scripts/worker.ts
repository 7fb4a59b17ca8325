import { startServices } from '../infra/composition';
import { run } from './run';

/** `npm run worker`: the deal worker, the Schedules it owns, and its Prometheus port. */
run('worker', async (config, logger) => {
  const services = await startServices(config, { logger, worker: {} });
  logger.info({ taskQueue: config.TASK_QUEUE, metrics: services.workerMetricsUrl }, 'worker running');
  return services.stop;
});
