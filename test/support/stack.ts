import { Client, Connection } from '@temporalio/client';
import { createDb, closeDb, type Db } from '../../db/client';
import { startApiServer, type ApiServerHandle } from '../../infra/api-server';
import { bootstrapAdmin } from '../../infra/bootstrap';
import { createLogger } from '../../infra/logger';
import { startWorker, type WorkerHandle } from '../../infra/worker';
import { DEFAULT_DEAL_POLICY, type DealPolicy } from '../../workflows/deal/policy';
import { hashToken, newToken } from '../../api/auth';
import { createApiToken, createUser } from '../../db/queries/auth';
import { createDealGateway, type DealGateway } from '../../api/deal-gateway';
import { randomUUID } from 'node:crypto';

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
  user(role: 'admin' | 'ops' | 'rep' | 'portal', clientId?: string | null): Promise<{ id: string; token: string }>;
  startWorker(): Promise<WorkerHandle>;
  stopWorker(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A worker and an API on the run's shared Postgres and Temporal, with a task queue of
 * this test file's own so files never steal each other's workflow tasks.
 */
export async function startTestStack(options: { policy?: Partial<DealPolicy>; worker?: boolean } = {}): Promise<TestStack> {
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const db = createDb(process.env.DATABASE_URL!, { max: 10, applicationName: 'jest-stack' });
  const address = process.env.TEMPORAL_ADDRESS!;
  const namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';
  const taskQueue = `test-${randomUUID()}`;
  const policy: DealPolicy = { ...DEFAULT_DEAL_POLICY, ...options.policy };
  const bundle = process.env.WORKFLOW_BUNDLE_PATH ? { codePath: process.env.WORKFLOW_BUNDLE_PATH } : undefined;
  let worker: WorkerHandle | undefined;
  const startOneWorker = async () => {
    worker = await startWorker({ address, namespace, taskQueue, db, logger, bundle });
    return worker;
  };
  if (options.worker !== false) await startOneWorker();
  const api: ApiServerHandle = await startApiServer({
    db,
    logger,
    temporalAddress: address,
    namespace,
    taskQueue,
    policy,
    host: '127.0.0.1',
    port: 0,
    api: { bodyLimit: '100kb', rateLimitPerMinute: 100_000 },
  });
  const connection = await Connection.connect({ address });
  const temporal = new Client({ connection, namespace });
  await bootstrapAdmin(db);
  const admin = await createUser(db, { name: 'Test admin', email: `admin-${randomUUID()}@test`, role: 'admin', clientId: null });
  const adminToken = newToken();
  await createApiToken(db, { userId: admin.id, tokenHash: hashToken(adminToken), label: 'test' });

  return {
    baseUrl: api.url,
    db,
    temporal,
    taskQueue,
    policy,
    deals: createDealGateway(temporal, { taskQueue, policy }),
    adminToken,
    async user(role, clientId = null) {
      const user = await createUser(db, { name: `Test ${role}`, email: `${role}-${randomUUID()}@test`, role, clientId });
      const token = newToken();
      await createApiToken(db, { userId: user.id, tokenHash: hashToken(token), label: 'test' });
      return { id: user.id, token };
    },
    startWorker: startOneWorker,
    async stopWorker() {
      await worker?.shutdown();
      worker = undefined;
    },
    async stop() {
      await api.close();
      await worker?.shutdown();
      await connection.close();
      await closeDb(db);
    },
  };
}
