import { integer, text, timestamp, uuid, type AnyPgColumn } from 'drizzle-orm/pg-core';
import { clients } from './clients';
import { visibilityEnum } from './enums';
import { opportunities } from './opportunities';

/** Column builders shared by many tables; each call makes fresh builders. */

export const id = () => uuid('id').primaryKey().defaultRandom();

export const tz = (name: string) => timestamp(name, { withTimezone: true });

export const createdAt = () => tz('created_at').notNull().defaultNow();

export const updatedAt = () => tz('updated_at').notNull().defaultNow();

/**
 * A uuid column referencing another table's id, nullable unless `.notNull()` is chained.
 * `target` is a thunk because the tables import each other; where the two tables refer to
 * each other, annotate it `(): AnyPgColumn => …` so TypeScript can infer both.
 */
export const ref = (target: () => AnyPgColumn, name: string) => uuid(name).references(target);

export const opportunityRef = () => ref(() => opportunities.id, 'opportunity_id').notNull();

/**
 * The deal's own records an accepted event writes (discovery notes, audit evidence,
 * communications): a unique `key` derived from the event's key makes a retry a no-op.
 */
export const eventRecordColumns = () => ({
  id: id(),
  key: text('key').unique(),
  opportunityId: opportunityRef(),
});

/** A record a person's event wrote: who recorded it and when. */
export const recordedByColumns = () => ({
  ...eventRecordColumns(),
  recordedBy: text('recorded_by').notNull(),
  createdAt: createdAt(),
});

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

/** A handoff record that belongs to one client (services, projects, portal access, connectors). */
export const clientHandoffColumns = () => ({
  ...handoffColumns(),
  clientId: ref(() => clients.id, 'client_id').notNull(),
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
