import { ConfigError } from './config';

/** A start-up failure whose message already says what is wrong and what to do (one line). */
export class StartupError extends Error {
  readonly code = 'startup_failed';
}

/** Exit code of a configuration error (EX_CONFIG), as the README documents. */
const EXIT_CONFIG = 78;

const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, ' ').trim();

/** The one line a failed start-up prints, and its exit code. */
export function describeStartupFailure(error: unknown): { line: string; exitCode: number } {
  if (error instanceof ConfigError) return { line: oneLine(error.message), exitCode: EXIT_CONFIG };
  if (error instanceof StartupError) return { line: `Start-up failed: ${oneLine(error.message)}`, exitCode: 1 };
  const message = error instanceof Error ? error.message : String(error);
  return {
    line: `Start-up failed: ${oneLine(message || 'unknown error')} (run with LOG_LEVEL=debug for details)`,
    exitCode: 1,
  };
}

/**
 * Runs a start-up so that no failure escapes as a stack trace: a rejection, or an error
 * thrown where nothing can catch it (an `error` event of a child process nobody listens
 * to), prints one line and exits. `details` receives the error for a debug log. Returns
 * `started` to call once start-up is over, after which errors take their normal course.
 */
export function guardStartup(details: (error: unknown) => void = () => undefined): {
  fail(error: unknown): never;
  started(): void;
} {
  const fail = (error: unknown): never => {
    details(error);
    const { line, exitCode } = describeStartupFailure(error);
    process.stderr.write(`${line}\n`);
    process.exit(exitCode);
  };
  const onUncaught = (error: unknown) => fail(error);
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
  return {
    fail,
    started() {
      process.removeListener('uncaughtException', onUncaught);
      process.removeListener('unhandledRejection', onUncaught);
    },
  };
}
