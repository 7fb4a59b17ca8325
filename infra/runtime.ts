import { DefaultLogger, Runtime } from '@temporalio/worker';

let installed = false;

/**
 * The SDK's core runtime logs at INFO to stderr by default; keep it to warnings and up.
 * Must run before anything creates the runtime (a worker, a native connection, the dev server).
 */
export function installTemporalRuntime(): void {
  if (installed) return;
  installed = true;
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // Already installed in this process: keep that one.
  }
}
