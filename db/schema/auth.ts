import { sql } from 'drizzle-orm';
import { boolean, check, index, pgTable, text } from 'drizzle-orm/pg-core';
import { clients } from './clients';
import { createdAt, id, ref, tz } from './columns';
import { userRoleEnum } from './enums';

/**
 * People who call the API. A `portal` user belongs to exactly one client. A deactivated user
 * (`active` false, since `deactivated_at`) keeps its row, its deals and its tokens, but no token
 * of it authenticates until it is reactivated (OW1).
 */
export const users = pgTable(
  'users',
  {
    id: id(),
    name: text('name').notNull(),
    email: text('email').notNull().unique(),
    role: userRoleEnum('role').notNull(),
    clientId: ref(() => clients.id, 'client_id'),
    createdAt: createdAt(),
    active: boolean('active').notNull().default(true),
    deactivatedAt: tz('deactivated_at'),
  },
  (t) => [
    check('users_portal_client_check', sql`${t.role} <> 'portal' OR ${t.clientId} IS NOT NULL`),
    check('users_deactivated_at_check', sql`${t.active} = (${t.deactivatedAt} IS NULL)`),
  ],
);
export type UserRow = typeof users.$inferSelect;

/** Bearer tokens, stored only as the sha256 hex of the token. */
export const apiTokens = pgTable(
  'api_tokens',
  {
    id: id(),
    userId: ref(() => users.id, 'user_id').notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    label: text('label').notNull(),
    createdAt: createdAt(),
    revokedAt: tz('revoked_at'),
  },
  (t) => [index('api_tokens_user_idx').on(t.userId)],
);
export type ApiTokenRow = typeof apiTokens.$inferSelect;
