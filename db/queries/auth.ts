import { and, asc, count, eq, isNull, notInArray, sql } from 'drizzle-orm';
import type { Stage } from '../../machines/opportunity/vocabulary';
import type { Db } from '../client';
import { apiTokens, opportunities, users, type ApiTokenRow, type UserRole, type UserRow } from '../schema';
import {
  inTransaction,
  keysetQuery,
  prepared,
  readPage,
  rowById,
  selectOne,
  type Keyset,
  type Page,
  type PageRequest,
} from './support';
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

const userList = { filters: filterColumns(users, 'role', 'active'), order: [users.id] } satisfies Keyset;

/** Users in id order with an opaque keyset cursor, optionally of one role and/or only (in)active ones. */
export function listUsers(db: Db, filter: PageRequest & { role?: UserRole; active?: boolean }): Promise<Page<UserRow>> {
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

/**
 * The unrevoked token with this hash and its user (prepared: every request reads it). The user
 * may be deactivated: the caller refuses it (and can say why).
 */
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

export function getApiToken(db: Db, id: string): Promise<ApiTokenRow | null> {
  return rowById(db, 'api_token_by_id', apiTokens, id);
}

/** What a token list shows: never its hash. */
export type ApiTokenListing = Omit<ApiTokenRow, 'tokenHash'>;

const tokenListing = {
  id: apiTokens.id,
  userId: apiTokens.userId,
  label: apiTokens.label,
  createdAt: apiTokens.createdAt,
  revokedAt: apiTokens.revokedAt,
};
const tokenList = { filters: filterColumns(apiTokens, 'userId'), order: [apiTokens.id] } satisfies Keyset;

/** A user's tokens, revoked ones included, in id order; the hash is not even selected. */
export function listApiTokens(db: Db, filter: PageRequest & { userId: string }): Promise<Page<ApiTokenListing>> {
  const statement = prepared(db, 'api_tokens_list', (d) =>
    keysetQuery(d.select(tokenListing).from(apiTokens).$dynamic(), tokenList),
  );
  return readPage(statement, tokenList, filter);
}

/** Why a deactivation was refused, or the user as it now is (already inactive: unchanged). */
export type Deactivation = { user: UserRow } | { refused: 'not_found' | 'self' | 'last_admin' };

/**
 * Deactivates a user, unless it is `by` itself or the last active admin. The active admins are
 * locked first, so two admins deactivating each other at once cannot both succeed.
 */
export function deactivateUser(db: Db, id: string, by: string): Promise<Deactivation> {
  return inTransaction(db, async (tx) => {
    const admins = await tx
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.role, 'admin'), eq(users.active, true)))
      .orderBy(users.id)
      .for('update');
    const [user] = await tx.select().from(users).where(eq(users.id, id)).for('update');
    if (!user) return { refused: 'not_found' };
    if (user.id === by) return { refused: 'self' };
    if (!user.active) return { user };
    if (user.role === 'admin' && admins.every((a) => a.id === user.id)) return { refused: 'last_admin' };
    const [updated] = await tx
      .update(users)
      .set({ active: false, deactivatedAt: sql`now()` })
      .where(eq(users.id, id))
      .returning();
    return { user: updated };
  });
}

/** Reactivates a user (an active one is left as it is); null when there is none. */
export async function reactivateUser(db: Db, id: string): Promise<UserRow | null> {
  const [updated] = await db
    .update(users)
    .set({ active: true, deactivatedAt: null })
    .where(and(eq(users.id, id), eq(users.active, false)))
    .returning();
  return updated ?? (await getUser(db, id));
}

export interface OpenDeal {
  id: string;
  company: string;
  title: string;
  stage: Stage;
}

/** The deals a user owns that are still open (not handed off, not lost), from the read model. */
export function openDealsOwnedBy(db: Db, userId: string): Promise<OpenDeal[]> {
  return db
    .select({
      id: opportunities.id,
      company: opportunities.company,
      title: opportunities.title,
      stage: opportunities.stage,
    })
    .from(opportunities)
    .where(and(eq(opportunities.ownerId, userId), notInArray(opportunities.stage, ['handed_off', 'lost'])))
    .orderBy(asc(opportunities.id));
}

/** Any fixed number: the transaction lock that lets one of several starting APIs create the first admin. */
const ADMIN_BOOTSTRAP_LOCK = 8_254_615;

/** Holds the admin-bootstrap lock until the caller's transaction ends. */
export async function lockAdminBootstrap(tx: Db): Promise<void> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(${ADMIN_BOOTSTRAP_LOCK})`);
}

export async function countAdmins(db: Db): Promise<number> {
  const [row] = await db.select({ n: count() }).from(users).where(eq(users.role, 'admin'));
  return row.n;
}
