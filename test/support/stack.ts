import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { hashToken, newToken } from '../../api/auth';
import type { ApiConfig } from '../../api/app';
import { createDealGateway, type DealGateway } from '../../api/deal-gateway';
import type { Db } from '../../db/client';
import { createApiToken, createUser } from '../../db/queries/auth';
import { ensureService } from '../../db/queries/services';
import { FIXTURE_SERVICE } from '../../fixtures/deal-events';
import type { ApiServerHandle } from '../../infra/api-server';
import { startServices } from '../../infra/composition';
import { loadConfig, type Config } from '../../infra/config';
import { createLogger } from '../../infra/logger';
import type { WorkerHandle } from '../../infra/worker';
import { DEFAULT_DEAL_POLICY, type DealPolicy } from '../../workflows/deal/policy';

type TestRole = 'admin' | 'ops' | 'rep' | 'portal';

export interface TestStack {
  baseUrl: string;
  db: Db;
  temporal: Client;
  taskQueue: string;
  policy: DealPolicy;
  /** Drives deal workflows directly (no HTTP), with this stack's task queue and policy. */
  deals: DealGateway;
  adminToken: string;
  /** Creates a user of a role and returns its id and a bearer token. */
  user(role: TestRole, clientId?: string | null): Promise<{ id: string; token: string }>;
  startWorker(): Promise<WorkerHandle>;
  stopWorker(): Promise<void>;
  /** One more API on this stack (same database, worker metrics and task queue) with some settings changed; close it yourself. */
  startApi(config?: Partial<ApiConfig>): Promise<ApiServerHandle>;
  stop(): Promise<void>;
}

/** A user of `role` with a bearer token of its own. */
export async function createTestUser(
  db: Db,
  role: TestRole,
  clientId: string | null = null,
): Promise<{ id: string; token: string }> {
  const user = await createUser(db, { name: `Test ${role}`, email: `${role}-${randomUUID()}@test`, role, clientId });
  const token = newToken();
  await createApiToken(db, { userId: user.id, tokenHash: hashToken(token), label: 'test' });
  return { id: user.id, token };
}

/** The run's settings (Postgres and Temporal from the global setup) with what a test stack changes. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return { ...loadConfig(), HOST: '127.0.0.1', PORT: 0, RATE_LIMIT_PER_MINUTE: 100_000, ...overrides };
}

/**
 * A worker and an API on the run's shared Postgres and Temporal, with a task queue of
 * this test file's own so files never steal each other's workflow tasks.
 */
export async function startTestStack(
  options: { policy?: Partial<DealPolicy>; worker?: boolean; notify?: boolean; config?: Partial<Config> } = {},
): Promise<TestStack> {
  const config = testConfig({ TASK_QUEUE: `test-${randomUUID()}`, ...options.config });
  const policy: DealPolicy = { ...DEFAULT_DEAL_POLICY, ...options.policy };
  const services = await startServices(config, {
    logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
    policy,
    pool: { max: 10, applicationName: 'jest-stack' },
    // The Schedules are global to the namespace: a test stack leaves them alone.
    worker: {
      start: options.worker !== false,
      schedules: false,
      bundle: process.env.WORKFLOW_BUNDLE_PATH ? { codePath: process.env.WORKFLOW_BUNDLE_PATH } : undefined,
      // Every file's stack shares the database: only the files about notifications deliver them.
      notify: options.notify ?? false,
    },
    api: true,
  });
  const { db } = services;
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS! });
  const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const admin = await createTestUser(db, 'admin');
  // The happy path sells this catalogue service: its proposal lines and handoff name it.
  await ensureService(db, FIXTURE_SERVICE);

  return {
    baseUrl: services.api!.url,
    db,
    temporal,
    taskQueue: config.TASK_QUEUE,
    policy,
    deals: createDealGateway(temporal, { taskQueue: config.TASK_QUEUE, policy }),
    adminToken: admin.token,
    user: (role, clientId = null) => createTestUser(db, role, clientId),
    startWorker: services.startWorker,
    stopWorker: services.stopWorker,
    startApi: services.startApi,
    async stop() {
      await services.stop();
      await connection.close();
    },
  };
}
