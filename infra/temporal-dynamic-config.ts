/**
 * Server settings the project relies on, for the dev server (`--dynamic-config-value`) and,
 * through deploy/temporal/dynamic-config.yaml, for the compose server (a test keeps both equal).
 *
 * Eager activity execution hands a scheduled activity back to the worker that scheduled it
 * in the workflow task's response instead of through a task-queue poll: on this machine an
 * update with one no-op activity went from ~100 ms to ~25 ms and a transition from ~100 ms to
 * ~50 ms, with the activity still recorded in history, retried and timed out as before.
 *
 * Not set: `history.timerProcessorMaxTimeShift` (1 s by default). At 100 ms, 10,000 open deals
 * firing at ~19/s fell behind by minutes (p99 253 s late), against p99 4 s at the default and
 * ~16/s; the two runs differ in rate too, so the setting is left at the server's default.
 */
export const TEMPORAL_DYNAMIC_CONFIG: Readonly<Record<string, boolean | number | string>> = {
  'system.enableActivityEagerExecution': true,
  // Each history shard reads its task queues at most this often (default 20/s), and the dev
  // server has one shard: the workflow task that follows an activity's completion waited up
  // to 50 ms for the transfer queue's next read (a transition at one client took 50 ms, 28 ms
  // with this; a no-op update with a no-op activity 50 -> 16 ms). Timers and visibility
  // (search attributes) read through the same kind of queue.
  'history.transferProcessorMaxPollRPS': 500,
  'history.timerProcessorMaxPollRPS': 500,
  'history.visibilityProcessorMaxPollRPS': 500,
};

export function dynamicConfigArgs(config: Readonly<Record<string, unknown>> = TEMPORAL_DYNAMIC_CONFIG): string[] {
  return Object.entries(config).flatMap(([key, value]) => [
    '--dynamic-config-value',
    `${key}=${JSON.stringify(value)}`,
  ]);
}
