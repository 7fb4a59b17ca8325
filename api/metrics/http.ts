import type { Request, RequestHandler } from 'express';
import { temporalMetricsUrl } from '../../infra/runtime';
import { httpRequestDuration, httpRequests, registry } from './registry';

/**
 * The matched route pattern (`/v1/opportunities/:id`), never the raw path: ids would explode
 * the label set. Answers without a route are the static page (`static`) or errors (`unmatched`).
 */
function routeOf(req: Request, status: number): string {
  const pattern = req.route?.path;
  if (typeof pattern === 'string') return `${req.baseUrl}${pattern}`;
  return status < 400 ? 'static' : 'unmatched';
}

/** Counts every request and times it, by method, route pattern and status. */
export function requestMetrics(): RequestHandler {
  return (req, res, next) => {
    const stop = httpRequestDuration.startTimer();
    let route = 'unmatched';
    // The router clears req.baseUrl and req.route on its way out; read them while a handler answers.
    const writeHead = res.writeHead;
    res.writeHead = function (this: typeof res, ...args: Parameters<typeof writeHead>) {
      route = routeOf(req, typeof args[0] === 'number' ? args[0] : res.statusCode);
      return writeHead.apply(this, args);
    } as typeof writeHead;
    res.on('finish', () => {
      const labels = { method: req.method, route, status: String(res.statusCode) };
      httpRequests.inc(labels);
      stop(labels);
    });
    next();
  };
}

const TEMPORAL_SCRAPE_TIMEOUT_MS = 1_000;

/** The Temporal core runtime's own metrics text, or a comment saying why there is none. */
async function temporalMetrics(): Promise<string> {
  const url = temporalMetricsUrl();
  if (!url) return '# Temporal worker metrics: not exported by this process\n';
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(TEMPORAL_SCRAPE_TIMEOUT_MS) });
    if (!response.ok) return `# Temporal worker metrics: ${url} answered ${response.status}\n`;
    return `# Temporal worker metrics from ${url}\n${await response.text()}`;
  } catch (error) {
    return `# Temporal worker metrics: ${url} unreachable (${(error as Error).message})\n`;
  }
}

/**
 * `GET /metrics`: this process's registry (HTTP, transitions, timers, handoff steps, Node
 * process metrics) followed by the Temporal core runtime's metrics (names start `temporal_`),
 * scraped from its exporter in this process so one scrape target sees both.
 */
export function metricsEndpoint(): RequestHandler {
  return async (_req, res) => {
    const [own, temporal] = await Promise.all([registry.metrics(), temporalMetrics()]);
    res.type(registry.contentType).send(`${own}\n${temporal}`);
  };
}
