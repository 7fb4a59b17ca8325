/**
 * Helpers of the fault-injection suite (test/integration/faults): worker child processes
 * to SIGKILL, and the consistency check every fault test ends with.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { Db } from '../../db/client';
import { dealWorkflowId, getDeal } from '../../workflows/deal/messages';

const root = path.resolve(__dirname, '../..');

export interface WorkerChild {
  child: ChildProcess;
  ready: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}

/** Starts test/support/fault-worker.ts in a process of its own on `taskQueue`. */
export function spawnWorker(taskQueue: string, extraEnv: Record<string, string> = {}): WorkerChild {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/fault-worker.ts'], {
    cwd: root,
    env: { ...process.env, TASK_QUEUE: taskQueue, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout!.on('data', (chunk) => {
    output += chunk;
    if (output.includes('worker ready')) markReady();
  });
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    ready: Promise.race([ready, exited.then(() => Promise.reject(new Error(`worker exited before ready: ${output}`)))]),
    exited,
    output: () => output,
  };
}

export async function killWorker(worker: WorkerChild, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill(signal);
  await worker.exited;
}

export interface DealConsistency {
  opportunityId: string;
  events: { version: number; idempotency_key: string; event_type: string }[];
  readModel: { stage: string; version: number } | null;
  workflow: { stage: string; version: number };
}

/** The event log, the read model and the workflow's own view of one deal. */
export async function dealConsistency(db: Db, temporal: Client, opportunityId: string): Promise<DealConsistency> {
  const events = await db.$client.query(
    `select version, idempotency_key, event_type from opportunity_events where opportunity_id = $1 order by version, id`,
    [opportunityId],
  );
  const row = await db.$client.query(`select stage, version from opportunities where id = $1`, [opportunityId]);
  const view = await temporal.workflow.getHandle(dealWorkflowId(opportunityId)).query(getDeal);
  return {
    opportunityId,
    events: events.rows,
    readModel: row.rows[0] ? { stage: row.rows[0].stage, version: Number(row.rows[0].version) } : null,
    workflow: { stage: view.state.stage, version: view.version },
  };
}

/**
 * Every acknowledged update's key is in the log exactly once, the log's versions run 1..n
 * without gaps or repeats, and the read model and the workflow agree with the log.
 */
export function expectConsistent(state: DealConsistency, acknowledgedKeys: string[]): void {
  const keys = state.events.map((e) => e.idempotency_key);
  for (const key of acknowledgedKeys)
    expect({ key, count: keys.filter((k) => k === key).length }).toEqual({ key, count: 1 });
  const versions = state.events.map((e) => e.version);
  expect(versions).toEqual(versions.map((_, i) => i + 1));
  expect(state.readModel).toEqual(state.workflow);
  expect(state.workflow.version).toBe(versions.length);
}

export interface PostgresChild {
  url: Promise<string>;
  stop(): Promise<void>;
}

/** Starts test/support/fault-postgres.ts (an embedded Postgres on `dataDir` and `port`). */
export function spawnPostgres(dataDir: string, port: number, database = 'opportunity_fault'): PostgresChild {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/fault-postgres.ts'], {
    cwd: root,
    env: { ...process.env, PG_DATA_DIR: dataDir, PG_PORT: String(port), PG_DATABASE: database },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const match = /postgres ready (\S+)/.exec(output);
      if (match) resolve(match[1]);
    });
    child.stderr!.on('data', (chunk) => (output += chunk));
    void exited.then(() => reject(new Error(`postgres exited: ${output}`)));
  });
  url.catch(() => undefined);
  return {
    url,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
