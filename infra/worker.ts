import {
  bundleWorkflowCode,
  NativeConnection,
  Worker,
  type WorkerOptions,
  type WorkflowBundleOption,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import fs from 'node:fs';
import path from 'node:path';
import { createActivities, type DealActivities } from '../activities';
import { UNCOUNTED, type ActivityCounters } from '../activities/metrics';
import type { NotifyDeps } from '../activities/notify';
import type { Db } from '../db/client';
import type { Logger } from './logger';
import { installTemporalRuntime } from './runtime';

export const WORKFLOWS_PATH = require.resolve('../workflows');

/**
 * Modules the worker evaluates once per workflow thread and shares, deep-frozen, with every
 * workflow it caches; any other module is evaluated again for each workflow. The opportunity
 * machine and its zod schemas (and with them xstate and zod), built per workflow, were most
 * of a cached deal's memory. They keep no state of their own, so sharing them cannot leak
 * one deal into another; the schemas stay out of the module's exports, so they are not frozen
 * (test/unit/machines/shared-frozen.test.ts runs the machine frozen the same way).
 */
export const SHARED_WORKFLOW_MODULES: readonly string[] = [require.resolve('../machines/opportunity')];

/** How every worker and the replayer bundle the workflows: all share the modules above. */
export const WORKFLOW_BUNDLER_OPTIONS = { preloadModules: [...SHARED_WORKFLOW_MODULES] };

/** The WorkerOptions `startWorker` passes through as is; the bench checks its --worker-options against them. */
export const WORKER_TUNING_OPTIONS = [
  'maxCachedWorkflows',
  'maxConcurrentWorkflowTaskExecutions',
  'maxConcurrentLocalActivityExecutions',
  'workflowTaskPollerBehavior',
  'activityTaskPollerBehavior',
  'workflowThreadPoolSize',
] as const satisfies readonly (keyof WorkerOptions)[];
export type WorkerTuning = Partial<Pick<WorkerOptions, (typeof WORKER_TUNING_OPTIONS)[number]>>;

/** Bundling takes seconds; callers that start several workers share one bundle. */
export function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    ...WORKFLOW_BUNDLER_OPTIONS,
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } as never,
  });
}

/** The file `npm run build` writes the workflow bundle to, at the top of dist/ beside the compiled folders. */
export const PREBUILT_BUNDLE_FILE = 'workflow-bundle.js';

/**
 * The bundle `npm run build` wrote from the same sources as the compiled code around it, so
 * a compiled worker starts without bundling (seconds of CPU and webpack's memory on every
 * start). Run from source, `root` is the repository, where no bundle is written.
 */
export function prebuiltBundle(root: string = path.resolve(__dirname, '..')): WorkflowBundleOption | undefined {
  const codePath = path.join(root, PREBUILT_BUNDLE_FILE);
  return fs.existsSync(codePath) ? { codePath } : undefined;
}

export interface WorkerHandle {
  worker: Worker;
  /** Resolves when the worker has drained and stopped. */
  done: Promise<void>;
  shutdown(): Promise<void>;
}

export async function startWorker(options: {
  address: string;
  namespace: string;
  taskQueue: string;
  db: Db;
  logger: Logger;
  /** A prebuilt bundle (tests build one per run); without it, the build's bundle or else one made at start. */
  bundle?: WorkflowBundleOption;
  maxConcurrentActivityTaskExecutions?: number;
  /** Worker tuning passed through as is (cache size, concurrency, pollers, threads). */
  workerOptions?: WorkerTuning;
  /** Lets fault-injection tests wrap the real activities. */
  wrapActivities?: (activities: DealActivities) => DealActivities;
  /** Where the activities count timers and handoff steps (the worker's metrics); nowhere by default. */
  counters?: ActivityCounters;
  /** Webhook signing and sending, and email (NT1). */
  notify: NotifyDeps;
}): Promise<WorkerHandle> {
  installTemporalRuntime();
  const wrap = options.wrapActivities ?? ((activities: DealActivities) => activities);
  const bundle = options.bundle ?? prebuiltBundle();
  const connection = await NativeConnection.connect({ address: options.address });
  const worker = await Worker.create({
    connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(bundle
      ? { workflowBundle: bundle }
      : { workflowsPath: WORKFLOWS_PATH, bundlerOptions: WORKFLOW_BUNDLER_OPTIONS }),
    activities: wrap(
      createActivities({
        db: options.db,
        logger: options.logger.child({ component: 'activities' }),
        clock: () => new Date(),
        counters: options.counters ?? UNCOUNTED,
        notify: options.notify,
      }),
    ),
    ...(options.maxConcurrentActivityTaskExecutions
      ? { maxConcurrentActivityTaskExecutions: options.maxConcurrentActivityTaskExecutions }
      : {}),
    ...options.workerOptions,
  });
  const done = worker.run().finally(() => connection.close());
  return {
    worker,
    done,
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
