import { index, integer, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { createdAt, tz } from './columns';

/**
 * One row per `Idempotency-Key` a caller sent with a POST. While `status` is null the
 * request is still in flight; afterwards the stored answer is replayed for a retry with
 * the same key and body. Keys belong to one principal, so two callers never collide.
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    principal: text('principal').notNull(),
    key: text('key').notNull(),
    /** `POST /v1/...`: the same key on another route is a different request. */
    route: text('route').notNull(),
    /** sha256 hex of the canonical JSON body. */
    bodyHash: text('body_hash').notNull(),
    status: integer('status'),
    response: jsonb('response'),
    /** Headers the answer carried that a replay repeats (Location, ETag). */
    headers: jsonb('headers').$type<Record<string, string>>(),
    /** A value every retry of an interrupted request must reuse (a proposal link token); cleared once answered. */
    pendingSecret: text('pending_secret'),
    createdAt: createdAt(),
    completedAt: tz('completed_at'),
  },
  (t) => [primaryKey({ columns: [t.principal, t.key] }), index('idempotency_keys_created_idx').on(t.createdAt)],
);
export type IdempotencyKeyRow = typeof idempotencyKeys.$inferSelect;
