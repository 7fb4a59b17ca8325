import { eq, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { clients } from '../schema';
import { prepared } from './support';

/** Whether a client record exists (prepared). Reads only its id: no client data. */
export async function clientExists(db: Db, id: string): Promise<boolean> {
  const statement = prepared(db, 'client_exists', (d) =>
    d
      .select({ id: clients.id })
      .from(clients)
      .where(eq(clients.id, sql.placeholder('id'))),
  );
  return (await statement.execute({ id })).length > 0;
}
