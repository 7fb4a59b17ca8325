import type { ClientRecords, ContactRow, DealHandoffRecords } from '../../db/queries/handoff-reads';
import type { HandoffRecords } from '../../db/queries/handoff';
import type { ClientRow, ClientServiceRow, ServiceRow } from '../../db/schema/clients';
import type { OpportunityRow } from '../../db/schema/opportunities';
import type { HandoffContextFacts } from '../../machines/opportunity';
import type * as handoff from '../../db/schema/handoff';
import type { MetricSnapshotRow } from '../../db/schema/telemetry';
import { HANDOFF_RECORDS } from '../../machines/opportunity/vocabulary';
import { taskResource } from '../routes/tasks';
import { handoffBlockersOf, readableDealState } from './opportunity';
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
  domain: c.domain,
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
  scope: p.scope,
  lineItems: (Array.isArray(p.lineItems) ? p.lineItems : []).map((item) => ({
    description: item.description,
    quantity: item.quantity,
    unitPriceCents: item.unitPriceCents,
    serviceId: item.serviceId ?? null,
  })),
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
  // The invitation's hash is a credential: never shown, only whether and when one was issued.
  status: u.status,
  invitedAt: iso(u.invitedAt),
  invitationExpiresAt: iso(u.invitationExpiresAt),
  acceptedAt: iso(u.acceptedAt),
  createdAt: iso(u.createdAt),
});

const connectorAccountResource = (a: handoff.ConnectorAccountRow) => ({
  id: a.id,
  opportunityId: a.opportunityId,
  connectorRef: a.connectorRef,
  provider: a.provider,
  externalAccountId: a.externalAccountId,
  status: a.status,
  createdAt: iso(a.createdAt),
});

const dataSourceResource = (d: handoff.DataSourceRow) => ({
  id: d.id,
  opportunityId: d.opportunityId,
  sourceRef: d.sourceRef,
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

/** What the deal recorded for its handoff (HO1), each service sold named from the catalogue. */
function handoffContextResource(h: HandoffContextFacts, catalogue: ServiceRow[]) {
  const byId = new Map(catalogue.map((s) => [s.id, s]));
  return {
    client: h.client ? { clientId: h.client.clientId, name: h.client.name, domain: h.client.domain } : null,
    portalContacts: h.portalContacts.map((c) => ({ name: c.name, email: c.email })),
    connectorAccounts: h.connectors.map((c) => ({
      connectorId: c.connectorId,
      provider: c.provider,
      accountRef: c.accountRef,
      access: c.access,
      recordedAt: c.recordedAt,
      recordedBy: c.recordedBy,
    })),
    dataSources: h.dataSources.map((d) => ({
      sourceId: d.sourceId,
      kind: d.kind,
      name: d.name,
      connectorId: d.connectorId,
    })),
    reportingBaseline: h.baseline.map((f) => ({
      metric: f.metric,
      value: f.value,
      unit: f.unit,
      period: f.period,
      measuredIn: f.measuredIn,
    })),
    servicesSold: h.serviceIds.map((id) => ({
      id,
      code: byId.get(id)?.code ?? null,
      name: byId.get(id)?.name ?? null,
    })),
  };
}

/** The catalogue services a deal's recorded context names as sold (none when its state cannot be read). */
export const servicesSoldIds = (opportunity: OpportunityRow): string[] =>
  readableDealState(opportunity)?.context.handoffContext.serviceIds ?? [];

/**
 * What the won-deal handoff made for a deal, what the deal recorded for it (`context`), what
 * holds it up (`blockers`, with their ops tasks) and which of the W1 records it has (`complete`).
 */
export function dealHandoffResource(
  opportunity: OpportunityRow,
  records: DealHandoffRecords,
  present: HandoffRecords,
  catalogue: ServiceRow[],
) {
  const state = readableDealState(opportunity);
  return {
    opportunityId: opportunity.id,
    context: state ? handoffContextResource(state.context.handoffContext, catalogue) : null,
    blockers: handoffBlockersOf(opportunity),
    blockerTasks: records.blockerTasks.map(taskResource),
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
