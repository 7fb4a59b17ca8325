/**
 * A closed-loop load generator: `clients` loops, each sending its next request as soon as
 * the previous one answered. Counts only answers in the measured window (after warm-up).
 */
import { percentile, sortNumbers } from './stats';

export interface LoadResult {
  clients: number;
  seconds: number;
  ok: number;
  errors: number;
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
  firstError?: string;
}

export async function closedLoop(options: {
  clients: number;
  warmupMs: number;
  measureMs: number;
  /** Sends request number `n` of client `client`; resolves true when it succeeded. */
  send: (client: number, n: number) => Promise<{ ok: boolean; detail?: string }>;
}): Promise<LoadResult> {
  const start = performance.now();
  const measureFrom = start + options.warmupMs;
  const measureTo = measureFrom + options.measureMs;
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const loop = async (client: number) => {
    for (let n = 0; performance.now() < measureTo; n += 1) {
      const sent = performance.now();
      let outcome: { ok: boolean; detail?: string };
      try {
        outcome = await options.send(client, n);
      } catch (error) {
        outcome = { ok: false, detail: (error as Error).message };
      }
      const done = performance.now();
      if (sent < measureFrom || done > measureTo) continue;
      if (outcome.ok) latencies.push(done - sent);
      else {
        errors += 1;
        firstError ??= outcome.detail;
      }
    }
  };
  await Promise.all(Array.from({ length: options.clients }, (_, client) => loop(client)));
  const sorted = sortNumbers(latencies);
  const seconds = options.measureMs / 1000;
  return {
    clients: options.clients,
    seconds,
    ok: latencies.length,
    errors,
    perSecond: latencies.length / seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? NaN,
    ...(firstError ? { firstError } : {}),
  };
}

/** POST JSON; returns ok for 2xx. */
export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<{ ok: boolean; status: number; detail?: string; json?: any }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return {
    ok: response.ok,
    status: response.status,
    json,
    ...(response.ok ? {} : { detail: `${response.status} ${text.slice(0, 200)}` }),
  };
}
