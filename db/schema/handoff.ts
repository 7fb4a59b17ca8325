import { date, index, jsonb, pgTable, text, type PgColumnBuilderBase } from 'drizzle-orm/pg-core';
import { users } from './auth';
import { contacts } from './clients';
import { clientHandoffColumns, handoffColumns, ref, updatedAt } from './columns';
import { automationRunStatusEnum } from './enums';

/*
 * The records a won deal moves into before delivery starts (W1). Each carries a unique
 * `key` chosen by the handoff workflow, so a crash and retry writes it once.
 */

/**
 * A handoff table of one client's records: the client handoff columns, then `columns`, with
 * the two indexes every such table has (`<name>_client_idx`, `<name>_opportunity_idx`).
 */
function clientHandoffTable<TName extends string, TColumns extends Record<string, PgColumnBuilderBase>>(
  name: TName,
  columns: TColumns,
) {
  return pgTable(name, { ...clientHandoffColumns(), ...columns }, (t) => [
    index(`${name}_client_idx`).on(t.clientId),
    index(`${name}_opportunity_idx`).on(t.opportunityId),
  ]);
}

export const projects = clientHandoffTable('projects', {
  name: text('name').notNull(),
  ownerId: text('owner_id').notNull(),
  status: text('status').notNull().default('onboarding'),
  kickoffDate: date('kickoff_date', { mode: 'string' }),
});
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
    projectId: ref(() => projects.id, 'project_id'),
    ownerId: text('owner_id').notNull(),
    items: jsonb('items').$type<ChecklistItem[]>().notNull().default([]),
    updatedAt: updatedAt(),
  },
  (t) => [index('onboarding_checklists_opportunity_idx').on(t.opportunityId)],
);
export type OnboardingChecklistRow = typeof onboardingChecklists.$inferSelect;

/** H1: portal access for a client contact; the login itself is a `users` row of role portal (`user_id`). */
export const portalUsers = clientHandoffTable('portal_users', {
  contactId: ref(() => contacts.id, 'contact_id'),
  userId: ref(() => users.id, 'user_id'),
  /** Null until the client names who logs in: the handoff creates the access record first. */
  email: text('email'),
  name: text('name'),
  status: text('status').notNull().default('pending'),
});
export type PortalUserRow = typeof portalUsers.$inferSelect;

/** H1: accounts at providers the delivery team connects to (ads, CRM, analytics...). */
export const connectorAccounts = clientHandoffTable('connector_accounts', {
  /** Null until the client says which provider account delivery connects. */
  provider: text('provider'),
  externalAccountId: text('external_account_id'),
  status: text('status').notNull().default('pending_access'),
});
export type ConnectorAccountRow = typeof connectorAccounts.$inferSelect;

/** H1: the data feeds reporting reads, usually through a connector account. */
export const dataSources = clientHandoffTable('data_sources', {
  connectorAccountId: ref(() => connectorAccounts.id, 'connector_account_id'),
  kind: text('kind'),
  name: text('name'),
  status: text('status').notNull().default('pending'),
});
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
