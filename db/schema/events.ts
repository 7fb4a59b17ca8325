import { bigserial, index, integer, jsonb, pgTable, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { stageEnum } from './enums';
import { opportunities } from './opportunities';

/**
 * Append-only log of every accepted event. The database refuses UPDATE and DELETE
 * (see the trigger migration); `idempotency_key` makes a retried write a no-op.
 */
export const opportunityEvents = pgTable(
  'opportunity_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    opportunityId: uuid('opportunity_id')
      .notNull()
      .references(() => opportunities.id),
    /** The deal's state version after this row: system notes share the version of the event before them. */
    version: integer('version').notNull(),
    /** This row's place in the deal's log: 1, 2, 3… unique and without gaps, system notes included. */
    position: integer('position').notNull(),
    idempotencyKey: text('idempotency_key').notNull().unique(),
    eventType: text('event_type').notNull(),
    stageBefore: stageEnum('stage_before'),
    stageAfter: stageEnum('stage_after').notNull(),
    actorId: text('actor_id').notNull(),
    ownerId: text('owner_id').notNull(),
    payload: jsonb('payload').notNull(),
    nextAction: jsonb('next_action'),
    /** The fields the event changed, `{ field, before, after }` each (OW1): owner, title, value... */
    changes: jsonb('changes'),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('opportunity_events_opportunity_idx').on(t.opportunityId, t.version),
    unique('opportunity_events_position_key').on(t.opportunityId, t.position),
    // Metrics read the log by period.
    index('opportunity_events_occurred_at_idx').on(t.occurredAt),
  ],
);
export type OpportunityEventRow = typeof opportunityEvents.$inferSelect;
