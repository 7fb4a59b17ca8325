import { DefaultLogger, Runtime } from '@temporalio/worker';

let installed = false;

/** Where `npm start` serves the Temporal core metrics (worker and client) unless TEMPORAL_METRICS_ADDRESS says otherwise. */
export const DEFAULT_TEMPORAL_METRICS_ADDRESS = '127.0.0.1:9464';
let metricsAddress: string | null = null;

/** The Temporal core runtime's Prometheus endpoint in this process, or null when it exports none. */
export const temporalMetricsUrl = (): string | null => (metricsAddress ? `http://${metricsAddress}/metrics` : null);

/**
 * The SDK's core runtime logs at INFO to stderr by default; keep it to warnings and up.
 * It also serves its own metrics (worker polls, task latencies, schedule-to-start...) in
 * Prometheus format on `metricsAddress` (default TEMPORAL_METRICS_ADDRESS, else
 * 127.0.0.1:9464; none under NODE_ENV=test unless set); the API's `/metrics` appends them.
 * When that port is taken the runtime starts without metrics rather than not at all.
 * Must run before anything creates the runtime (a worker, a native connection, the dev server).
 */
export function installTemporalRuntime(options: { metricsAddress?: string | null } = {}): void {
  if (installed) return;
  installed = true;
  // null (TEMPORAL_METRICS_ADDRESS=off) exports nothing; undefined falls back to the environment (tests).
  const address =
    options.metricsAddress === null
      ? undefined
      : (options.metricsAddress ?? process.env.TEMPORAL_METRICS_ADDRESS ?? (process.env.NODE_ENV === 'test' ? undefined : DEFAULT_TEMPORAL_METRICS_ADDRESS));
  const logger = new DefaultLogger('WARN');
  try {
    if (address) {
      try {
        Runtime.install({ logger, telemetryOptions: { metrics: { prometheus: { bindAddress: address } } } });
        metricsAddress = address;
        return;
      } catch (error) {
        if (/already been (installed|instantiated)/.test(String(error))) throw error;
        logger.warn(`Temporal metrics not exported on ${address}: ${(error as Error).message}`);
      }
    }
    Runtime.install({ logger });
  } catch {
    // Already installed in this process: keep that one.
  }
}

/** The configured metrics address, or null when set to `off`. */
export const metricsAddressFromConfig = (value: string): string | null => (value === 'off' ? null : value);
