/**
 * The Temporal floor: the smallest workflows that do what a transition does on the
 * Temporal side, without the machine or Postgres. `echo` answers an update at once;
 * `echoWithActivity` runs one no-op activity inside the update, as a transition does
 * with its projection write. Measured next to the real path, they show how much of a
 * transition's cost is Temporal itself on this machine.
 */
import { condition, defineUpdate, proxyActivities, proxyLocalActivities, setHandler } from '@temporalio/workflow';

export const echoUpdate = defineUpdate<number, [{ mode: 'none' | 'activity' | 'local' }]>('echo');

const { noop } = proxyActivities<{ noop(): Promise<void> }>({ startToCloseTimeout: '10 seconds' });
const { noop: localNoop } = proxyLocalActivities<{ noop(): Promise<void> }>({ startToCloseTimeout: '10 seconds' });

export async function floorWorkflow(): Promise<void> {
  let count = 0;
  setHandler(echoUpdate, async ({ mode }) => {
    if (mode === 'activity') await noop();
    if (mode === 'local') await localNoop();
    count += 1;
    return count;
  });
  await condition(() => false);
}
