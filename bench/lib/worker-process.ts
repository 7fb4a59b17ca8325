/**
 * The benchmark's worker, in a process of its own so its RSS and CPU are its alone.
 * Env: DATABASE_URL, TEMPORAL_ADDRESS, TASK_QUEUE, WORKFLOW_BUNDLE_PATH, optional
 * BENCH_WORKER_OPTIONS (JSON of extra WorkerOptions knobs the bench passes through).
 * Answers IPC `{ type: 'stats' }` with its memory after a full GC (run with --expose-gc).
 */
import { NativeConnection, Worker } from '@temporalio/worker';
import { startServices } from '../../infra/composition';
import { loadConfig } from '../../infra/config';
import { createLogger } from '../../infra/logger';
import { WORKER_TUNING_OPTIONS } from '../../infra/worker';

async function main(): Promise<void> {
  // Over the production worker's settings (scripts/worker.ts), from --worker-options.
  const tuning = process.env.BENCH_WORKER_OPTIONS
    ? (JSON.parse(process.env.BENCH_WORKER_OPTIONS) as Record<string, unknown>)
    : {};
  // The composition root forwards only these WorkerOptions; anything else would be silently ignored.
  const forwarded: readonly string[] = ['maxConcurrentActivityTaskExecutions', ...WORKER_TUNING_OPTIONS];
  const unsupported = Object.keys(tuning).filter((key) => !forwarded.includes(key));
  if (unsupported.length) throw new Error(`the worker does not forward ${unsupported.join(', ')}`);
  const services = await startServices(loadConfig(), {
    logger: createLogger(process.env.BENCH_LOG_LEVEL ?? 'silent'),
    pool: { max: Number(process.env.BENCH_WORKER_POOL ?? 10), applicationName: 'bench-worker' },
    worker: {
      schedules: false,
      bundle: process.env.WORKFLOW_BUNDLE_PATH ? { codePath: process.env.WORKFLOW_BUNDLE_PATH } : undefined,
      tuning,
    },
  });
  // The Temporal floor (see floor-workflows.ts) on a task queue of its own, same process.
  let floor: Promise<void> | undefined;
  let floorWorker: Worker | undefined;
  if (process.env.BENCH_FLOOR_QUEUE) {
    const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
    floorWorker = await Worker.create({
      connection,
      namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
      taskQueue: process.env.BENCH_FLOOR_QUEUE,
      workflowBundle: { codePath: process.env.BENCH_FLOOR_BUNDLE_PATH! },
      activities: { async noop() {} },
    });
    floor = floorWorker.run().finally(() => connection.close());
  }
  process.on('message', (message: { type?: string }) => {
    if (message?.type === 'stats') {
      (globalThis as { gc?: () => void }).gc?.();
      const memory = process.memoryUsage();
      process.send?.({ type: 'stats', rss: memory.rss, heapUsed: memory.heapUsed, external: memory.external });
    }
  });
  const stop = () => {
    if (floorWorker?.getState() === 'RUNNING') floorWorker.shutdown();
    void Promise.allSettled([services.stop(), floor]).finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.send?.({ type: 'ready' });
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
