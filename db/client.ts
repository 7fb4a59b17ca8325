import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { Pool } from 'pg';
import pino, { type Logger } from 'pino';
import * as schema from './schema';

export type Db = NodePgDatabase<typeof schema> & { $client: Pool };

export interface DbOptions {
  max?: number;
  applicationName?: string;
  /** Where connection errors are logged (as warnings); a `db` logger at warn level by default. */
  logger?: Pick<Logger, 'warn'>;
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
  const logger = options.logger ?? pino({ name: 'db', level: 'warn' });
  const logError = (error: Error) =>
    logger.warn({ err: error, code: (error as { code?: string }).code }, 'Postgres connection error');
  // An 'error' event without a listener kills the process. The pool listens on idle clients
  // only; a checked-out client between queries (a transaction, an activity) emits on itself
  // when Postgres goes away, so every client gets a listener. The pool discards broken clients,
  // and the query in progress, if any, fails on its own.
  pool.on('connect', (client) => client.on('error', logError));
  // Idle clients' errors reach the pool too; their own listener above has logged them.
  pool.on('error', () => undefined);
  return drizzle(pool, { schema }) as Db;
}

export async function closeDb(db: Db): Promise<void> {
  await db.$client.end();
}
