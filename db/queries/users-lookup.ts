import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../client';
import { users, type UserRole, type UserRow } from '../schema';

// Owners and assignees are stored as text (a next action may name anyone), but users.id is a
// uuid: comparing a non-uuid with it would be a Postgres error, not "no such user".
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const uuidsOf = (ids: Iterable<string | null | undefined>): string[] => [
  ...new Set([...ids].filter((id): id is string => typeof id === 'string' && UUID.test(id))),
];

/** The user with this id when it is active and of one of `roles`; null otherwise (unknown, deactivated, another role). */
export async function activeUserOf(db: Db, id: string, roles: readonly UserRole[]): Promise<UserRow | null> {
  if (!UUID.test(id) || roles.length === 0) return null;
  const [row] = await db
    .select()
    .from(users)
    .where(and(eq(users.id, id), eq(users.active, true), inArray(users.role, [...roles])))
    .limit(1);
  return row ?? null;
}

/** The names of the users among `ids`; an id that names no user is absent from the map. */
export async function userNames(db: Db, ids: Iterable<string | null | undefined>): Promise<Map<string, string>> {
  const wanted = uuidsOf(ids);
  if (wanted.length === 0) return new Map();
  const rows = await db.select({ id: users.id, name: users.name }).from(users).where(inArray(users.id, wanted));
  return new Map(rows.map((r) => [r.id, r.name]));
}
