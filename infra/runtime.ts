import { DefaultLogger, Runtime } from '@temporalio/worker';

let installed = false;
let metricsAddress: string | null = null;

/** The Temporal core runtime's Prometheus endpoint in this process, or null when it exports none. */
export const temporalMetricsUrl = (): string | null => (metricsAddress ? `http://${metricsAddress}/metrics` : null);

/**
 * The SDK's core runtime logs at INFO to stderr by default; keep it to warnings and up.
 * It also serves its own metrics (worker polls, task latencies, schedule-to-start...) in
 * Prometheus format on `metricsAddress` (TEMPORAL_METRICS_ADDRESS; null: none), which the
 * worker's metrics endpoint appends. When that port is taken the runtime starts without
 * metrics rather than not at all. The first call in a process wins: it must come before
 * anything creates the runtime (a worker, a native connection, the dev server).
 */
export function installTemporalRuntime(options: { metricsAddress?: string | null } = {}): void {
  if (installed) return;
  installed = true;
  const address = options.metricsAddress ?? undefined;
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

const TEMPORAL_SCRAPE_TIMEOUT_MS = 1_000;

/** The Temporal core runtime's own metrics text (names start `temporal_`), or a comment saying why there is none. */
export async function temporalRuntimeMetrics(): Promise<string> {
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
