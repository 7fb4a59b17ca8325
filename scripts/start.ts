import { loadConfig } from '../infra/config';
import { createLogger, type Logger } from '../infra/logger';
import { startStack } from '../infra/stack';
import { guardStartup } from '../infra/startup';

let logger: Logger | undefined;
// Until READY, any failure (even one thrown outside this promise chain) is one line and exit 1 (78: bad configuration).
const startup = guardStartup((error) => logger?.debug({ err: error }, 'start-up failed'));

/** `npm start`: everything on embedded defaults, URLs printed, clean stop on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const startedAt = Date.now();
  const config = loadConfig();
  logger = createLogger(config.LOG_LEVEL);
  const stack = await startStack(config, logger);
  startup.started();
  const lines = [
    '',
    `  API            ${stack.apiUrl}/v1`,
    `  API docs       ${stack.docsUrl}   (OpenAPI: ${stack.apiUrl}/openapi.json)`,
    `  Ops page       ${stack.apiUrl}/`,
    `  Temporal UI    ${stack.temporalUiUrl ?? '(external Temporal: see its own UI)'}`,
    `  Temporal       ${stack.temporalAddress}`,
    ...(stack.workerMetricsUrl ? [`  Worker metrics ${stack.workerMetricsUrl}`] : []),
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
    logger?.info({ signal }, 'stopping: draining the worker, then the servers');
    await stack.stop();
    process.stdout.write('Stopped cleanly: worker drained, API, Temporal and Postgres stopped.\n');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch(startup.fail);
