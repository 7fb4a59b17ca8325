import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { Pool } from 'pg';
import * as schema from './schema';

export type Db = NodePgDatabase<typeof schema> & { $client: Pool };

export interface DbOptions {
  max?: number;
  applicationName?: string;
  /** Called when an idle pooled connection fails (e.g. Postgres restarts); the pool replaces it. */
  onIdleError?: (error: Error) => void;
}

/** Opens a pool; nothing connects until the first query. */
export function createDb(url: string, options: DbOptions = {}): Db {
  const pool = new Pool({
    connectionString: url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'opportunity-path',
    // Fail fast while Postgres is away, so activities retry instead of hanging.
    connectionTimeoutMillis: 5_000,
  });
  // Without a listener, an idle connection's error would crash the process.
  pool.on('error', options.onIdleError ?? (() => undefined));
  return drizzle(pool, { schema }) as Db;
}

export async function closeDb(db: Db): Promise<void> {
  await db.$client.end();
}
