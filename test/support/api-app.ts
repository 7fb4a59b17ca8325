import type { Express } from 'express';
import type { ApiConfig } from '../../api/app';
import type { ApiServerHandle } from '../../infra/api-server';
import type { TestStack } from './stack';

/** A second API on the stack's Postgres, Temporal and worker metrics, with its own config (e.g. a tiny rate limit). */
export function startExtraApp(stack: TestStack, config: Partial<ApiConfig> = {}): Promise<ApiServerHandle> {
  return stack.startApi(config);
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
        for (const method of Object.keys(layer.route.methods))
          found.push(`${method.toUpperCase()} ${prefix}${layer.route.path}`.replace(/:(\w+)/g, '{$1}'));
      } else if (layer.handle?.stack) {
        const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
        walk(layer.handle.stack, prefix + mount);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return [...new Set(found)].sort();
}
