import { and, asc, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { Db } from '../client';
import { clients, clientServices, contacts } from '../schema/clients';
import {
  automationRuns,
  connectorAccounts,
  dataSources,
  onboardingChecklists,
  portalUsers,
  projects,
} from '../schema/handoff';
import { opportunities } from '../schema/opportunities';
import { tasks } from '../schema/tasks';
import { metricSnapshots } from '../schema/telemetry';
import type { ClientRow, ClientServiceRow } from '../schema/clients';
import type {
  AutomationRunRow,
  ConnectorAccountRow,
  DataSourceRow,
  OnboardingChecklistRow,
  PortalUserRow,
  ProjectRow,
} from '../schema/handoff';
import type { TaskRow } from '../schema/tasks';
import type { MetricSnapshotRow } from '../schema/telemetry';
import { REPORTING_BASELINE } from './handoff';
import { prepared, rowById, selectAll, selectOne } from './support';

/*
 * Internal reads of the records the won-deal handoff writes (W1, H1, OUT1): what one deal's
 * handoff made, and one client with everything it has. Staff only: portal users read their
 * projects through `portal.ts`.
 */

export type ContactRow = typeof contacts.$inferSelect;

/** The records every client holds (services, portal access, connectors, data sources). */
interface ClientHoldings {
  clientServices: ClientServiceRow[];
  portalUsers: PortalUserRow[];
  connectorAccounts: ConnectorAccountRow[];
  dataSources: DataSourceRow[];
}

export interface DealHandoffRecords extends ClientHoldings {
  client: (ClientRow & { contacts: ContactRow[] }) | null;
  project: ProjectRow | null;
  /** The deal's delivery tasks (kickoff, launch blockers), soonest due first. */
  tasks: TaskRow[];
  /** The ops tasks of the handoff's blockers, open and closed, oldest first. */
  blockerTasks: TaskRow[];
  checklist: OnboardingChecklistRow | null;
  reportingBaseline: MetricSnapshotRow | null;
  automationRuns: AutomationRunRow[];
}

export interface ClientRecords extends ClientHoldings {
  client: ClientRow;
  contacts: ContactRow[];
  projects: ProjectRow[];
}

/** A client's contacts: those recorded for it, and those of its deals not yet tied to a client. */
function contactsOf(db: Db, clientId: string): Promise<ContactRow[]> {
  const ofItsDeals = inArray(
    contacts.opportunityId,
    db.select({ id: opportunities.id }).from(opportunities).where(eq(opportunities.clientId, clientId)),
  );
  const where = or(eq(contacts.clientId, clientId), and(isNull(contacts.clientId), ofItsDeals))!;
  return selectAll(db, contacts, where, asc(contacts.createdAt), asc(contacts.id));
}

/** A client's (or a deal's) services, portal users, connector accounts and data sources, oldest first. */
async function holdingsBy(db: Db, by: 'clientId' | 'opportunityId', id: string): Promise<ClientHoldings> {
  const where = (t: Record<typeof by, PgColumn>) => eq(t[by], id);
  const [services, users, accounts, sources] = await Promise.all([
    selectAll(db, clientServices, where(clientServices), asc(clientServices.createdAt), asc(clientServices.id)),
    selectAll(db, portalUsers, where(portalUsers), asc(portalUsers.createdAt), asc(portalUsers.id)),
    selectAll(
      db,
      connectorAccounts,
      where(connectorAccounts),
      asc(connectorAccounts.createdAt),
      asc(connectorAccounts.id),
    ),
    selectAll(db, dataSources, where(dataSources), asc(dataSources.createdAt), asc(dataSources.id)),
  ]);
  return { clientServices: services, portalUsers: users, connectorAccounts: accounts, dataSources: sources };
}

/**
 * What the handoff made for one deal: its client (the deal's, else the one its handoff created)
 * with contacts, and the deal's own services, project, delivery tasks, checklist, portal users,
 * connector accounts, data sources, reporting baseline and automation runs. Before the handoff
 * every part is empty or null.
 */
export async function dealHandoffRecords(
  db: Db,
  opportunity: { id: string; clientId: string | null },
): Promise<DealHandoffRecords> {
  const ofDeal = (t: { opportunityId: PgColumn }) => eq(t.opportunityId, opportunity.id);
  const clientRow = opportunity.clientId
    ? await selectOne(db, clients, eq(clients.id, opportunity.clientId))
    : await selectOne(db, clients, eq(clients.opportunityId, opportunity.id));
  const [clientContacts, held, project, deliveryTasks, blockerTasks, checklist, reportingBaseline, runs] =
    await Promise.all([
      clientRow ? contactsOf(db, clientRow.id) : [],
      holdingsBy(db, 'opportunityId', opportunity.id),
      selectOne(db, projects, ofDeal(projects)),
      selectAll(db, tasks, and(ofDeal(tasks), eq(tasks.kind, 'delivery'))!, asc(tasks.dueAt), asc(tasks.id)),
      selectAll(db, tasks, and(ofDeal(tasks), eq(tasks.kind, 'handoff_blocker'))!, asc(tasks.createdAt), asc(tasks.id)),
      selectOne(db, onboardingChecklists, ofDeal(onboardingChecklists)),
      selectOne(db, metricSnapshots, and(ofDeal(metricSnapshots), eq(metricSnapshots.kind, REPORTING_BASELINE))!),
      selectAll(db, automationRuns, ofDeal(automationRuns), asc(automationRuns.createdAt), asc(automationRuns.id)),
    ]);
  return {
    client: clientRow ? { ...clientRow, contacts: clientContacts } : null,
    ...held,
    project: project ?? null,
    tasks: deliveryTasks,
    blockerTasks,
    checklist: checklist ?? null,
    reportingBaseline: reportingBaseline ?? null,
    automationRuns: runs,
  };
}

/** One client record by id (prepared), or null. */
export function clientById(db: Db, id: string): Promise<ClientRow | null> {
  return rowById(db, 'client_by_id', clients, id);
}

/** One client with its contacts, services, projects, portal users, connector accounts and data sources. */
export async function clientRecords(db: Db, clientId: string): Promise<ClientRecords | null> {
  const client = await selectOne(db, clients, eq(clients.id, clientId));
  if (!client) return null;
  const [clientContacts, held, clientProjects] = await Promise.all([
    contactsOf(db, clientId),
    holdingsBy(db, 'clientId', clientId),
    selectAll(db, projects, eq(projects.clientId, clientId), asc(projects.createdAt), asc(projects.id)),
  ]);
  return { client, contacts: clientContacts, projects: clientProjects, ...held };
}

/**
 * Whether a user owns a deal of the client: one linked to it, or the deal whose handoff created
 * it (prepared). Reads only ids.
 */
export async function ownsDealOfClient(db: Db, clientId: string, ownerId: string): Promise<boolean> {
  const statement = prepared(db, 'owns_deal_of_client', (d) =>
    d
      .select({ id: opportunities.id })
      .from(opportunities)
      .where(
        and(
          eq(opportunities.ownerId, sql.placeholder('ownerId')),
          or(
            eq(opportunities.clientId, sql.placeholder('clientId')),
            eq(
              opportunities.id,
              sql`(SELECT ${clients.opportunityId} FROM ${clients} WHERE ${clients.id} = ${sql.placeholder('clientId')})`,
            ),
          ),
        ),
      )
      .limit(1),
  );
  return (await statement.execute({ clientId, ownerId })).length > 0;
}
