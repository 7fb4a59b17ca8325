import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { createApp, type ApiConfig } from '../../api/app';
import { createDealGateway } from '../../api/deal-gateway';
import { createLogger } from '../../infra/logger';
import { DEFAULT_DEAL_POLICY } from '../../workflows/deal/policy';
import type { TestStack } from './stack';

/** A second API app on the stack's Postgres and Temporal, with its own config (e.g. a tiny rate limit). */
export async function startExtraApp(stack: TestStack, config: Partial<ApiConfig> = {}): Promise<{ app: Express; url: string; close(): Promise<void> }> {
  const app = createApp({
    db: stack.db,
    temporal: stack.temporal,
    deals: createDealGateway(stack.temporal, { taskQueue: stack.taskQueue, policy: DEFAULT_DEAL_POLICY, updateWaitSeconds: config.updateWaitSeconds }),
    logger: createLogger('silent'),
    config: { bodyLimit: '100kb', rateLimitPerMinute: 100_000, ...config },
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    app,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

interface Layer {
  rawPath?: string | string[];
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every route an Express app serves, as `METHOD /path/{param}`, found by walking its router stack. */
export function servedRoutes(app: Express): string[] {
  const found: string[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods)) found.push(`${method.toUpperCase()} ${prefix}${layer.route.path}`.replace(/:(\w+)/g, '{$1}'));
      } else if (layer.handle?.stack) {
        const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
        walk(layer.handle.stack, prefix + mount);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return [...new Set(found)].sort();
}
