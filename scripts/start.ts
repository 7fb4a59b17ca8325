import { ConfigError, loadConfig } from '../infra/config';
import { createLogger } from '../infra/logger';
import { startStack } from '../infra/stack';

/** `npm start`: everything on embedded defaults, URLs printed, clean stop on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const startedAt = Date.now();
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  const stack = await startStack(config, logger);
  const lines = [
    '',
    `  API            ${stack.apiUrl}/v1`,
    `  API docs       ${stack.docsUrl}   (OpenAPI: ${stack.apiUrl}/openapi.json)`,
    `  Ops page       ${stack.apiUrl}/`,
    `  Temporal UI    ${stack.temporalUiUrl ?? '(external Temporal: see its own UI)'}`,
    `  Temporal       ${stack.temporalAddress}`,
    ...(stack.adminToken ? [`  Admin token    ${stack.adminToken}   (shown once; keep it)`] : []),
    '',
    `READY in ${Date.now() - startedAt} ms`,
    '',
  ];
  process.stdout.write(lines.join('\n'));

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: draining the worker, then the servers');
    await stack.stop();
    process.stdout.write('Stopped cleanly: worker drained, API, Temporal and Postgres stopped.\n');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(78);
  }
  process.stderr.write(`Start-up failed: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
