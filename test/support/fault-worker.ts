/**
 * A worker process for fault-injection tests. With KILL_AFTER_HANDOFF_STEP set, it runs that
 * handoff step's real database writes and then SIGKILLs itself before the activity can
 * report completion: the worst moment for exactly-once. With HOLD_POOLED_CLIENT=1, see below.
 */
import { createDb } from '../../db/client';
import { createLogger } from '../../infra/logger';
import { startWorker } from '../../infra/worker';

async function main(): Promise<void> {
  const killAfter = process.env.KILL_AFTER_HANDOFF_STEP;
  const db = createDb(process.env.DATABASE_URL!, { max: 4 });
  // With HOLD_POOLED_CLIENT=1, one pooled client stays checked out, as an activity's transaction
  // holds one between statements: the moment a lost connection must not kill the process.
  if (process.env.HOLD_POOLED_CLIENT === '1') await db.$client.connect();
  await startWorker({
    address: process.env.TEMPORAL_ADDRESS!,
    namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
    taskQueue: process.env.TASK_QUEUE!,
    db,
    logger: createLogger('silent'),
    bundle: process.env.WORKFLOW_BUNDLE_PATH ? { codePath: process.env.WORKFLOW_BUNDLE_PATH } : undefined,
    wrapActivities: (activities) => ({
      ...activities,
      async handoffStep(input) {
        await activities.handoffStep(input);
        if (input.step === killAfter) process.kill(process.pid, 'SIGKILL');
      },
    }),
  });
  process.stdout.write('worker ready\n');
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
