import { index, pgTable, text } from 'drizzle-orm/pg-core';
import { clients, contacts } from './clients';
import { createdAt, eventRecordColumns, ref, tz } from './columns';
import { visibilityEnum } from './enums';

/** Messages, calls and meetings with a lead or client (S2 links proposals to them). */
export const communications = pgTable(
  'communications',
  {
    ...eventRecordColumns(),
    clientId: ref(() => clients.id, 'client_id'),
    contactId: ref(() => contacts.id, 'contact_id'),
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
