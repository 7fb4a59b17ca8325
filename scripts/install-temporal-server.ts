import path from 'node:path';
import { installTemporalServer, TEMPORAL_SERVER_VERSION } from '../infra/temporal-production-server';

/**
 * Builds the full Temporal server and its SQL schema tool into .tools/bin when missing (Go
 * needed; several minutes once), for the production test profile (`npm run test:production`).
 */
try {
  const installed = installTemporalServer((line) => process.stdout.write(`${line}\n`));
  for (const [name, binary] of Object.entries(installed)) {
    const where = path.relative(process.cwd(), binary.path);
    process.stdout.write(
      `Temporal ${name} ${TEMPORAL_SERVER_VERSION}: ${where} (${binary.built ? 'built' : 'present'})\n`,
    );
  }
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
}
