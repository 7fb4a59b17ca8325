import { CancellationScope, isCancellation, sleep } from '@temporalio/workflow';

export interface Alarm {
  /** Makes sure a timer fires at `at` or earlier; keeps the pending one when it already does. */
  setBy(at: number | null): void;
}

/**
 * How much earlier than its deadline a long timer is armed. The workflow measures a timer
 * from its task's start time, but the server starts it when the task completes, so a busy
 * worker (a task of 250 ms while deals open at full rate) makes every timer that much late.
 * A long timer therefore rings this much early and the deal arms a short one for the rest,
 * which is late only by the task time of that moment.
 */
export const ARM_LEAD_MS = 2_000;

/** A wait this long or shorter is armed whole: ringing early would save nothing. */
const LEAD_FROM_MS = 2 * ARM_LEAD_MS;

/**
 * One durable timer at a time for the deal's next deadline. A timer that fires early only
 * makes the workflow plan again, so a pending timer is kept while it fires no later than the
 * next deadline: an event that moves a deadline later (every rep event moves dormancy) costs
 * no timer command, where a fresh timer per wake-up cost a start and a cancel in history.
 */
export function createAlarm(onRing: () => void): Alarm {
  let pending: { at: number; scope: CancellationScope } | null = null;
  return {
    setBy(at) {
      if (at === null || (pending !== null && pending.at <= at)) return;
      pending?.scope.cancel();
      const scope = new CancellationScope();
      const armed = { at, scope };
      pending = armed;
      const remaining = at - Date.now();
      const duration = remaining > LEAD_FROM_MS ? remaining - ARM_LEAD_MS : Math.max(1, remaining);
      scope
        .run(() => sleep(duration, { summary: `until the deal's next deadline, ${new Date(at).toISOString()}` }))
        .then(
          () => {
            if (pending === armed) pending = null;
            onRing();
          },
          (error: unknown) => {
            if (!isCancellation(error)) throw error;
          },
        );
    },
  };
}
