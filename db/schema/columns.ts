import { integer, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { visibilityEnum } from './enums';
import { opportunities } from './opportunities';

/** Column builders shared by many tables; each call makes fresh builders. */

export const id = () => uuid('id').primaryKey().defaultRandom();

export const tz = (name: string) => timestamp(name, { withTimezone: true });

export const createdAt = () => tz('created_at').notNull().defaultNow();

export const updatedAt = () => tz('updated_at').notNull().defaultNow();

export const opportunityRef = () =>
  uuid('opportunity_id')
    .notNull()
    .references(() => opportunities.id);

/**
 * Every record the won-deal handoff writes: a unique `key` chosen by the workflow makes a
 * retried or replayed write a no-op (W1), and the deal it came from.
 */
export const handoffColumns = () => ({
  id: id(),
  key: text('key').notNull().unique(),
  opportunityId: opportunityRef(),
  createdAt: createdAt(),
});

/**
 * Text that may reach a client: its visibility and its approval (who, when, which version).
 * The portal views show it only when client_safe and approved for the current version (K1).
 */
export const approvalColumns = () => ({
  visibility: visibilityEnum('visibility').notNull().default('internal'),
  approvedBy: text('approved_by'),
  approvedAt: tz('approved_at'),
  approvedVersion: integer('approved_version'),
});
