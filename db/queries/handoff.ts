import { and, desc, eq, getTableColumns, notInArray, sql } from 'drizzle-orm';
import type { PgColumn, PgTable, PgUpdateSetSource } from 'drizzle-orm/pg-core';
import { clientDomainKey, clientNameKey } from '../../machines/opportunity/client-identity';
import { NO_HANDOFF_CONTEXT, type HandoffContextFacts } from '../../machines/opportunity/context';
import { HANDOFF_RECORDS, type HandoffRecord } from '../../machines/opportunity/vocabulary';
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
  proposalLineItems,
  proposals,
  proposalSections,
  tasks,
  users,
  type AutomationRunRow,
  type AutomationRunStatus,
  type ChecklistItem,
  type ClientRow,
  type ClientServiceRow,
  type ConnectorAccountRow,
  type DataSourceRow,
  type HandoffBlockerEntry,
  type MetricSnapshotRow,
  type OnboardingChecklistRow,
  type PortalUserRow,
  type ProjectHandoffNote,
  type ProjectLineItem,
  type ProjectRow,
  type UserRow,
} from '../schema';
import { clientsMatching } from './clients';
import { inTransaction, insertOnceByKey, selectAll, selectOne } from './support';

/*
 * The won-deal handoff (W1, HO1). Every write is keyed by a string the handoff derives from the
 * deal (never from a run), so a crash and retry writes each record once; each returns the row
 * with that key, new or existing. Records that follow a fact the deal may still correct in
 * `won` (a connector's access, a source's name) are upserted, so a run after the correction
 * brings them up to date.
 */

/**
 * The handoff cannot write a record from what the deal recorded, and no retry changes that
 * (a client matching two clients, a service not in the catalogue): the message is for ops.
 */
export class HandoffRefusedError extends Error {
  readonly code = 'handoff_refused';
  constructor(message: string) {
    super(message);
    this.name = 'HandoffRefusedError';
  }
}

interface Keyed {
  key: string;
  opportunityId: string;
}

type KeyedTable = PgTable & { key: PgColumn };

/**
 * Writes the row with this key, or brings the `follow` columns of the existing one to these
 * values; an unchanged row is not written again. Returns the row either way.
 */
async function upsertByKey<T extends KeyedTable>(
  db: Db,
  table: T,
  values: T['$inferInsert'] & { key: string },
  follow: (keyof T['$inferInsert'] & string)[],
): Promise<T['$inferSelect']> {
  const columns = getTableColumns(table) as Record<string, PgColumn>;
  const followed = follow.map((field) => columns[field]);
  const set = Object.fromEntries(
    follow.map((field) => [field, sql`excluded.${sql.identifier(columns[field].name)}`]),
  ) as PgUpdateSetSource<T>;
  const changed = followed.map((column) => sql`${column} IS DISTINCT FROM excluded.${sql.identifier(column.name)}`);
  const rows = await db
    .insert(table)
    .values(values)
    .onConflictDoUpdate({ target: table.key, set, setWhere: sql`(${sql.join(changed, sql` OR `)})` })
    .returning();
  return (rows as T['$inferSelect'][])[0] ?? (await selectOne(db, table, eq(table.key, values.key)))!;
}

// ---- the client ------------------------------------------------------------------------------

/** Links the deal to its client unless it has one; returns the client the deal is linked to. */
async function linkDeal(db: Db, opportunityId: string, clientId: string): Promise<string> {
  await db
    .update(opportunities)
    .set({ clientId })
    .where(and(eq(opportunities.id, opportunityId), sql`${opportunities.clientId} IS NULL`));
  const [row] = await db
    .select({ clientId: opportunities.clientId })
    .from(opportunities)
    .where(eq(opportunities.id, opportunityId));
  return row?.clientId ?? clientId;
}

const ambiguous = (matches: ClientRow[]) =>
  new HandoffRefusedError(
    `The client's name or domain matches ${matches.length} clients (${matches
      .map((c) => `${c.name}${c.domain ? ` ${c.domain}` : ''}`)
      .join(', ')}); record the client by its id`,
  );

/**
 * The client of this name (and domain), one client per company (HO1): an existing client whose
 * normalised name or domain matches is reused, else one is created. Two deals winning the same
 * new client at once make one: the loser's insert meets the unique name or domain and reads the
 * winner's row. A name matching one client and the domain another is refused. Links the deal
 * to the client when it has none.
 */
