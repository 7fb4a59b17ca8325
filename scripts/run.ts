import { ConfigError, loadConfig, type Config } from '../infra/config';
import { createLogger, type Logger } from '../infra/logger';

/** Shared start-up for the production entry points: validated config, logger, clean exit. */
export function run(name: string, main: (config: Config, logger: Logger) => Promise<(() => Promise<void>) | void>): void {
  let logger: Logger | undefined;
  (async () => {
    const config = loadConfig();
    logger = createLogger(config.LOG_LEVEL, name);
    const stop = await main(config, logger);
    if (!stop) return;
    let stopping = false;
    const onSignal = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger?.info({ signal }, 'stopping');
      stop().then(() => process.exit(0), (error) => {
        logger?.error({ err: error }, 'stop failed');
        process.exit(1);
      });
    };
    process.on('SIGINT', () => onSignal('SIGINT'));
    process.on('SIGTERM', () => onSignal('SIGTERM'));
  })().catch((error) => {
    if (error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
    else if (logger) logger.fatal({ err: error }, 'start-up failed');
    else process.stderr.write(`${(error as Error).stack ?? error}\n`);
    process.exit(error instanceof ConfigError ? 78 : 1);
  });
}

export function required<K extends keyof Config>(config: Config, key: K): NonNullable<Config[K]> {
  const value = config[key];
  if (value === undefined || value === null) throw new ConfigError([{ field: String(key), message: 'required for this entry point' }]);
  return value as NonNullable<Config[K]>;
}
