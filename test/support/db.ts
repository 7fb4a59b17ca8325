import { createDb, type Db } from '../../db/client';

/** A pool on the run's database (set up by the global setup). */
export function testDb(): Db {
  const url = process.env.DATABASE_URL;
  if (!url)
    throw new Error('DATABASE_URL is not set: run integration tests through jest so the global setup starts Postgres');
  return createDb(url, { max: 4, applicationName: 'jest' });
}
