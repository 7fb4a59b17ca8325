import { boolean, index, pgTable, text, unique } from 'drizzle-orm/pg-core';
import { clientHandoffColumns, createdAt, handoffColumns, id, ref, tz, updatedAt } from './columns';
import { opportunities } from './opportunities';

/**
 * A client record, created by the won-deal handoff (W1). A client is one client (HO1): its
 * normalised name (`clientNameKey`) and its domain (`clientDomainKey`) are each unique, so two
 * deals of the same company find the same row instead of making a second one.
 */
export const clients = pgTable(
  'clients',
  {
    ...handoffColumns(),
    name: text('name').notNull(),
    nameKey: text('name_key').notNull(),
    /** Null when nobody recorded one; Postgres lets any number of rows have none. */
    domain: text('domain'),
  },
  (t) => [unique('clients_name_key_unique').on(t.nameKey), unique('clients_domain_unique').on(t.domain)],
);
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

/**
 * The catalogue of services a deal can be about (S2): admin and ops keep it through the API.
 * A service is never deleted, only deactivated: proposals keep pointing at what they sold.
 */
export const services = pgTable('services', {
  id: id(),
  code: text('code').notNull().unique(),
  name: text('name').notNull(),
  description: text('description'),
  /** Only an active service can be put on a proposal line item. */
  active: boolean('active').notNull().default(true),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});
export type ServiceRow = typeof services.$inferSelect;

/** H1: the services a client bought, written by the handoff. */
export const clientServices = pgTable(
  'client_services',
  {
    ...clientHandoffColumns(),
    serviceId: ref(() => services.id, 'service_id'),
    /** The catalogue service's name when it was sold: a later rename of the service leaves the sale as it was. */
    name: text('name').notNull(),
    status: text('status').notNull().default('onboarding'),
    startsAt: tz('starts_at'),
  },
  (t) => [index('client_services_client_idx').on(t.clientId)],
);
export type ClientServiceRow = typeof clientServices.$inferSelect;
