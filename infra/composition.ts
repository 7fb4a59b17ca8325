/**
 * The composition root: the one place that builds the worker, the API, the Temporal
 * Schedules and the metrics endpoints from the validated config. `npm start` (both in one
 * process), `npm run worker`, `npm run api`, the benchmarks' processes and the tests all
 * start what they run through `startServices`. What only tests and benchmarks choose (port 0,
 * a silent logger, a task queue per test file) is a config value or an option below.
 */
import type { WorkflowBundleOption } from '@temporalio/worker';
import type { DealActivities } from '../activities';
import type { ApiConfig } from '../api/app';
import { Client, Connection } from '@temporalio/client';
import { dispatchPolicyOf, notifyDepsOf, webhookApiConfig, webhookSecretKey } from './notify-config';
import { startNotifyKicker } from './notify-kicker';
import { closeDb, createDb, type Db, type DbOptions } from '../db/client';
import { runMigrations } from '../db/migrate';
import type { DealPolicy } from '../workflows/deal/policy';
import { startApiServer, type ApiServerHandle } from './api-server';
import { bootstrapAdmin } from './bootstrap';
import { required, type Config } from './config';
import type { Logger } from './logger';
import { policyFromConfig } from './policy';
import { installTemporalRuntime, metricsAddressFromConfig } from './runtime';
import { ensureSchedules } from './schedules';
import { createWorkerMetrics, serveWorkerMetrics, type WorkerMetrics } from './worker-metrics';
import { startWorker, type WorkerHandle, type WorkerTuning } from './worker';

export interface WorkerRole {
  /** false: the worker starts later, with `startWorker()` (tests that begin without one). */
  start?: boolean;
  /** Create or update the Schedules (default true; tests and benchmarks sharing a server say false). */
  schedules?: boolean;
  /** A prebuilt workflow bundle; without it the worker bundles at start. */
  bundle?: WorkflowBundleOption;
  /** WorkerOptions over the config's (benchmarks). */
  tuning?: WorkerTuning & { maxConcurrentActivityTaskExecutions?: number };
  /** Fault-injection tests wrap the real activities. */
  wrapActivities?: (activities: DealActivities) => DealActivities;
  /** Wake the notification dispatchers from Postgres notifications (default true; test stacks that share a database say false). */
  notify?: boolean;
}

export interface ServiceOptions {
  logger: Logger;
  /** Runs the worker in this process, with the Schedules and the worker's metrics port. */
  worker?: WorkerRole;
  /** Serves the API in this process. */
  api?: boolean;
  /** Applies the migrations first (`npm start`). */
  migrate?: boolean;
  /** The policy new deals start with; default from the config. */
  policy?: DealPolicy;
  /** This process's Postgres pool, over the defaults of its roles. */
  pool?: DbOptions;
}

export interface Services {
  db: Db;
  api?: ApiServerHandle;
  /** The admin token this start created (a first start without ADMIN_TOKEN): shown once. */
  adminToken?: string;
  /** The worker's own Prometheus endpoint, when it serves one. */
  workerMetricsUrl?: string;
  startWorker(): Promise<WorkerHandle>;
  stopWorker(): Promise<void>;
  /** One more API on this process's database and metrics, with some API settings changed (tests). */
  startApi(overrides?: Partial<ApiConfig>): Promise<ApiServerHandle>;
  /** Stops the API, drains the worker, then closes the rest. */
  stop(): Promise<void>;
}

export function apiConfigFromConfig(config: Config): ApiConfig {
  return {
    bodyLimit: config.BODY_LIMIT,
    temporalUiUrl: config.TEMPORAL_UI_URL,
    rateLimitPerMinute: config.RATE_LIMIT_PER_MINUTE,
    updateWaitSeconds: config.API_UPDATE_WAIT_SECONDS,
    authFailuresPerMinute: config.AUTH_FAILURES_PER_MINUTE,
    metricsToken: config.METRICS_TOKEN,
    portalInvitationDays: config.PORTAL_INVITATION_DAYS,
    webhooks: webhookApiConfig(config),
  };
}

/** An API alone takes more connections (one per request in flight); a worker's activities fewer. */
function poolOf(options: ServiceOptions): DbOptions {
  const apiAlone = options.api && !options.worker;
  const applicationName =
    options.api && options.worker ? 'opportunity-path' : apiAlone ? 'opportunity-path-api' : 'opportunity-path-worker';
  return { max: apiAlone ? 20 : 10, applicationName, logger: options.logger, ...options.pool };
}

type OnStop = (stop: () => Promise<unknown>) => void;

interface RunningWorkerRole {
  metrics: WorkerMetrics;
  start(): Promise<WorkerHandle>;
  stop(): Promise<void>;
  metricsUrl?: string;
}

