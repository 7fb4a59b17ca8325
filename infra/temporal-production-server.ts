/**
 * The full Temporal server on Postgres, as the compose file runs it, without Docker: the
 * server and its SQL schema tool built from their Go modules (the version of the CLI's dev
 * server), then the compose file's own steps run on this host: the schema job
 * (deploy/temporal/setup-schema.sh with the SQL tool), the server on
 * deploy/temporal/config/production.yaml, and the namespace and search-attribute job
 * (deploy/temporal/setup-namespace.sh with the Temporal CLI), which fails when any attribute
 * is missing. The production test profile (test/production) and
 * `npm run temporal:server:install` use it.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { REPO_ROOT, resolveTemporalCli } from './temporal-cli';
import type { RunningTemporal } from './temporal-server';

/** The server release whose dev server the CLI embeds (`temporal server start-dev` of CLI 1.5.1). */
export const TEMPORAL_SERVER_VERSION = '1.29.1';
const TOOLS_BIN = path.join(REPO_ROOT, '.tools', 'bin');
export const TEMPORAL_SERVER_BINARIES = {
  server: {
    module: `go.temporal.io/server/cmd/server@v${TEMPORAL_SERVER_VERSION}`,
    path: path.join(TOOLS_BIN, 'server'),
  },
  sql: {
    module: `go.temporal.io/server/cmd/tools/sql@v${TEMPORAL_SERVER_VERSION}`,
    path: path.join(TOOLS_BIN, 'sql'),
  },
} as const;
const DEPLOY = path.join(REPO_ROOT, 'deploy', 'temporal');
/** `--root`, `--config` and `--env` of the server: it loads `<root>/<config>/<env>.yaml`. */
export const PRODUCTION_CONFIG = { root: DEPLOY, dir: 'config', env: 'production' };
export const DYNAMIC_CONFIG_FILE = path.join(DEPLOY, 'dynamic-config.yaml');
/** The compose file's one-shot jobs, run here as they are there. */
const SETUP_SCHEMA_SCRIPT = path.join(DEPLOY, 'setup-schema.sh');
const SETUP_NAMESPACE_SCRIPT = path.join(DEPLOY, 'setup-namespace.sh');
/**
 * `max_connections` of a Postgres that holds Temporal and the app. Each of the server's four
 * services keeps pools of its own (production.yaml: up to 20 + 10 connections each, 120 in
 * all), beside the app's (an API up to 20, a worker 10); Postgres's default of 100 runs out
 * under load and Temporal then fails its writes. The compose file passes the same value.
 */
export const POSTGRES_MAX_CONNECTIONS = 300;

/** The two databases, the variable that names each (production.yaml, the schema job) and the sql tool's embedded schema of each. */
export const TEMPORAL_DATABASES = [
  { name: 'temporal', schema: 'postgresql/v12/temporal', env: 'DBNAME' },
  { name: 'temporal_visibility', schema: 'postgresql/v12/visibility', env: 'VISIBILITY_DBNAME' },
] as const;
const databaseEnv = () => Object.fromEntries(TEMPORAL_DATABASES.map((database) => [database.env, database.name]));

type Log = (line: string) => void;

/** The version a binary reports, or undefined when it does not run. */
function versionOf(binary: string): string | undefined {
  const result = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  return result.status === 0 ? /version (\S+)/.exec(result.stdout)?.[1] : undefined;
}

export type TemporalServerBinary = keyof typeof TEMPORAL_SERVER_BINARIES;

/**
 * The server and the SQL tool in .tools/bin at TEMPORAL_SERVER_VERSION, each built with
 * `go install` when missing or of another version (several minutes on 2 cores, once).
 * Throws when Go is missing or a build fails: nothing else provides these binaries.
 */
