/**
 * The production profile's topology (`npm run test:production`): the compiled build, an
 * embedded Postgres of its own, the Temporal server on it (schema by the SQL tool, the same
 * production.yaml as compose), the migrations, then two workers and two APIs as separate
 * processes from dist/, sharing DATABASE_URL, TEMPORAL_ADDRESS and one task queue. Tests
 * reach them through the environment set here and stop or start them through control.ts.
 */
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../infra/ports';
import { PREBUILT_BUNDLE_FILE } from '../../infra/worker';
import {
  freeServerPorts,
  installTemporalServer,
  setupTemporalSchema,
  TEMPORAL_SERVER_VERSION,
} from '../../infra/temporal-production-server';
import { APIS, serveControl, WORKERS, type PartName } from './control';
import { nodeService, postgresPart, ROOT, temporalPart, type Part } from './topology';

declare global {
  var __production: { parts: Partial<Record<PartName, Part>>; closeControl?: () => Promise<void>; tmpDir: string };
}

const TASK_QUEUE = 'opportunity-path-production';
/** Where each process's log is kept after the run (test/artifacts is not committed). */
const LOG_DIR = path.join(ROOT, 'test', 'artifacts', 'production');

const say = (line: string) => process.stdout.write(`[production] ${line}\n`);

/** Runs a command to completion; its output is shown only when it fails. */
function runOrThrow(what: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env): void {
  const result = spawnSync(command, args, { cwd: ROOT, env, encoding: 'utf8' });
  if (result.status !== 0)
    throw new Error(`${what} failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
}

export default async function globalSetup(): Promise<void> {
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'opportunity-path-production-'));
  // As root, embedded Postgres runs as the `postgres` user, which must be able to enter this folder.
  fs.chmodSync(tmpDir, 0o755);
  const parts: Partial<Record<PartName, Part>> = {};
  globalThis.__production = { parts, tmpDir };
  fs.rmSync(LOG_DIR, { recursive: true, force: true });
  fs.mkdirSync(LOG_DIR, { recursive: true });
  let started = Date.now();
  const step = (what: string) => {
    say(`${what} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    started = Date.now();
  };
  try {
    runOrThrow('npm run build', 'npm', ['run', '-s', 'build']);
    step('npm run build (dist/)');
    const binaries = installTemporalServer(say);
    step(`Temporal server and SQL tool ${TEMPORAL_SERVER_VERSION} in .tools/bin`);
    const postgres = postgresPart({
      dataDir: path.join(tmpDir, 'pg'),
      port: await freePort(),
      database: 'opportunity_path',
    });
    parts.postgres = postgres;
    await postgres.start();
    const pg = new URL(postgres.url());
    const temporalPostgres = { host: pg.hostname, port: Number(pg.port), user: pg.username, password: pg.password };
    step(`Postgres on ${pg.host}`);
    await setupTemporalSchema(temporalPostgres, binaries.sql.path);
    step('Temporal schema (temporal, temporal_visibility) by deploy/temporal/setup-schema.sh');
    const temporal = temporalPart({
      postgres: temporalPostgres,
      ports: await freeServerPorts(),
      logFile: path.join(LOG_DIR, 'temporal.log'),
      serverBinary: binaries.server.path,
      cliPath: process.env.TEMPORAL_CLI_PATH,
    });
    parts.temporal = temporal;
    await temporal.start();
    step(
      `Temporal server on ${temporal.address}, namespace and search attributes by deploy/temporal/setup-namespace.sh`,
    );
    await startApp(parts, { databaseUrl: postgres.url(), temporalAddress: temporal.address }, step);
    const control = await serveControl(parts as Record<PartName, Part>);
    globalThis.__production.closeControl = control.close;
    process.env.PRODUCTION_CONTROL_URL = control.url;
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** Migrations, then two workers and two APIs, each `node dist/scripts/<role>.js` in its own process. */
async function startApp(
  parts: Partial<Record<PartName, Part>>,
  at: { databaseUrl: string; temporalAddress: string },
  step: (what: string) => void,
): Promise<void> {
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    DATABASE_URL: at.databaseUrl,
    TEMPORAL_ADDRESS: at.temporalAddress,
    TEMPORAL_NAMESPACE: 'default',
    TASK_QUEUE,
    HOST: '127.0.0.1',
    ADMIN_TOKEN: randomBytes(24).toString('hex'),
    WEBHOOK_SECRET_KEY: randomBytes(32).toString('hex'),
    // Two workers on one host: each its own free metrics port, no core runtime exporter.
    WORKER_METRICS_PORT: '0',
    TEMPORAL_METRICS_ADDRESS: 'off',
    // The metrics Schedule runs often enough for a test to see it.
    METRICS_SCHEDULE_INTERVAL_SECONDS: '10',
    // The load of the fault tests is far above a person's; the limit has tests of its own.
    RATE_LIMIT_PER_MINUTE: '1000000',
    // The SIGTERM test holds a request open across a worker's start, which takes up to ~30 s
    // on a loaded 2-core host; the default 15 s would turn it into a 503 there.
    API_UPDATE_WAIT_SECONDS: '30',
  };
  runOrThrow('node dist/scripts/migrate.js', process.execPath, [path.join(ROOT, 'dist/scripts/migrate.js')], {
    ...process.env,
    ...env,
  });
  step('migrations applied by dist/scripts/migrate.js');
  const apiPorts = [await freePort(), await freePort()];
  for (const name of WORKERS)
    parts[name] = nodeService({ name, script: 'worker', env, logDir: LOG_DIR, marker: 'worker running' });
  APIS.forEach((name, i) => {
    parts[name] = nodeService({
      name,
      script: 'api',
      env: { ...env, PORT: String(apiPorts[i]) },
      logDir: LOG_DIR,
      marker: 'API listening',
    });
  });
  await Promise.all([...WORKERS, ...APIS].map((name) => parts[name]!.start()));
  step('two workers and two APIs running (node dist/scripts/worker.js, api.js)');
  Object.assign(process.env, {
    DATABASE_URL: at.databaseUrl,
    TEMPORAL_ADDRESS: at.temporalAddress,
    TEMPORAL_NAMESPACE: 'default',
    TASK_QUEUE,
    PRODUCTION_API_URLS: apiPorts.map((port) => `http://127.0.0.1:${port}`).join(','),
    // The fault worker (test code, run from source) loads the bundle the build wrote.
    WORKFLOW_BUNDLE_PATH: path.join(ROOT, 'dist', PREBUILT_BUNDLE_FILE),
  });
}

/** Stops what runs: the APIs, then the workers (drained), Temporal, Postgres. */
export async function stopAll(): Promise<void> {
  const production = globalThis.__production;
  if (!production) return;
  const started = Date.now();
  await production.closeControl?.();
  for (const name of [...APIS, ...WORKERS, 'temporal', 'postgres'] as const) {
    const part = production.parts[name];
    if (!part?.running()) continue;
    const hard = setTimeout(() => void part.stop('SIGKILL').catch(() => undefined), 30_000);
    await part.stop().catch((error: Error) => say(`stopping ${name} failed: ${error.message}`));
    clearTimeout(hard);
  }
  fs.rmSync(production.tmpDir, { recursive: true, force: true });
  say(`topology stopped in ${((Date.now() - started) / 1000).toFixed(1)} s (logs in ${path.relative(ROOT, LOG_DIR)})`);
}
