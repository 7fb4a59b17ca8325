/**
 * A worker process for fault-injection tests. With KILL_AFTER_HANDOFF_STEP set, it runs that
 * handoff step's real database writes and then SIGKILLs itself before the activity can
 * report completion: the worst moment for exactly-once. With FAIL_HANDOFF_STEP set, that step
 * fails every attempt as an outage would (retryable). With HOLD_POOLED_CLIENT=1, see below.
 */
import { startServices } from '../../infra/composition';
import { loadConfig } from '../../infra/config';
import { createLogger } from '../../infra/logger';

async function main(): Promise<void> {
  const killAfter = process.env.KILL_AFTER_HANDOFF_STEP;
  const failing = process.env.FAIL_HANDOFF_STEP;
  const services = await startServices(loadConfig(), {
    logger: createLogger('silent'),
    pool: { max: 4, applicationName: 'fault-worker' },
    worker: {
      start: false,
      schedules: false,
      notify: process.env.NOTIFY === '1',
      bundle: process.env.WORKFLOW_BUNDLE_PATH ? { codePath: process.env.WORKFLOW_BUNDLE_PATH } : undefined,
      wrapActivities: (activities) => ({
        ...activities,
        async handoffStep(input) {
          if (input.step === failing) throw new Error(`connection to the ${failing} store was reset`);
          await activities.handoffStep(input);
          if (input.step === killAfter) process.kill(process.pid, 'SIGKILL');
        },
      }),
    },
  });
  // With HOLD_POOLED_CLIENT=1, one pooled client stays checked out, as an activity's transaction
  // holds one between statements: the moment a lost connection must not kill the process.
  if (process.env.HOLD_POOLED_CLIENT === '1') await services.db.$client.connect();
  await services.startWorker();
  process.stdout.write('worker ready\n');
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
