/**
 * Readiness names the worker's health: ready only while a worker polls the deals' task
 * queue; liveness is the process alone.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { createApp } from '../../../api/app';
import { createDealGateway } from '../../../api/deal-gateway';
import { createLogger } from '../../../infra/logger';
import { httpClient } from '../../support/http';
import { startTestStack, testConfig, type TestStack } from '../../support/stack';
import { webhookApiConfig } from '../../../infra/notify-config';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe('/health/ready', () => {
  it('is ready while a worker polls the task queue, and 503 naming the workers for a task queue no worker polls', async () => {
    const ready = await httpClient(stack.baseUrl).get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.checks.workers).toBe('up');

    // An API whose deals go to a task queue nobody polls: Postgres and Temporal answer, no worker does.
    const app = createApp({
      db: stack.db,
      temporal: stack.temporal,
      deals: createDealGateway(stack.temporal, { taskQueue: `nobody-polls-${randomUUID()}`, policy: stack.policy }),
      logger: createLogger('silent'),
      config: { bodyLimit: '100kb', rateLimitPerMinute: 100_000, webhooks: webhookApiConfig(testConfig()) },
    });
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const orphan = httpClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      const notReady = await orphan.get('/health/ready');
      expect(notReady.status).toBe(503);
      expect(notReady.body).toEqual({
        status: 'not_ready',
        checks: { postgres: 'up', temporal: 'up', workers: 'down' },
      });
      expect((await orphan.get('/health/live')).status).toBe(200);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
