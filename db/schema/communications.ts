import { index, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { clients, contacts } from './clients';
import { createdAt, id, opportunityRef, tz } from './columns';
import { visibilityEnum } from './enums';

/** Messages, calls and meetings with a lead or client (S2 links proposals to them). */
export const communications = pgTable(
  'communications',
  {
    id: id(),
    key: text('key').unique(),
    opportunityId: opportunityRef(),
    clientId: uuid('client_id').references(() => clients.id),
    contactId: uuid('contact_id').references(() => contacts.id),
    channel: text('channel').notNull(),
    direction: text('direction').notNull(),
    subject: text('subject'),
    body: text('body').notNull(),
    visibility: visibilityEnum('visibility').notNull().default('internal'),
    occurredAt: tz('occurred_at').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('communications_opportunity_idx').on(t.opportunityId, t.occurredAt)],
);
export type CommunicationRow = typeof communications.$inferSelect;
