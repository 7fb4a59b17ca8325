import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { clients, type ClientRow } from '../schema';
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

/**
 * The clients a company is already (HO1): the one with this normalised name (`clientNameKey`)
 * and the one with this domain (`clientDomainKey`), oldest first (prepared). Both keys are
 * unique, so at most two rows: two means the name is one client and the domain another.
 */
export async function clientsMatching(
  db: Db,
  identity: { nameKey: string; domain: string | null },
): Promise<ClientRow[]> {
  const statement = prepared(db, 'clients_matching', (d) =>
    d
      .select()
      .from(clients)
      .where(
        sql`${clients.nameKey} = ${sql.placeholder('nameKey')} OR ${clients.domain} = ${sql.placeholder('domain')}::text`,
      )
      .orderBy(asc(clients.createdAt), asc(clients.id)),
  );
  return statement.execute({ nameKey: identity.nameKey, domain: identity.domain });
}
