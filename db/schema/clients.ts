import { index, pgTable, text } from 'drizzle-orm/pg-core';
import { clientHandoffColumns, createdAt, handoffColumns, id, ref, tz } from './columns';
import { opportunities } from './opportunities';

/** A client record, created by the won-deal handoff (W1). */
export const clients = pgTable('clients', {
  ...handoffColumns(),
  name: text('name').notNull(),
});
export type ClientRow = typeof clients.$inferSelect;

/** People at a lead or client: the contact path of a deal. */
export const contacts = pgTable(
  'contacts',
  {
    id: id(),
    opportunityId: ref(() => opportunities.id, 'opportunity_id'),
    clientId: ref(() => clients.id, 'client_id'),
    name: text('name').notNull(),
    email: text('email'),
    phone: text('phone'),
    role: text('role'),
    createdAt: createdAt(),
  },
  (t) => [index('contacts_opportunity_idx').on(t.opportunityId), index('contacts_client_idx').on(t.clientId)],
);

/** The catalogue of services a deal can be about. */
export const services = pgTable('services', {
  id: id(),
  code: text('code').notNull().unique(),
  name: text('name').notNull(),
  description: text('description'),
  createdAt: createdAt(),
});

/** H1: the services a client bought, written by the handoff. */
export const clientServices = pgTable(
  'client_services',
  {
    ...clientHandoffColumns(),
    serviceId: ref(() => services.id, 'service_id'),
    /** Null until ops names the service (the catalogue entry, when there is one, is `service_id`). */
    name: text('name'),
    status: text('status').notNull().default('onboarding'),
    startsAt: tz('starts_at'),
  },
  (t) => [index('client_services_client_idx').on(t.clientId)],
);
export type ClientServiceRow = typeof clientServices.$inferSelect;
