/**
 * Server settings the project relies on, for the dev server (`--dynamic-config-value`) and,
 * through deploy/temporal/dynamic-config.yaml, for the compose server (a test keeps both equal).
 *
 * Eager activity execution hands a scheduled activity back to the worker that scheduled it
 * in the workflow task's response instead of through a task-queue poll: on this machine a
 * transition's projection write went from ~100 ms to ~25 ms, with the activity still recorded
 * in history, retried and timed out as before.
 *
 * The timer queue may fire a timer up to its max time shift late (1 s by default); deadlines,
 * follow-ups and reactivation windows are timers, so 100 ms keeps them on time.
 */
export const TEMPORAL_DYNAMIC_CONFIG: Readonly<Record<string, boolean | number | string>> = {
  'system.enableActivityEagerExecution': true,
  'history.timerProcessorMaxTimeShift': '100ms',
};

export function dynamicConfigArgs(config: Readonly<Record<string, unknown>> = TEMPORAL_DYNAMIC_CONFIG): string[] {
  return Object.entries(config).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${JSON.stringify(value)}`]);
}
