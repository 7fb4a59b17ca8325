import { startServices } from '../infra/composition';
import { run } from './run';

/** `npm run api`: the REST API and its `/metrics`. */
run('api', async (config, logger) => {
  const services = await startServices(config, { logger, api: true });
  if (services.adminToken && !config.ADMIN_TOKEN)
    process.stdout.write(`Admin token (shown once): ${services.adminToken}\n`);
  logger.info({ url: services.api!.url }, 'API listening');
  return services.stop;
});