export async function ensureClient(
  db: Db,
  input: Keyed & { name: string; domain?: string | null },
): Promise<ClientRow> {
  const identity = {
    nameKey: clientNameKey(input.name),
    domain: input.domain ? clientDomainKey(input.domain) : null,
  };
  let matches = await clientsMatching(db, identity);
  if (matches.length === 0) {
    await db
      .insert(clients)
      .values({ key: input.key, opportunityId: input.opportunityId, name: input.name.trim(), ...identity })
      .onConflictDoNothing();
    matches = await clientsMatching(db, identity);
    // Only this key's own row, made earlier under another name, can stop the insert unmatched.
    if (matches.length === 0) matches = await selectAll(db, clients, eq(clients.key, input.key));
  }
  if (matches.length > 1) throw ambiguous(matches);
  const [client] = matches;
  if (identity.domain && client.domain === null) await addDomain(db, client.id, identity.domain);
  await linkDeal(db, input.opportunityId, client.id);
  return client;
}

/**
 * A matched client without a domain learns this one, so a later deal giving only the domain finds
 * it. Another client taking the domain at the same moment wins; this one stays without.
 */
async function addDomain(db: Db, clientId: string, domain: string): Promise<void> {
  await db
    .update(clients)
    .set({ domain })
    .where(
      and(
        eq(clients.id, clientId),
        sql`${clients.domain} IS NULL`,
        sql`NOT EXISTS (SELECT 1 FROM ${clients} other WHERE other.domain = ${domain})`,
      ),
    )
    .catch((error: unknown) => {
      if ((error as { cause?: { code?: string } }).cause?.code !== '23505') throw error;
    });
}

/**
 * The client the deal's handoff writes to: the one the deal is already linked to (an earlier
 * run settled it), else the recorded client by id (which must exist), else by name and domain
 * as `ensureClient` finds or makes it.
 */
export async function ensureHandoffClient(
  db: Db,
  input: Keyed & { clientId: string | null; name: string; domain: string | null },
): Promise<ClientRow> {
  const [deal] = await db
    .select({ clientId: opportunities.clientId })
    .from(opportunities)
    .where(eq(opportunities.id, input.opportunityId));
  if (!deal) throw new HandoffRefusedError(`The deal ${input.opportunityId} has no read-model row`);
  const chosen = deal.clientId ?? input.clientId;
  if (chosen === null) return ensureClient(db, input);
  const client = await selectOne(db, clients, eq(clients.id, chosen));
  if (!client) throw new HandoffRefusedError(`The client ${chosen} recorded for the handoff does not exist`);
  await linkDeal(db, input.opportunityId, client.id);
  return client;
}

// ---- the records of the client ---------------------------------------------------------------

/** A service the client bought (H1): the catalogue service, under the name it had when sold. */
export function ensureClientService(
  db: Db,
  input: Keyed & { clientId: string; name: string; serviceId?: string | null; startsAt?: Date | null },
): Promise<ClientServiceRow> {
  return upsertByKey(db, clientServices, input, ['name', 'startsAt']);
}

/** The delivery project; its owner is the contract's onboarding owner (W2), its scope the approved proposal's. */
export function ensureProject(
  db: Db,
  input: Keyed & {
    clientId: string;
    name: string;
    onboardingOwner: string;
    kickoffDate?: string | null;
    scope: string;
    lineItems: ProjectLineItem[];
    /** The deal's notes for delivery (OW1); a later run brings notes written since. */
    handoffNotes?: ProjectHandoffNote[];
  },
): Promise<ProjectRow> {
  const { onboardingOwner, ...project } = input;
  return upsertByKey(db, projects, { ...project, ownerId: onboardingOwner }, [
    'ownerId',
    'kickoffDate',
    'handoffNotes',
  ]);
}

/** The deal's delivery project, once the handoff wrote it. */
export async function projectOfDeal(db: Db, opportunityId: string): Promise<ProjectRow | null> {
  return (await selectOne(db, projects, eq(projects.opportunityId, opportunityId))) ?? null;
}

/** What delivery promised: the scope text and line items of the deal's latest approved or sent proposal version. */
export interface ApprovedProposalContent {
  proposalId: string;
  version: number;
  scope: string | null;
  lineItems: ProjectLineItem[];
}

/**
 * A version the client was offered: approved, or sent (a send without a link leaves only the
 * status). A later draft of a revision is not, so the last offered version stands until it is.
 */
const APPROVED_OR_SENT = sql`(${proposals.status} IN ('approved', 'sent') OR ${proposals.sentAt} IS NOT NULL)`;

