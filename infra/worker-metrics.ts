import http from 'node:http';
import { collectDefaultMetrics, Counter, Registry } from 'prom-client';
import type { ActivityCounters } from '../activities/metrics';
import { sameSecret } from '../api/auth';
import { listen, type Listening } from './listen';
import type { Logger } from './logger';
import { temporalRuntimeMetrics } from './runtime';

export interface WorkerMetrics {
  /** What the activities count into. */
  counters: ActivityCounters;
  /** Prometheus text: the worker's counters, then the Temporal runtime's `temporal_*` metrics. */
  text(): Promise<string>;
  contentType: string;
}

/**
 * The worker's own registry. `processMetrics`: also the Node process metrics, unless the API
 * in the same process already reports them (one scrape must not name a metric twice).
 */
export function createWorkerMetrics(options: { processMetrics: boolean }): WorkerMetrics {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  const timersFired = new Counter({
    name: 'deal_timers_fired_total',
    help: 'Deal workflow timers that fired and did their work, by timer',
    labelNames: ['timer'] as const,
    registers: [registry],
  });
  const handoffSteps = new Counter({
    name: 'handoff_steps_total',
    help: 'Won-deal handoff step attempts, by step and result (succeeded, failed)',
    labelNames: ['step', 'result'] as const,
    registers: [registry],
  });
  return {
    counters: {
      timerFired: (timer) => timersFired.inc({ timer }),
      handoffStep: (step, result) => handoffSteps.inc({ step, result }),
    },
    async text() {
      const [own, temporal] = await Promise.all([registry.metrics(), temporalRuntimeMetrics()]);
      return `${own}\n${temporal}`;
    },
    contentType: registry.contentType,
  };
}

const bearerOf = (req: http.IncomingMessage): string =>
  /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';

/**
 * Serves `GET /metrics` on the worker's metrics port (WORKER_METRICS_PORT on HOST). With
 * METRICS_TOKEN set, a scraper must send it as its bearer token. A port already taken is
 * a warning, not a failed start, as with the Temporal runtime's exporter: deals keep moving
 * without metrics. Resolves undefined then.
 */
export async function serveWorkerMetrics(
  metrics: WorkerMetrics,
  options: { host: string; port: number; token?: string; logger: Logger },
): Promise<Listening | undefined> {
  const server = http.createServer((req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    if (req.method !== 'GET' || new URL(req.url ?? '/', 'http://metrics').pathname !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    if (options.token && !sameSecret(bearerOf(req), options.token)) {
      res.writeHead(401, { 'WWW-Authenticate': 'Bearer' }).end();
      return;
    }
    metrics.text().then(
      (text) => res.writeHead(200, { 'Content-Type': metrics.contentType }).end(text),
      (error: unknown) => {
        options.logger.warn({ err: error }, 'worker metrics failed');
        res.writeHead(500).end();
      },
    );
  });
  try {
    return await listen(server, options.host, options.port);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    options.logger.warn(
      { host: options.host, port: options.port },
      'worker metrics not served: the port is taken (WORKER_METRICS_PORT)',
    );
    return undefined;
  }
}
