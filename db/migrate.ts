import path from 'node:path';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import type { Db } from './client';

export const MIGRATIONS_FOLDER = path.join(__dirname, 'migrations');

/** Any fixed number: the advisory lock that serialises processes migrating the same database. */
const MIGRATION_LOCK = 8_254_614;

/**
 * Applies the committed drizzle-kit migrations; a second run is a no-op. The API and the
 * worker both migrate at start-up, so one connection holds an advisory lock meanwhile.
 */
export async function runMigrations(db: Db): Promise<void> {
  const client = await db.$client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await migrate(drizzle(client), { migrationsFolder: MIGRATIONS_FOLDER });
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
}