export async function approvedProposalContent(db: Db, opportunityId: string): Promise<ApprovedProposalContent | null> {
  const [proposal] = await db
    .select({ id: proposals.id, version: proposals.version })
    .from(proposals)
    .where(and(eq(proposals.opportunityId, opportunityId), APPROVED_OR_SENT))
    .orderBy(desc(proposals.version))
    .limit(1);
  if (!proposal) return null;
  const [scope] = await db
    .select({ body: proposalSections.body })
    .from(proposalSections)
    .where(and(eq(proposalSections.proposalId, proposal.id), eq(proposalSections.section, 'scope')));
  const items = await db
    .select({
      description: proposalLineItems.description,
      quantity: proposalLineItems.quantity,
      unitPriceCents: proposalLineItems.unitPriceCents,
      serviceId: proposalLineItems.serviceId,
    })
    .from(proposalLineItems)
    .where(eq(proposalLineItems.proposalId, proposal.id))
    .orderBy(proposalLineItems.position, proposalLineItems.id);
  const body = scope?.body.trim() ?? '';
  return { proposalId: proposal.id, version: proposal.version, scope: body === '' ? null : body, lineItems: items };
}

/**
 * A contact's portal login (H1): a `users` row of role portal for the client, reused when this
 * client already has one with the email, and its `portal_users` access record for the deal.
 * An email that is another client's login, or a staff login, is refused: one person, one client.
 */
export async function ensurePortalUser(
  db: Db,
  input: Keyed & { clientId: string; email: string; name: string },
): Promise<PortalUserRow> {
  return inTransaction(db, async (tx) => {
    const user = await portalLogin(tx, input);
    return upsertByKey(tx, portalUsers, { ...input, userId: user.id, status: 'invited' }, ['name']);
  });
}

async function portalLogin(db: Db, input: { clientId: string; email: string; name: string }): Promise<UserRow> {
  const byEmail = sql`lower(${users.email}) = lower(${input.email})`;
  let user = await selectOne(db, users, byEmail);
  if (!user) {
    await db
      .insert(users)
      .values({ name: input.name, email: input.email, role: 'portal', clientId: input.clientId })
      .onConflictDoNothing();
    user = (await selectOne(db, users, byEmail))!;
  }
  if (user.role !== 'portal' || user.clientId !== input.clientId)
    throw new HandoffRefusedError(
      `The portal contact ${input.email} already has a login of ${user.role === 'portal' ? 'another client' : `role ${user.role}`}; record another email for this client`,
    );
  return user;
}

/** A provider account delivery connects (H1); its status follows the deal's recorded access. */
export function ensureConnectorAccount(
  db: Db,
  input: Keyed & {
    clientId: string;
    connectorRef: string;
    provider: string;
    externalAccountId: string;
    status: string;
  },
): Promise<ConnectorAccountRow> {
  return upsertByKey(db, connectorAccounts, input, ['provider', 'externalAccountId', 'status']);
}

/** The deal's connector account of this `connectorId`, once the handoff wrote it. */
export async function connectorAccountByRef(
  db: Db,
  opportunityId: string,
  connectorRef: string,
): Promise<ConnectorAccountRow | null> {
  const where = and(
    eq(connectorAccounts.opportunityId, opportunityId),
    eq(connectorAccounts.connectorRef, connectorRef),
  )!;
  return (await selectOne(db, connectorAccounts, where)) ?? null;
}

/** A data feed reporting reads (H1), through one of the deal's connector accounts. */
export function ensureDataSource(
  db: Db,
  input: Keyed & { clientId: string; sourceRef: string; kind: string; name: string; connectorAccountId: string },
): Promise<DataSourceRow> {
  return upsertByKey(db, dataSources, input, ['kind', 'name', 'connectorAccountId']);
}

export const REPORTING_BASELINE = 'reporting_baseline';

/**
 * The deal's reporting baseline: an immutable metric_snapshots row of kind `reporting_baseline`,
 * its values `{ figures }` as the deal recorded them. Written once: a snapshot never changes.
 */
export function ensureMetricBaseline(
  db: Db,
  input: Keyed & { clientId?: string | null; dataSourceId?: string | null; values?: Record<string, unknown> },
): Promise<MetricSnapshotRow> {
  return insertOnceByKey(db, metricSnapshots, { ...input, kind: REPORTING_BASELINE, values: input.values ?? {} });
}

/**
 * The onboarding checklist (OUT1); each launch blocker becomes an open item after the given
 * ones. Written once: ops tick its items off, and a later run must not undo that.
 */
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

