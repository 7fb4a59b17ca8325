import { closeDb, createDb } from '../db/client';
import { runMigrations } from '../db/migrate';
import { required } from '../infra/config';
import { run } from './run';

run('migrate', async (config, logger) => {
  const db = createDb(required(config, 'DATABASE_URL'), { max: 1 });
  try {
    await runMigrations(db);
    logger.info('migrations applied');
  } finally {
    await closeDb(db);
  }
});
