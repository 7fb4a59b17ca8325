import { date, index, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { users } from './auth';
import { clients, contacts } from './clients';
import { handoffColumns, updatedAt } from './columns';
import { automationRunStatusEnum } from './enums';

/*
 * The records a won deal moves into before delivery starts (W1). Each carries a unique
 * `key` chosen by the handoff workflow, so a crash and retry writes it once.
 */

export const projects = pgTable(
  'projects',
  {
    ...handoffColumns(),
    clientId: uuid('client_id')
      .notNull()
      .references(() => clients.id),
    name: text('name').notNull(),
    ownerId: text('owner_id').notNull(),
    status: text('status').notNull().default('onboarding'),
    kickoffDate: date('kickoff_date', { mode: 'string' }),
  },
  (t) => [index('projects_client_idx').on(t.clientId), index('projects_opportunity_idx').on(t.opportunityId)],
);
export type ProjectRow = typeof projects.$inferSelect;

export interface ChecklistItem {
  code: string;
  title: string;
  done: boolean;
}

export const onboardingChecklists = pgTable(
  'onboarding_checklists',
  {
    ...handoffColumns(),
    projectId: uuid('project_id').references(() => projects.id),
    ownerId: text('owner_id').notNull(),
    items: jsonb('items').$type<ChecklistItem[]>().notNull().default([]),
    updatedAt: updatedAt(),
  },
  (t) => [index('onboarding_checklists_opportunity_idx').on(t.opportunityId)],
);
export type OnboardingChecklistRow = typeof onboardingChecklists.$inferSelect;

/** H1: portal access for a client contact; the login itself is a `users` row of role portal (`user_id`). */
export const portalUsers = pgTable(
  'portal_users',
  {
    ...handoffColumns(),
    clientId: uuid('client_id')
      .notNull()
      .references(() => clients.id),
    contactId: uuid('contact_id').references(() => contacts.id),
    userId: uuid('user_id').references(() => users.id),
    /** Null until the client names who logs in: the handoff creates the access record first. */
    email: text('email'),
    name: text('name'),
    status: text('status').notNull().default('pending'),
  },
  (t) => [index('portal_users_client_idx').on(t.clientId), index('portal_users_opportunity_idx').on(t.opportunityId)],
);
export type PortalUserRow = typeof portalUsers.$inferSelect;

/** H1: accounts at providers the delivery team connects to (ads, CRM, analytics...). */
export const connectorAccounts = pgTable(
  'connector_accounts',
  {
    ...handoffColumns(),
    clientId: uuid('client_id')
      .notNull()
      .references(() => clients.id),
    /** Null until the client says which provider account delivery connects. */
    provider: text('provider'),
    externalAccountId: text('external_account_id'),
    status: text('status').notNull().default('pending_access'),
  },
  (t) => [
    index('connector_accounts_client_idx').on(t.clientId),
    index('connector_accounts_opportunity_idx').on(t.opportunityId),
  ],
);
export type ConnectorAccountRow = typeof connectorAccounts.$inferSelect;

/** H1: the data feeds reporting reads, usually through a connector account. */
export const dataSources = pgTable(
  'data_sources',
  {
    ...handoffColumns(),
    clientId: uuid('client_id')
      .notNull()
      .references(() => clients.id),
    connectorAccountId: uuid('connector_account_id').references(() => connectorAccounts.id),
    kind: text('kind'),
    name: text('name'),
    status: text('status').notNull().default('pending'),
  },
  (t) => [index('data_sources_client_idx').on(t.clientId), index('data_sources_opportunity_idx').on(t.opportunityId)],
);
export type DataSourceRow = typeof dataSources.$inferSelect;

/** H1: one row per automated step the workflow ran (handoff steps, timers), succeeded or failed. */
export const automationRuns = pgTable(
  'automation_runs',
  {
    ...handoffColumns(),
    step: text('step').notNull(),
    status: automationRunStatusEnum('status').notNull(),
    detail: jsonb('detail').notNull().default({}),
  },
  (t) => [index('automation_runs_opportunity_idx').on(t.opportunityId, t.createdAt)],
);
export type AutomationRunRow = typeof automationRuns.$inferSelect;
