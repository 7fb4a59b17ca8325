import http from 'node:http';
import { Client, Connection } from '@temporalio/client';
import type { Express } from 'express';
import { createApp, type ApiConfig } from '../api/app';
import { createDealGateway } from '../api/deal-gateway';
import { requestIdInterceptor } from '../api/request-id';
import type { Db } from '../db/client';
import type { DealPolicy } from '../workflows/deal/policy';
import { listen } from './listen';
import type { Logger } from './logger';

export interface ApiServerHandle {
  app: Express;
  url: string;
  port: number;
  close(): Promise<void>;
}

export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

export async function startApiServer(options: {
  db: Db;
  logger: Logger;
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  policy: DealPolicy;
  host: string;
  port: number;
  api: ApiConfig;
  /** Prometheus text `/metrics` serves after the API's own (the worker's, when it runs in this process). */
  moreMetrics?: () => Promise<string>;
}): Promise<ApiServerHandle> {
  const connection = await Connection.connect({ address: options.temporalAddress });
  // Each Workflow Update carries the id of the request that sent it.
  const temporal = new Client({
    connection,
    namespace: options.namespace,
    interceptors: { workflow: [requestIdInterceptor] },
  });
  const deals = createDealGateway(temporal, {
    taskQueue: options.taskQueue,
    policy: options.policy,
    updateWaitSeconds: options.api.updateWaitSeconds,
  });
  const app = createApp({
    db: options.db,
    temporal,
    deals,
    logger: options.logger,
    config: { ...options.api, temporalNamespace: options.namespace },
    moreMetrics: options.moreMetrics,
  });
  const server = http.createServer(app);
  // Longer than the idle timeout of common load balancers (60 s): a server that closes an idle
  // connection first resets the request the balancer (or a client's pool) sends on it just then.
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1_000;
  const listening = await listen(server, options.host, options.port).catch(async (error: unknown) => {
    await connection.close();
    throw error;
  });
  return {
    app,
    url: listening.url,
    port: listening.port,
    async close() {
      await listening.close();
      await connection.close();
    },
  };
}
