import type { Request, RequestHandler } from 'express';
import { httpRequestDuration, httpRequests, registry } from './registry';

interface RoutedRequest extends Request {
  route: { path?: unknown } | undefined;
}

/**
 * Keeps, for the request's label, the full pattern (`/v1/opportunities/:id`) of each route the
 * router matches, never the raw path: ids would explode the label set. It must be read as the
 * router sets `req.route`, because the router puts `req.baseUrl` back on its way out: an
 * error answered by the app's error handler would otherwise lose its `/v1`.
 */
function trackRoute(req: RoutedRequest): () => string | undefined {
  let route = req.route;
  let pattern: string | undefined;
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => route,
    set(value: RoutedRequest['route']) {
      route = value;
      if (typeof value?.path === 'string') pattern = `${req.baseUrl}${value.path}`;
    },
  });
  return () => pattern;
}

/**
 * Counts every request and times it, by method, route pattern and status. Answers without a
 * route are the static page (`static`) or errors (`unmatched`).
 */
export function requestMetrics(): RequestHandler {
  return (req, res, next) => {
    const stop = httpRequestDuration.startTimer();
    const matched = trackRoute(req as RoutedRequest);
    res.on('finish', () => {
      const route = matched() ?? (res.statusCode < 400 ? 'static' : 'unmatched');
      const labels = { method: req.method, route, status: String(res.statusCode) };
      httpRequests.inc(labels);
      stop(labels);
    });
    next();
  };
}

/**
 * `GET /metrics`: this API's registry (HTTP, transitions, Node process metrics), then `more`:
 * in a process that also runs the worker, its counters and the Temporal runtime's metrics, so
 * one scrape target sees the whole process.
 */
export function metricsEndpoint(more?: () => Promise<string>): RequestHandler {
  return async (_req, res) => {
    const [own, extra] = await Promise.all([registry.metrics(), more?.()]);
    res.type(registry.contentType).send(extra === undefined ? own : `${own}\n${extra}`);
  };
}