// ---- what holds the handoff up ---------------------------------------------------------------

export interface HandoffBlockerSync {
  opportunityId: string;
  company: string;
  blockers: (HandoffBlockerEntry & { taskKey: string })[];
  at: Date;
}

/**
 * Publishes why the deal's handoff waits (HO1), in one transaction: the list on the deal's row,
 * an open ops-queue task per blocker (created once per key), and every other open
 * `handoff_blocker` task of the deal cancelled as `unblocked`. The same list again changes nothing.
 */
export function syncHandoffBlockers(db: Db, input: HandoffBlockerSync): Promise<{ opened: number; closed: number }> {
  return inTransaction(db, async (tx) => {
    const entries = input.blockers.map(({ code, ref, detail }) => ({ code, ref, detail }));
    await tx.update(opportunities).set({ handoffBlockers: entries }).where(eq(opportunities.id, input.opportunityId));
    const keys = input.blockers.map((b) => b.taskKey);
    const opened =
      keys.length === 0
        ? []
        : await tx
            .insert(tasks)
            .values(
              input.blockers.map((b) => ({
                key: b.taskKey,
                opportunityId: input.opportunityId,
                kind: 'handoff_blocker' as const,
                title: `Handoff of ${input.company} waits: ${b.detail}`,
                queue: 'ops' as const,
                ownerId: null,
                dueAt: input.at,
              })),
            )
            .onConflictDoNothing({ target: tasks.key })
            .returning({ id: tasks.id });
    const stale = [
      eq(tasks.opportunityId, input.opportunityId),
      eq(tasks.kind, 'handoff_blocker'),
      eq(tasks.status, 'open'),
      keys.length > 0 ? notInArray(tasks.key, keys) : undefined,
    ];
    const closed = await tx
      .update(tasks)
      .set({ status: 'cancelled', closedReason: 'unblocked', closedBy: 'system', completedAt: input.at })
      .where(and(...stale))
      .returning({ id: tasks.id });
    return { opened: opened.length, closed: closed.length };
  });
}

// ---- completeness ----------------------------------------------------------------------------

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

export interface HandoffMissing {
  record: HandoffRecord;
  detail: string;
}

/**
 * Which of the W1 records a deal has, each judged by its required fields against what the
 * deal's handoff context expects (HO1), not by rows: `complete` when all of them, and what is
 * missing, one sentence each.
 */
export type HandoffRecords = Record<HandoffRecord, boolean> & {
  complete: boolean;
  missing: HandoffMissing[];
  counts: HandoffCounts;
};

/** The handoff context in a deal's stored snapshot; a deal recorded before HO1 has none. */
function contextOf(snapshot: unknown): HandoffContextFacts {
  const stored = (snapshot as { context?: { handoffContext?: Partial<HandoffContextFacts> } } | null)?.context
    ?.handoffContext;
  if (!stored || typeof stored !== 'object') return NO_HANDOFF_CONTEXT;
  const list = <T>(value: T[] | undefined): T[] => (Array.isArray(value) ? value : []);
  return {
    client: stored.client ?? null,
    portalContacts: list(stored.portalContacts),
    connectors: list(stored.connectors),
    dataSources: list(stored.dataSources),
    baseline: list(stored.baseline),
    serviceIds: list(stored.serviceIds),
  };
}

/** Everything the deal's handoff wrote, to be checked against its context. */
async function writtenFor(db: Db, opportunityId: string) {
  const ofDeal = (t: { opportunityId: PgColumn }) => eq(t.opportunityId, opportunityId);
  const [deal] = await db
    .select({ clientId: opportunities.clientId, snapshot: opportunities.snapshot })
    .from(opportunities)
    .where(eq(opportunities.id, opportunityId));
  const [services, project, deliveryTasks, portal, accounts, sources, baselines, checklists] = await Promise.all([
    selectAll(db, clientServices, ofDeal(clientServices)),
    selectAll(db, projects, ofDeal(projects), desc(projects.createdAt)),
    db
      .select({ n: sql<number>`count(*)::int` })
      .from(tasks)
      .where(and(ofDeal(tasks), eq(tasks.kind, 'delivery'))),
    selectAll(db, portalUsers, ofDeal(portalUsers)),
    selectAll(db, connectorAccounts, ofDeal(connectorAccounts)),
    selectAll(db, dataSources, ofDeal(dataSources)),
    selectAll(db, metricSnapshots, and(ofDeal(metricSnapshots), eq(metricSnapshots.kind, REPORTING_BASELINE))!),
    db
      .select({ n: sql<number>`count(*)::int` })
      .from(onboardingChecklists)
      .where(ofDeal(onboardingChecklists)),
  ]);
  const createdClients = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(clients)
    .where(ofDeal(clients));
  return {
    clientId: deal?.clientId ?? null,
    context: contextOf(deal?.snapshot),
    services,
    project: project[0] ?? null,
    deliveryTasks: deliveryTasks[0].n,
    portal,
    accounts,
    sources,
    baselines,
    counts: {
      clients: createdClients[0].n,
      clientServices: services.length,
      projects: project.length,
      tasks: deliveryTasks[0].n,
      portalUsers: portal.length,
      connectorAccounts: accounts.length,
      dataSources: sources.length,
      reportingBaselines: baselines.length,
      onboardingChecklists: checklists[0].n,
    } satisfies HandoffCounts,
  };
}

