import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { createApp, type ApiConfig } from '../api/app';
import { createDealGateway } from '../api/deal-gateway';
import type { Db } from '../db/client';
import type { DealPolicy } from '../workflows/deal/policy';
import type { Logger } from './logger';

export interface ApiServerHandle {
  url: string;
  port: number;
  close(): Promise<void>;
}

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
}): Promise<ApiServerHandle> {
  const connection = await Connection.connect({ address: options.temporalAddress });
  const temporal = new Client({ connection, namespace: options.namespace });
  const deals = createDealGateway(temporal, { taskQueue: options.taskQueue, policy: options.policy, updateWaitSeconds: options.api.updateWaitSeconds });
  const app = createApp({ db: options.db, temporal, deals, logger: options.logger, config: options.api });
  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}`,
    port,
    async close() {
      server.closeIdleConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await connection.close();
    },
  };
}
