import { loadConfig, type Config } from '../infra/config';
import { createLogger, type Logger } from '../infra/logger';
import { guardStartup } from '../infra/startup';

/**
 * Shared start-up for the production entry points: validated config, logger, clean exit.
 * A start-up failure is one line on stderr and exit 1 (78: bad configuration), never a stack trace.
 */
export function run(
  name: string,
  main: (config: Config, logger: Logger) => Promise<(() => Promise<void>) | void>,
): void {
  let logger: Logger | undefined;
  const startup = guardStartup((error) => logger?.debug({ err: error }, 'start-up failed'));
  (async () => {
    const config = loadConfig();
    logger = createLogger(config.LOG_LEVEL, name);
    const stop = await main(config, logger);
    startup.started();
    if (!stop) return;
    let stopping = false;
    const onSignal = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger?.info({ signal }, 'stopping');
      stop().then(
        () => process.exit(0),
        (error) => {
          logger?.error({ err: error }, 'stop failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGINT', () => onSignal('SIGINT'));
    process.on('SIGTERM', () => onSignal('SIGTERM'));
  })().catch(startup.fail);
}