export function installTemporalServer(
  log: Log = () => undefined,
): Record<TemporalServerBinary, { path: string; built: boolean }> {
  const build = (name: TemporalServerBinary) => {
    const binary = TEMPORAL_SERVER_BINARIES[name];
    if (versionOf(binary.path) === TEMPORAL_SERVER_VERSION) return { path: binary.path, built: false };
    const go = spawnSync('go', ['version'], { encoding: 'utf8' });
    if (go.error || go.status !== 0)
      throw new Error(`Go is needed to build the Temporal ${name} (go install ${binary.module}) and was not found`);
    log(`Building the Temporal ${name} with go install ${binary.module} (${go.stdout.trim()})…`);
    const started = Date.now();
    const result = spawnSync('go', ['install', binary.module], {
      env: { ...process.env, GOBIN: TOOLS_BIN },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const version = versionOf(binary.path);
    if (result.status !== 0 || version !== TEMPORAL_SERVER_VERSION)
      throw new Error(`go install ${binary.module} failed (exit ${result.status}, built version ${version ?? 'none'})`);
    log(`Temporal ${name} built in ${Math.round((Date.now() - started) / 1000)} s`);
    return { path: binary.path, built: true };
  };
  return { server: build('server'), sql: build('sql') };
}

export interface TemporalPostgres {
  host: string;
  port: number;
  user: string;
  password: string;
}

const execFileAsync = promisify(execFile);

/** Runs one of the compose file's setup jobs; its output becomes the error when it fails. */
async function runJob(script: string, env: Record<string, string>): Promise<void> {
  await execFileAsync('sh', [script], { env: { ...process.env, ...env } }).catch(
    (error: { code?: number; stdout?: string; stderr?: string }) => {
      const said = `${error.stdout ?? ''}${error.stderr ?? ''}`.trim().split('\n').slice(-10).join('\n');
      throw new Error(`${path.relative(REPO_ROOT, script)} failed (exit ${error.code}):\n${said}`);
    },
  );
}

/**
 * Temporal's two databases and their schemas at the latest version the SQL tool embeds, by
 * the compose file's schema job (deploy/temporal/setup-schema.sh). Safe on every start.
 */
export async function setupTemporalSchema(postgres: TemporalPostgres, sqlTool = TEMPORAL_SERVER_BINARIES.sql.path) {
  await runJob(SETUP_SCHEMA_SCRIPT, {
    TEMPORAL_SQL_TOOL: sqlTool,
    SQL_HOST: postgres.host,
    SQL_PORT: String(postgres.port),
    SQL_USER: postgres.user,
    SQL_PASSWORD: postgres.password,
    ...databaseEnv(),
  });
}

/** Every port production.yaml reads, by its variable; a test gives free ones. */
export interface TemporalServerPorts {
  FRONTEND_GRPC_PORT: number;
  FRONTEND_HTTP_PORT: number;
  FRONTEND_MEMBERSHIP_PORT: number;
  HISTORY_GRPC_PORT: number;
  HISTORY_MEMBERSHIP_PORT: number;
  MATCHING_GRPC_PORT: number;
  MATCHING_MEMBERSHIP_PORT: number;
  WORKER_GRPC_PORT: number;
  WORKER_MEMBERSHIP_PORT: number;
  /** The server's Prometheus endpoint. */
  PROMETHEUS_PORT: number;
}

export interface ProductionServerOptions {
  postgres: TemporalPostgres;
  ports: TemporalServerPorts;
  namespace?: string;
  /** Where the server's own log goes (appended, across restarts). */
  logFile: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  serverBinary?: string;
  /** TEMPORAL_CLI_PATH: the CLI that runs the namespace job (else found as `npm start` finds it). */
  cliPath?: string;
  /** How long to wait for the frontend to answer (default 60 s). */
  startTimeoutMs?: number;
}

/** Whether nothing listens on `port` of loopback now. */
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * Free ports for every service of the server, below 32768: the server records each host's
 * membership port in a SMALLINT column (cluster_membership.rpc_port), and the OS hands out
 * ephemeral ports above that.
 */
export async function freeServerPorts(): Promise<TemporalServerPorts> {
  const names = [
    'FRONTEND_GRPC_PORT',
    'FRONTEND_HTTP_PORT',
    'FRONTEND_MEMBERSHIP_PORT',
    'HISTORY_GRPC_PORT',
    'HISTORY_MEMBERSHIP_PORT',
    'MATCHING_GRPC_PORT',
    'MATCHING_MEMBERSHIP_PORT',
    'WORKER_GRPC_PORT',
    'WORKER_MEMBERSHIP_PORT',
    'PROMETHEUS_PORT',
  ] as const;
  const ports: number[] = [];
  const [low, span] = [20_000, 12_768];
  const offset = Math.floor(Math.random() * span);
  for (let i = 0; ports.length < names.length; i += 1) {
    if (i === span) throw new Error(`fewer than ${names.length} free ports between ${low} and ${low + span}`);
    const port = low + ((offset + i) % span);
    if (await isFree(port)) ports.push(port);
  }
  return Object.fromEntries(names.map((name, i) => [name, ports[i]])) as unknown as TemporalServerPorts;
}

/** The environment production.yaml is rendered with. */
export function productionServerEnv(options: ProductionServerOptions): Record<string, string> {
  const { PROMETHEUS_PORT, ...ports } = options.ports;
  return {
    POSTGRES_SEEDS: options.postgres.host,
    DB_PORT: String(options.postgres.port),
    POSTGRES_USER: options.postgres.user,
    POSTGRES_PWD: options.postgres.password,
    ...databaseEnv(),
    BIND_ON_IP: '127.0.0.1',
    ...Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, String(port)])),
    PROMETHEUS_ENDPOINT: `127.0.0.1:${PROMETHEUS_PORT}`,
    DYNAMIC_CONFIG_FILE_PATH: DYNAMIC_CONFIG_FILE,
    LOG_LEVEL: options.logLevel ?? 'warn',
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface RunningProductionServer extends RunningTemporal {
  /** False once the server process has exited, whoever stopped it. */
  alive(): boolean;
}

/**
 * Starts the server, waits until its frontend answers, then runs the compose file's namespace
 * job: the namespace and the deals' search attributes, or a throw naming what is missing.
 * `stop()` sends SIGTERM and waits for the process to exit.
 */
export async function startTemporalProductionServer(
  options: ProductionServerOptions,
): Promise<RunningProductionServer> {
  const namespace = options.namespace ?? 'default';
  const address = `127.0.0.1:${options.ports.FRONTEND_GRPC_PORT}`;
  const cli = resolveTemporalCli({ cliPath: options.cliPath });
  if (cli.kind === 'download')
    throw new Error('The Temporal CLI is needed to register the namespace: npm run temporal:install');
  const { root, dir, env } = PRODUCTION_CONFIG;
  const log = fs.openSync(options.logFile, 'a');
  const child = spawn(
    options.serverBinary ?? TEMPORAL_SERVER_BINARIES.server.path,
    ['--root', root, '--config', dir, '--env', env, '--allow-no-auth', 'start'],
    { env: { ...process.env, ...productionServerEnv(options) }, stdio: ['ignore', log, log] },
  );
  fs.closeSync(log);
  const alive = () => child.exitCode === null && child.signalCode === null;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (alive()) child.kill('SIGTERM');
    await exited;
  };
  try {
    await waitForFrontend(address, child, options);
    await runJob(SETUP_NAMESPACE_SCRIPT, {
      TEMPORAL_CLI: cli.path,
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: namespace,
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { address, namespace, uiUrl: undefined, stop, alive };
}

/** Resolves once the frontend's health check says SERVING; throws with the log's last lines when the server exits or never answers. */
async function waitForFrontend(address: string, child: ChildProcess, options: ProductionServerOptions) {
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const failed = (why: string) => {
    const tail = fs.readFileSync(options.logFile, 'utf8').split('\n').slice(-15).join('\n');
    return new Error(`the Temporal server ${why} (log ${options.logFile}):\n${tail}`);
  };
  let connection: Connection | undefined;
  try {
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(250)) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw failed(`exited during start-up (${child.exitCode ?? child.signalCode})`);
      try {
        connection ??= await Connection.connect({ address, connectTimeout: 1_000 });
        const health = await connection.healthService.check({
          service: 'temporal.api.workflowservice.v1.WorkflowService',
        });
        if (health.status === SERVING) return;
      } catch {
        // not answering yet
      }
    }
    throw failed(`did not answer on ${address} within ${timeoutMs} ms`);
  } finally {
    await connection?.close();
  }
}

/** grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING */
const SERVING = 1;
