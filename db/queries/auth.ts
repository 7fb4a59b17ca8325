import { and, count, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { apiTokens, users, type ApiTokenRow, type UserRole, type UserRow } from '../schema';
import { keysetQuery, prepared, readPage, selectOne, type Keyset, type Page, type PageRequest } from './support';
import { filterColumns } from './list-filters';

export type { ApiTokenRow, UserRow };

export interface NewUser {
  name: string;
  email: string;
  role: UserRole;
  /** Required for role `portal`: the one client the user belongs to. */
  clientId?: string | null;
}

export async function createUser(db: Db, user: NewUser): Promise<UserRow> {
  const [row] = await db.insert(users).values(user).returning();
  return row;
}

export async function getUser(db: Db, id: string): Promise<UserRow | null> {
  return (await selectOne(db, users, eq(users.id, id))) ?? null;
}

const userList = { filters: filterColumns(users, 'role'), order: [users.id] } satisfies Keyset;

/** Users in id order with an opaque keyset cursor, optionally of one role. */
export function listUsers(db: Db, filter: PageRequest & { role?: UserRole }): Promise<Page<UserRow>> {
  const statement = prepared(db, 'users_list', (d) => keysetQuery(d.select().from(users).$dynamic(), userList));
  return readPage(statement, userList, filter);
}

/** Stores a token by its sha256 hex; the token itself never reaches the database. */
export async function createApiToken(
  db: Db,
  token: { userId: string; tokenHash: string; label: string },
): Promise<ApiTokenRow> {
  const [row] = await db.insert(apiTokens).values(token).returning();
  return row;
}

/** The unrevoked token with this hash and its user (prepared: every request reads it). */
export async function findActiveToken(
  db: Db,
  tokenHash: string,
): Promise<{ token: ApiTokenRow; user: UserRow } | null> {
  const statement = prepared(db, 'api_token_active', (d) =>
    d
      .select({ token: apiTokens, user: users })
      .from(apiTokens)
      .innerJoin(users, eq(users.id, apiTokens.userId))
      .where(and(eq(apiTokens.tokenHash, sql.placeholder('tokenHash')), isNull(apiTokens.revokedAt))),
  );
  const [row] = await statement.execute({ tokenHash });
  return row ?? null;
}

/** Revokes a token; returns whether it was active. */
export async function revokeToken(db: Db, id: string): Promise<boolean> {
  const revoked = await db
    .update(apiTokens)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)))
    .returning({ id: apiTokens.id });
  return revoked.length > 0;
}

export async function countAdmins(db: Db): Promise<number> {
  const [row] = await db.select({ n: count() }).from(users).where(eq(users.role, 'admin'));
  return row.n;
}
