import { sql } from 'drizzle-orm';
import { check, index, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { clients } from './clients';
import { createdAt, id, tz } from './columns';
import { userRoleEnum } from './enums';

/** People who call the API. A `portal` user belongs to exactly one client. */
export const users = pgTable(
  'users',
  {
    id: id(),
    name: text('name').notNull(),
    email: text('email').notNull().unique(),
    role: userRoleEnum('role').notNull(),
    clientId: uuid('client_id').references(() => clients.id),
    createdAt: createdAt(),
  },
  (t) => [check('users_portal_client_check', sql`${t.role} <> 'portal' OR ${t.clientId} IS NOT NULL`)],
);
export type UserRow = typeof users.$inferSelect;

/** Bearer tokens, stored only as the sha256 hex of the token. */
export const apiTokens = pgTable(
  'api_tokens',
  {
    id: id(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    tokenHash: text('token_hash').notNull().unique(),
    label: text('label').notNull(),
    createdAt: createdAt(),
    revokedAt: tz('revoked_at'),
  },
  (t) => [index('api_tokens_user_idx').on(t.userId)],
);
export type ApiTokenRow = typeof apiTokens.$inferSelect;