/** The worker, the Schedules it owns, and its metrics port. */
async function startWorkerRole(
  config: Config,
  db: Db,
  role: WorkerRole,
  options: ServiceOptions,
  onStop: OnStop,
): Promise<RunningWorkerRole> {
  const address = required(config, 'TEMPORAL_ADDRESS');
  const metrics = createWorkerMetrics({ processMetrics: !options.api });
  const { maxConcurrentActivityTaskExecutions, ...tuning } = role.tuning ?? {};
  let worker: WorkerHandle | undefined;
  const notify = notifyDepsOf(config);
  onStop(async () => notify.mailer?.close());
  const running: RunningWorkerRole = {
    metrics,
    async start() {
      worker = await startWorker({
        address,
        namespace: config.TEMPORAL_NAMESPACE,
        taskQueue: config.TASK_QUEUE,
        db,
        logger: options.logger,
        bundle: role.bundle,
        maxConcurrentActivityTaskExecutions,
        workerOptions: { maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS, ...tuning },
        wrapActivities: role.wrapActivities,
        counters: metrics.counters,
        notify,
      });
      return worker;
    },
    async stop() {
      await worker?.shutdown();
      worker = undefined;
    },
  };
  onStop(() => running.stop());
  if (role.start !== false) await running.start();
  if (role.notify !== false) onStop((await startNotifications(config, db, options.logger)).stop);
  if (role.schedules !== false) {
    await ensureSchedules(address, config.TEMPORAL_NAMESPACE, {
      taskQueue: config.TASK_QUEUE,
      metricsIntervalSeconds: config.METRICS_SCHEDULE_INTERVAL_SECONDS,
      idempotencyRetentionDays: config.IDEMPOTENCY_RETENTION_DAYS,
      emailDigestHourUtc: config.EMAIL_DIGEST_HOUR_UTC,
    });
  }
  if (config.WORKER_METRICS_PORT !== 'off') {
    const server = await serveWorkerMetrics(metrics, {
      host: config.HOST,
      port: config.WORKER_METRICS_PORT,
      token: config.METRICS_TOKEN,
      logger: options.logger,
    });
    if (server) onStop(() => server.close());
    running.metricsUrl = server && `${server.url}/metrics`;
  }
  return running;
}

/** The kicker that wakes the notification dispatchers, over a Temporal client of its own. */
async function startNotifications(config: Config, db: Db, logger: Logger): Promise<{ stop(): Promise<void> }> {
  if (!config.SMTP_URL) logger.info('email is off: SMTP_URL is not set, so no email is sent (webhooks still are)');
  if (webhookSecretKey(config).development)
    logger.warn('WEBHOOK_SECRET_KEY is not set: webhook secrets are sealed with a development key');
  const connection = await Connection.connect({ address: required(config, 'TEMPORAL_ADDRESS') });
  const kicker = startNotifyKicker({
    db,
    temporal: new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }),
    taskQueue: config.TASK_QUEUE,
    policy: dispatchPolicyOf(config),
    logger: logger.child({ component: 'notify' }),
    rescanSeconds: config.NOTIFY_RESCAN_SECONDS,
    email: Boolean(config.SMTP_URL),
  });
  return {
    async stop() {
      await kicker.stop();
      await connection.close();
    },
  };
}

/** Starts the roles `options` asks for; on a failure, stops what had started and rethrows. */
export async function startServices(config: Config, options: ServiceOptions): Promise<Services> {
  const stops: (() => Promise<unknown>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse())
      await stop().catch((error) => options.logger.error({ err: error }, 'stop failed'));
  };
  const onStop: OnStop = (stop) => stops.push(stop);
  // The API's client speaks gRPC from JavaScript; only a worker needs the core runtime.
  if (options.worker)
    installTemporalRuntime({ metricsAddress: metricsAddressFromConfig(config.TEMPORAL_METRICS_ADDRESS) });
  try {
    const temporalAddress = required(config, 'TEMPORAL_ADDRESS');
    const db = createDb(required(config, 'DATABASE_URL'), poolOf(options));
    onStop(() => closeDb(db));
    if (options.migrate) await runMigrations(db);
    const worker = options.worker && (await startWorkerRole(config, db, options.worker, options, onStop));

    const policy = options.policy ?? policyFromConfig(config);
    const startApi = (overrides: Partial<ApiConfig> = {}) =>
      startApiServer({
        db,
        logger: options.logger,
        temporalAddress,
        namespace: config.TEMPORAL_NAMESPACE,
        taskQueue: config.TASK_QUEUE,
        policy,
        host: config.HOST,
        port: config.PORT,
        api: { ...apiConfigFromConfig(config), ...overrides },
        moreMetrics: worker?.metrics.text,
      });
    let api: ApiServerHandle | undefined;
    let adminToken: string | undefined;
    if (options.api) {
      adminToken = (await bootstrapAdmin(db, config.ADMIN_TOKEN)).token;
      const started = await startApi();
      onStop(() => started.close());
      api = started;
    }

    const noWorker = () => Promise.reject(new Error('This process runs no worker'));
    return {
      db,
      api,
      adminToken,
      workerMetricsUrl: worker?.metricsUrl,
      startWorker: worker ? worker.start : noWorker,
      stopWorker: worker ? worker.stop : async () => undefined,
      startApi,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
