import { CancellationScope, isCancellation, sleep } from '@temporalio/workflow';

export interface Alarm {
  /** Makes sure a timer fires at `at` or earlier; keeps the pending one when it already does. */
  setBy(at: number | null): void;
}

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
      scope.run(() => sleep(Math.max(1, at - Date.now()))).then(
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
