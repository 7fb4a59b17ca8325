import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { closeDb, createDb, type Db } from '../../db/client';
import { runMigrations } from '../../db/migrate';

/** A pool on the run's database (set up by the global setup). */
export function testDb(): Db {
  const url = process.env.DATABASE_URL;
  if (!url)
    throw new Error('DATABASE_URL is not set: run integration tests through jest so the global setup starts Postgres');
  return createDb(url, { max: 4, applicationName: 'jest' });
}

/**
 * A database of its own, migrated, on the run's Postgres: for tests whose assertions would see
 * other files' rows (notifications fan out to every active subscription of the database).
 */
export async function isolatedTestDb(prefix: string): Promise<{ db: Db; url: string; drop(): Promise<void> }> {
  const admin = testDb();
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await admin.execute(sql.raw(`CREATE DATABASE "${name}"`));
  const at = new URL(process.env.DATABASE_URL!);
  at.pathname = `/${name}`;
  const db = createDb(at.toString(), { max: 4, applicationName: 'jest' });
  await runMigrations(db);
  return {
    db,
    url: at.toString(),
    async drop() {
      await closeDb(db);
      await admin.execute(sql.raw(`DROP DATABASE "${name}" WITH (FORCE)`));
      await closeDb(admin);
    },
  };
}
