import { and, eq, isNull, sql, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { HandoffRecord } from '../../machines/opportunity/vocabulary';
import type { Db } from '../client';
import {
  automationRuns,
  clients,
  clientServices,
  connectorAccounts,
  dataSources,
  metricSnapshots,
  onboardingChecklists,
  opportunities,
  portalUsers,
  projects,
  tasks,
  type AutomationRunRow,
  type AutomationRunStatus,
  type ChecklistItem,
  type ClientRow,
  type ClientServiceRow,
  type ConnectorAccountRow,
  type DataSourceRow,
  type MetricSnapshotRow,
  type OnboardingChecklistRow,
  type PortalUserRow,
  type ProjectRow,
} from '../schema';
import { insertOnceByKey } from './support';

/*
 * The won-deal handoff (W1). Every write is keyed by a string the workflow derives from the
 * deal and the step, so a crash and retry writes each record once; each returns the row
 * with that key, new or existing.
 */

interface Keyed {
  key: string;
  opportunityId: string;
}

/** The client record; also links the deal to it when the deal has none yet. */
export async function ensureClient(db: Db, input: Keyed & { name: string }): Promise<ClientRow> {
  const client = await insertOnceByKey(db, clients, input);
  await db
    .update(opportunities)
    .set({ clientId: client.id })
    .where(and(eq(opportunities.id, input.opportunityId), isNull(opportunities.clientId)));
  return client;
}

/*
 * At handoff a deal knows its client, contract and owner, not yet which contact logs in or
 * which provider accounts delivery connects: those records start as placeholders
 * (status `pending`) that ops completes, so their details are optional here.
 */

export function ensureClientService(
  db: Db,
  input: Keyed & { clientId: string; name?: string | null; serviceId?: string | null; startsAt?: Date | null },
): Promise<ClientServiceRow> {
  return insertOnceByKey(db, clientServices, input);
}

/** The delivery project; its owner is the contract's onboarding owner (W2). */
export function ensureProject(
  db: Db,
  input: Keyed & { clientId: string; name: string; onboardingOwner: string; kickoffDate?: string | null },
): Promise<ProjectRow> {
  const { onboardingOwner, ...project } = input;
  return insertOnceByKey(db, projects, { ...project, ownerId: onboardingOwner });
}

export function ensurePortalUser(
  db: Db,
  input: Keyed & {
    clientId: string;
    email?: string | null;
    name?: string | null;
    contactId?: string | null;
    userId?: string | null;
  },
): Promise<PortalUserRow> {
  return insertOnceByKey(db, portalUsers, input);
}

export function ensureConnectorAccount(
  db: Db,
  input: Keyed & { clientId: string; provider?: string | null; externalAccountId?: string | null },
): Promise<ConnectorAccountRow> {
  return insertOnceByKey(db, connectorAccounts, input);
}

export function ensureDataSource(
  db: Db,
  input: Keyed & { clientId: string; kind?: string | null; name?: string | null; connectorAccountId?: string | null },
): Promise<DataSourceRow> {
  return insertOnceByKey(db, dataSources, input);
}

export const REPORTING_BASELINE = 'reporting_baseline';

/** The deal's reporting baseline: an immutable metric_snapshots row of kind `reporting_baseline`. */
export function ensureMetricBaseline(
  db: Db,
  input: Keyed & { clientId?: string | null; dataSourceId?: string | null; values?: Record<string, unknown> },
): Promise<MetricSnapshotRow> {
  return insertOnceByKey(db, metricSnapshots, { ...input, kind: REPORTING_BASELINE, values: input.values ?? {} });
}

/** The onboarding checklist (OUT1); each launch blocker becomes an open item after the given ones. */
export function ensureOnboardingChecklist(
  db: Db,
  input: Keyed & { ownerId: string; projectId?: string | null; items?: ChecklistItem[]; launchBlockers?: string[] },
): Promise<OnboardingChecklistRow> {
  const { items = [], launchBlockers = [], ...checklist } = input;
  const blockers = launchBlockers.map((title, i) => ({ code: `launch_blocker_${i + 1}`, title, done: false }));
  return insertOnceByKey(db, onboardingChecklists, { ...checklist, items: [...items, ...blockers] });
}

/** One automated step's outcome (H1 automation_runs). */
export function recordAutomationRun(
  db: Db,
  input: Keyed & { step: string; status: AutomationRunStatus; detail: Record<string, unknown> },
): Promise<AutomationRunRow> {
  return insertOnceByKey(db, automationRuns, input);
}

export interface HandoffCounts {
  clients: number;
  clientServices: number;
  projects: number;
  tasks: number;
  portalUsers: number;
  connectorAccounts: number;
  dataSources: number;
  reportingBaselines: number;
  onboardingChecklists: number;
}

/** Which of the W1 records a deal has (`complete` when all of them), with counts. */
export type HandoffRecords = Record<HandoffRecord, boolean> & { complete: boolean; counts: HandoffCounts };

type DealTable = PgTable & { opportunityId: PgColumn };

/** `(SELECT count(*) FROM table WHERE opportunity_id = :id [AND where])` */
function countFor(table: DealTable, opportunityId: string, where?: SQL): SQL<number> {
  const condition = where ? and(eq(table.opportunityId, opportunityId), where) : eq(table.opportunityId, opportunityId);
  return sql<number>`(SELECT count(*)::int FROM ${table} WHERE ${condition})`;
}

export async function handoffRecords(db: Db, opportunityId: string): Promise<HandoffRecords> {
  const n = (table: DealTable, where?: SQL) => countFor(table, opportunityId, where);
  const { rows } = await db.execute<HandoffCounts & Record<string, unknown>>(sql`SELECT
    ${n(clients)} AS "clients",
    ${n(clientServices)} AS "clientServices",
    ${n(projects)} AS "projects",
    ${n(tasks, eq(tasks.kind, 'delivery'))} AS "tasks",
    ${n(portalUsers)} AS "portalUsers",
    ${n(connectorAccounts)} AS "connectorAccounts",
    ${n(dataSources)} AS "dataSources",
    ${n(metricSnapshots, eq(metricSnapshots.kind, REPORTING_BASELINE))} AS "reportingBaselines",
    ${n(onboardingChecklists)} AS "onboardingChecklists"`);
  const counts = rows[0];
  const present: Record<HandoffRecord, boolean> = {
    client: counts.clients > 0,
    project: counts.projects > 0,
    tasks: counts.tasks > 0,
    portal: counts.portalUsers > 0,
    connectors: counts.connectorAccounts > 0,
    reporting: counts.dataSources > 0 && counts.reportingBaselines > 0,
  };
  return { ...present, complete: Object.values(present).every(Boolean), counts };
}
