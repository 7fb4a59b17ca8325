import {
  date,
  index,
  jsonb,
  pgTable,
  text,
  unique,
  type AnyPgColumn,
  type PgColumnBuilderBase,
} from 'drizzle-orm/pg-core';
import { users } from './auth';
import { contacts } from './clients';
import { clientHandoffColumns, handoffColumns, ref, tz, updatedAt } from './columns';
import { automationRunStatusEnum } from './enums';

/*
 * The records a won deal moves into before delivery starts (W1). Each carries a unique
 * `key` chosen by the handoff workflow, so a crash and retry writes it once.
 */

/**
 * A handoff table of one client's records: the client handoff columns, then `columns`, with
 * the two indexes every such table has (`<name>_client_idx`, `<name>_opportunity_idx`). With
 * `refColumn`, the deal's own id of each record (a connector's, a source's) is unique per deal.
 */
function clientHandoffTable<TName extends string, TColumns extends Record<string, PgColumnBuilderBase>>(
  name: TName,
  columns: TColumns,
  refColumn?: keyof TColumns & string,
) {
  return pgTable(name, { ...clientHandoffColumns(), ...columns }, (t) => [
    index(`${name}_client_idx`).on(t.clientId),
    index(`${name}_opportunity_idx`).on(t.opportunityId),
    ...(refColumn
      ? [
          unique(`${name}_opportunity_ref_unique`).on(
            t.opportunityId,
            (t as unknown as Record<string, AnyPgColumn>)[refColumn],
          ),
        ]
      : []),
  ]);
}

/** A priced line of the approved proposal, as the project keeps it (the proposal may be revised later). */
export interface ProjectLineItem {
  description: string;
  quantity: number;
  unitPriceCents: number;
  serviceId: string | null;
}

/** A note a person wrote on the deal for delivery, as the project keeps it. */
export interface ProjectHandoffNote {
  body: string;
  by: string;
  /** ISO datetime the note was written. */
  at: string;
}

export const projects = clientHandoffTable('projects', {
  name: text('name').notNull(),
  ownerId: text('owner_id').notNull(),
  status: text('status').notNull().default('onboarding'),
  kickoffDate: date('kickoff_date', { mode: 'string' }),
  /** The approved proposal's scope text: what delivery promised, copied so a later revision cannot change it. */
  scope: text('scope').notNull(),
  lineItems: jsonb('line_items').$type<ProjectLineItem[]>().notNull(),
  /** The deal's notes marked for handoff (OW1), copied so delivery reads them beside the scope. */
  handoffNotes: jsonb('handoff_notes').$type<ProjectHandoffNote[]>().notNull().default([]),
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

/**
 * H1: portal access for a client contact; the login itself is a `users` row of role portal
 * (`user_id`). The invitation is a one-time secret stored only as its hash, like API tokens.
 */
export const portalUsers = clientHandoffTable('portal_users', {
  contactId: ref(() => contacts.id, 'contact_id'),
  userId: ref(() => users.id, 'user_id').notNull(),
  email: text('email').notNull(),
  name: text('name').notNull(),
  status: text('status').notNull().default('invited'),
  invitationHash: text('invitation_hash').unique(),
  invitationExpiresAt: tz('invitation_expires_at'),
  invitedAt: tz('invited_at'),
  acceptedAt: tz('accepted_at'),
});
export type PortalUserRow = typeof portalUsers.$inferSelect;

/** H1: accounts at providers the delivery team connects to (ads, CRM, analytics...). */
export const connectorAccounts = clientHandoffTable(
  'connector_accounts',
  {
    provider: text('provider').notNull(),
    externalAccountId: text('external_account_id').notNull(),
    /** Where delivery's access stands (CONNECTOR_ACCESS_STATES): the deal's recorded fact. */
    status: text('status').notNull().default('requested'),
    /** The deal's own id for the account (`connectorId`): data sources name their connector by it. */
    connectorRef: text('connector_ref'),
  },
  'connectorRef',
);
export type ConnectorAccountRow = typeof connectorAccounts.$inferSelect;

/** H1: the data feeds reporting reads, each through a connector account. */
export const dataSources = clientHandoffTable(
  'data_sources',
  {
    connectorAccountId: ref(() => connectorAccounts.id, 'connector_account_id').notNull(),
    kind: text('kind').notNull(),
    name: text('name').notNull(),
    status: text('status').notNull().default('pending'),
    /** The deal's own id for the source (`sourceId`), so its completeness is checked source by source. */
    sourceRef: text('source_ref'),
  },
  'sourceRef',
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
