import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { services, type ServiceRow } from '../schema';
import { definedOnly, insertIfAbsent, keysetQuery, prepared, readPage, rowById } from './support';
import type { Keyset, ListRequest, Page } from './support';
import { filterColumns } from './list-filters';

export type { ServiceRow };

/* S2: the service catalogue. A service is never deleted, only deactivated. */

export interface NewService {
  code: string;
  name: string;
  description?: string | null;
}

/** Creates the service; null when a service with this code exists (the code is its identity). */
export async function createService(db: Db, service: NewService): Promise<ServiceRow | null> {
  return (await insertIfAbsent(db, services, service, services.code)) ?? null;
}

/**
 * The service with this id, created unless it exists (by id or by code): seeds a catalogue entry
 * a fixture or benchmark refers to by a fixed id. Returns it either way.
 */
export async function ensureService(db: Db, service: NewService & { id: string }): Promise<ServiceRow> {
  await db.insert(services).values(service).onConflictDoNothing();
  return (
    (await getService(db, service.id)) ?? (await db.select().from(services).where(eq(services.code, service.code)))[0]
  );
}

/** One service by id (prepared). */
export function getService(db: Db, id: string): Promise<ServiceRow | null> {
  return rowById(db, 'service_by_id', services, id);
}

const serviceList = { filters: filterColumns(services, 'active'), order: [services.id] } satisfies Keyset;

export type ServiceFilter = ListRequest<typeof serviceList>;

/** Services in id order with an opaque keyset cursor, optionally only the active (or inactive) ones (prepared). */
export function listServices(db: Db, filter: ServiceFilter): Promise<Page<ServiceRow>> {
  const statement = prepared(db, 'services_list', (d) =>
    keysetQuery(d.select().from(services).$dynamic(), serviceList),
  );
  return readPage(statement, serviceList, filter);
}

export interface ServiceChange {
  name?: string;
  description?: string | null;
  active?: boolean;
}

/** Changes what is given; null when no such service. Nothing given answers the service as it is. */
export async function updateService(db: Db, id: string, change: ServiceChange): Promise<ServiceRow | null> {
  const given = definedOnly(change);
  if (Object.keys(given).length === 0) return getService(db, id);
  const [row] = await db
    .update(services)
    .set({ ...given, updatedAt: sql`now()` })
    .where(eq(services.id, id))
    .returning();
  return row ?? null;
}

/** The services with these ids, in code order (the services a proposal's line items sell). */
export async function servicesByIds(db: Db, ids: readonly string[]): Promise<ServiceRow[]> {
  const distinct = [...new Set(ids)];
  if (distinct.length === 0) return [];
  return db.select().from(services).where(inArray(services.id, distinct)).orderBy(services.code);
}

/** Which of these ids are active services (prepared: every priced proposal section asks). */
export async function activeServiceIds(db: Db, ids: readonly string[]): Promise<Set<string>> {
  const distinct = [...new Set(ids)];
  if (distinct.length === 0) return new Set();
  const statement = prepared(db, 'services_active_ids', (d) =>
    d
      .select({ id: services.id })
      .from(services)
      .where(and(sql`${services.id} = ANY(${sql.placeholder('ids')}::uuid[])`, eq(services.active, true))),
  );
  const rows = await statement.execute({ ids: distinct });
  return new Set(rows.map((r) => r.id));
}
