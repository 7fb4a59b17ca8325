import type { ClientRecords, ContactRow, DealHandoffRecords } from '../../db/queries/handoff-reads';
import type { HandoffRecords } from '../../db/queries/handoff';
import type { ClientRow, ClientServiceRow } from '../../db/schema/clients';
import type * as handoff from '../../db/schema/handoff';
import type { MetricSnapshotRow } from '../../db/schema/telemetry';
import { HANDOFF_RECORDS } from '../../machines/opportunity/vocabulary';
import { taskResource } from '../routes/tasks';
import { iso } from './unreadable';

/*
 * Internal (staff) views of the records the won-deal handoff writes (W1, H1, OUT1). What a
 * client reads of them is `portalProjectResource` in `portal.ts`.
 */

const contactResource = (c: ContactRow) => ({
  id: c.id,
  name: c.name,
  email: c.email,
  phone: c.phone,
  role: c.role,
  opportunityId: c.opportunityId,
  createdAt: iso(c.createdAt),
});

const clientResource = (c: ClientRow, contacts: ContactRow[]) => ({
  id: c.id,
  name: c.name,
  opportunityId: c.opportunityId,
  createdAt: iso(c.createdAt),
  contacts: contacts.map(contactResource),
});

const clientServiceResource = (s: ClientServiceRow) => ({
  id: s.id,
  opportunityId: s.opportunityId,
  serviceId: s.serviceId,
  name: s.name,
  status: s.status,
  startsAt: iso(s.startsAt),
  createdAt: iso(s.createdAt),
});

const projectResource = (p: handoff.ProjectRow) => ({
  id: p.id,
  opportunityId: p.opportunityId,
  clientId: p.clientId,
  name: p.name,
  ownerId: p.ownerId,
  status: p.status,
  kickoffDate: p.kickoffDate,
  createdAt: iso(p.createdAt),
});

const checklistResource = (c: handoff.OnboardingChecklistRow) => ({
  id: c.id,
  ownerId: c.ownerId,
  items: c.items.map((item) => ({ code: item.code, title: item.title, done: item.done })),
  updatedAt: iso(c.updatedAt),
});

const portalUserResource = (u: handoff.PortalUserRow) => ({
  id: u.id,
  opportunityId: u.opportunityId,
  contactId: u.contactId,
  userId: u.userId,
  name: u.name,
  email: u.email,
  status: u.status,
  createdAt: iso(u.createdAt),
});

const connectorAccountResource = (a: handoff.ConnectorAccountRow) => ({
  id: a.id,
  opportunityId: a.opportunityId,
  provider: a.provider,
  externalAccountId: a.externalAccountId,
  status: a.status,
  createdAt: iso(a.createdAt),
});

const dataSourceResource = (d: handoff.DataSourceRow) => ({
  id: d.id,
  opportunityId: d.opportunityId,
  connectorAccountId: d.connectorAccountId,
  kind: d.kind,
  name: d.name,
  status: d.status,
  createdAt: iso(d.createdAt),
});

const baselineResource = (m: MetricSnapshotRow) => ({
  id: m.id,
  dataSourceId: m.dataSourceId,
  periodStart: iso(m.periodStart),
  periodEnd: iso(m.periodEnd),
  values: m.values,
  capturedAt: iso(m.capturedAt),
});

const automationRunResource = (r: handoff.AutomationRunRow) => ({
  step: r.step,
  status: r.status,
  detail: r.detail,
  createdAt: iso(r.createdAt),
});

/** The client's services, portal users, connector accounts and data sources. */
const holdings = (
  r: Pick<DealHandoffRecords, 'clientServices' | 'portalUsers' | 'connectorAccounts' | 'dataSources'>,
) => ({
  clientServices: r.clientServices.map(clientServiceResource),
  portalUsers: r.portalUsers.map(portalUserResource),
  connectorAccounts: r.connectorAccounts.map(connectorAccountResource),
  dataSources: r.dataSources.map(dataSourceResource),
});

/** What the won-deal handoff made for a deal, and which of the W1 records it has (`complete`). */
export function dealHandoffResource(opportunityId: string, records: DealHandoffRecords, present: HandoffRecords) {
  return {
    opportunityId,
    client: records.client ? clientResource(records.client, records.client.contacts) : null,
    ...holdings(records),
    project: records.project
      ? {
          ...projectResource(records.project),
          tasks: records.tasks.map(taskResource),
          onboardingChecklist: records.checklist ? checklistResource(records.checklist) : null,
        }
      : null,
    reportingBaseline: records.reportingBaseline ? baselineResource(records.reportingBaseline) : null,
    automationRuns: records.automationRuns.map(automationRunResource),
    complete: {
      ...Object.fromEntries(HANDOFF_RECORDS.map((record) => [record, present[record]])),
      all: present.complete,
    },
  };
}

/** One client with its contacts, services, projects, portal users, connector accounts and data sources. */
export function clientRecordsResource(records: ClientRecords) {
  return {
    ...clientResource(records.client, records.contacts),
    ...holdings(records),
    projects: records.projects.map(projectResource),
  };
}