type Written = Awaited<ReturnType<typeof writtenFor>>;

/** What each record lacks: one sentence per gap, none when the record is complete. */
const GAPS: Record<HandoffRecord, (w: Written) => string[]> = {
  // The client with the services it bought: the client_services rows hang off the client.
  client: ({ clientId, context, services }) => [
    ...(clientId === null ? ['the deal is not linked to a client'] : []),
    ...(context.serviceIds.length === 0 ? ['no services sold are recorded'] : []),
    ...context.serviceIds
      .filter((id) => !services.some((s) => s.serviceId === id && s.clientId === clientId && s.name.trim() !== ''))
      .map((id) => `no client service for the sold service ${id}`),
  ],
  project: ({ project }) => {
    if (!project) return ['no delivery project'];
    return [
      ...(project.name.trim() === '' ? ['the project has no name'] : []),
      ...(project.ownerId.trim() === '' ? ['the project has no onboarding owner'] : []),
      ...(project.kickoffDate === null ? ['the project has no kickoff date'] : []),
      ...(project.scope.trim() === '' ? ['the project has no scope text'] : []),
    ];
  },
  tasks: ({ deliveryTasks }) => (deliveryTasks > 0 ? [] : ['no delivery task']),
  portal: ({ context, portal }) => [
    ...(context.portalContacts.length === 0 ? ['no portal contacts are recorded'] : []),
    ...context.portalContacts
      .filter((c) => !portal.some((p) => p.email.toLowerCase() === c.email.toLowerCase() && p.name.trim() !== ''))
      .map((c) => `no portal user for ${c.email}`),
  ],
  connectors: ({ context, accounts }) => [
    ...(context.connectors.length === 0 ? ['no connector accounts are recorded'] : []),
    ...context.connectors.flatMap((c) => {
      const row = accounts.find((a) => a.connectorRef === c.connectorId);
      if (!row) return [`no connector account for ${c.provider} ${c.accountRef}`];
      if (row.status !== 'granted')
        return [`access to ${row.provider} account ${row.externalAccountId} is ${row.status}`];
      return [];
    }),
  ],
  // Reporting reads its data sources and is measured against the baseline.
  reporting: ({ context, sources, baselines }) => {
    const figures = (baselines[0]?.values as { figures?: unknown } | undefined)?.figures;
    const written = Array.isArray(figures) ? figures.length : 0;
    return [
      ...(context.dataSources.length === 0 ? ['no data sources are recorded'] : []),
      ...context.dataSources
        .filter((d) => !sources.some((s) => s.sourceRef === d.sourceId && s.kind !== '' && s.name !== ''))
        .map((d) => `no data source for ${d.name}`),
      ...(context.baseline.length === 0 ? ['no reporting baseline figures are recorded'] : []),
      ...(baselines.length === 0 ? ['no reporting baseline'] : []),
      ...(baselines.length > 0 && (written === 0 || written !== context.baseline.length)
        ? [`the reporting baseline holds ${written} of ${context.baseline.length} recorded figures`]
        : []),
    ];
  },
};

export async function handoffRecords(db: Db, opportunityId: string): Promise<HandoffRecords> {
  const written = await writtenFor(db, opportunityId);
  const missing = HANDOFF_RECORDS.flatMap((record) => GAPS[record](written).map((detail) => ({ record, detail })));
  const present = Object.fromEntries(
    HANDOFF_RECORDS.map((record) => [record, !missing.some((m) => m.record === record)]),
  ) as Record<HandoffRecord, boolean>;
  return { ...present, complete: missing.length === 0, missing, counts: written.counts };
}
