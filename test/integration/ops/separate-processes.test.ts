/**
 * `npm run worker` and `npm run api` as two processes on the run's Postgres and Temporal,
 * as docker-compose.yml runs them: the worker creates the Schedules, and each process serves
 * its own metrics.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { closeDb, type Db } from '../../../db/client';
import { freePort } from '../../../infra/ports';
import { METRICS_SCHEDULE_ID, PRUNE_SCHEDULE_ID } from '../../../infra/schedules';
import { PRUNE_IDEMPOTENCY_KEYS_WORKFLOW_TYPE } from '../../../workflows/maintenance/messages';
import { METRICS_SNAPSHOT_WORKFLOW_TYPE } from '../../../workflows/metrics/messages';
import { walk } from '../../support/api-deal';
import { testDb } from '../../support/db';
import { httpClient } from '../../support/http';
import { eventually } from '../../support/kit';
import { createTestUser } from '../../support/stack';

const root = path.resolve(__dirname, '../../..');
// The worker bundles its workflows at start, as in production.
jest.setTimeout(240_000);

interface Script {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

function npmRun(script: 'worker' | 'api', env: Record<string, string>): Script {
  const child = spawn(process.execPath, ['--import', 'tsx', `scripts/${script}.ts`], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function stop(script: Script | undefined): Promise<number | null | undefined> {
  if (!script) return undefined;
  if (script.child.exitCode === null && script.child.signalCode === null) script.child.kill('SIGTERM');
  return script.exited;
}

/** Fetches a metrics endpoint once `up` answers; a process that exited fails at once with its output. */
async function scrape(script: Script, url: string, token: string): Promise<string> {
  if (script.child.exitCode !== null) throw new Error(`exited ${script.child.exitCode}:\n${script.output()}`);
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
  return response.text();
}

/** The `route` labels of `http_requests_total` in a scrape. */
const routeLabels = (text: string): string[] => [
  ...new Set([...text.matchAll(/^http_requests_total\{[^}]*route="([^"]+)"/gm)].map((m) => m[1])),
];

describe('npm run worker and npm run api as separate processes', () => {
  const taskQueue = `separate-${randomUUID()}`;
  const metricsToken = randomBytes(24).toString('hex');
  let db: Db;
  let connection: Connection;
  let temporal: Client;
  let worker: Script | undefined;
  let api: Script | undefined;
  let apiUrl: string;
  let workerMetricsUrl: string;

  beforeAll(async () => {
    db = testDb();
    connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
    temporal = new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' });
    const common = { TASK_QUEUE: taskQueue, METRICS_TOKEN: metricsToken, LOG_LEVEL: 'warn', HOST: '127.0.0.1' };
    const workerPort = await freePort();
    workerMetricsUrl = `http://127.0.0.1:${workerPort}/metrics`;
    worker = npmRun('worker', {
      ...common,
      WORKER_METRICS_PORT: String(workerPort),
      TEMPORAL_METRICS_ADDRESS: `127.0.0.1:${await freePort()}`,
      IDEMPOTENCY_RETENTION_DAYS: '9',
    });
    const apiPort = await freePort();
    apiUrl = `http://127.0.0.1:${apiPort}`;
    api = npmRun('api', { ...common, PORT: String(apiPort) });
    await eventually(() => scrape(worker!, workerMetricsUrl, metricsToken), 180_000, 500);
    await eventually(() => scrape(api!, `${apiUrl}/metrics`, metricsToken), 60_000, 500);
  });

  afterAll(async () => {
    await Promise.all([stop(api), stop(worker)]);
    // The Schedules now start runs on this file's task queue, which nothing serves any more.
    for (const id of [METRICS_SCHEDULE_ID, PRUNE_SCHEDULE_ID])
      await temporal?.schedule
        .getHandle(id)
        .delete()
        .catch(() => undefined);
    await connection?.close();
    if (db) await closeDb(db);
  });

  it('[M1] the worker creates the snapshot and pruning Schedules on its task queue, with the configured retention', async () => {
    const snapshots = await temporal.schedule.getHandle(METRICS_SCHEDULE_ID).describe();
    expect(snapshots.action).toMatchObject({ workflowType: METRICS_SNAPSHOT_WORKFLOW_TYPE, taskQueue });
    expect(snapshots.spec.intervals).toMatchObject([{ every: 86_400_000 }]);
    const pruning = await temporal.schedule.getHandle(PRUNE_SCHEDULE_ID).describe();
    expect(pruning.action).toMatchObject({
      workflowType: PRUNE_IDEMPOTENCY_KEYS_WORKFLOW_TYPE,
      taskQueue,
      args: [{ retentionDays: 9 }],
    });
  });

  it('each process serves its own metrics: the API its requests by /v1 route, the worker its timers, handoff steps and Temporal runtime', async () => {
    const rep = await createTestUser(db, 'rep');
    const ops = await createTestUser(db, 'ops');
    const apis = { rep: httpClient(apiUrl, rep.token), ops: httpClient(apiUrl, ops.token) };

    // A lead whose first next action falls due in two seconds: its workflow timer fires.
    const due = await apis.rep.post('/v1/opportunities', {
      title: 'Due soon',
      company: `Due ${randomUUID().slice(0, 8)}`,
      nextAction: { description: 'Call back', dueAt: new Date(Date.now() + 2_000).toISOString() },
    });
    expect(due.status).toBe(201);
    const refused = await apis.rep.post(`/v1/opportunities/${due.body.id}/events`, { type: 'NOT_AN_EVENT' });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    // A deal walked to won: the handoff runs its steps.
    const won = await apis.rep.post('/v1/opportunities', { title: 'Won', company: `Won ${randomUUID().slice(0, 8)}` });
    await walk(apis, won.body.id, rep.id, 'lead', 'won');

    const workerText = await eventually(async () => {
      const text = await scrape(worker!, workerMetricsUrl, metricsToken);
      const done =
        /^deal_timers_fired_total\{timer="next_action_overdue"\} [1-9]/m.test(text) &&
        /^handoff_steps_total\{step="reporting_baseline",result="succeeded"\} [1-9]/m.test(text);
      return done ? text : undefined;
    }, 60_000);
    expect(workerText).toMatch(/^temporal_\w+/m);
    expect(workerText).toMatch(/^process_resident_memory_bytes /m);
    expect(workerText).not.toContain('http_requests_total');
    expect((await fetch(workerMetricsUrl)).status).toBe(401);

    const apiText = await scrape(api!, `${apiUrl}/metrics`, metricsToken);
    expect(apiText).toMatch(
      /^http_requests_total\{method="POST",route="\/v1\/opportunities\/:id\/events",status="200"\} [1-9]/m,
    );
    expect(apiText).toMatch(
      new RegExp(
        `^http_requests_total\\{method="POST",route="/v1/opportunities/:id/events",status="${refused.status}"\\} 1$`,
        'm',
      ),
    );
    const apiRoutes = routeLabels(apiText).filter(
      (route) => !['/metrics', 'static', 'unmatched'].includes(route) && !route.startsWith('/health/'),
    );
    expect(apiRoutes.length).toBeGreaterThan(0);
    expect(apiRoutes.filter((route) => !route.startsWith('/v1/'))).toEqual([]);
    expect(apiText).not.toContain('deal_timers_fired_total');
    expect(apiText).not.toContain('handoff_steps_total');
  });

  it('stops both processes cleanly on SIGTERM', async () => {
    const [apiCode, workerCode] = await Promise.all([stop(api), stop(worker)]);
    expect({ apiCode, workerCode }).toEqual({ apiCode: 0, workerCode: 0 });
  });
});
