import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { and, asc, eq, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { createActivities } from '../../../activities';
import { UNCOUNTED } from '../../../activities/metrics';
import { closeDb, type Db } from '../../../db/client';
import { ensureClient, handoffRecords, recordAutomationRun } from '../../../db/queries/handoff';
import { getOpportunity } from '../../../db/queries/opportunities';
import { addLineItems, upsertProposalSection } from '../../../db/queries/proposal-content';
import { ensureCurrentProposal, getProposal, recordProposalSent } from '../../../db/queries/proposals';
import { ensureService } from '../../../db/queries/services';
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
  users,
} from '../../../db/schema';
import {
  eventsUpTo,
  FIXTURE_SCOPE,
  FIXTURE_SERVICE,
  fixtureClient,
  type FixtureClient,
} from '../../../fixtures/deal-events';
import { testNotifyDeps } from '../../support/notify';
import { createLogger } from '../../../infra/logger';
import { applyEvent, createDeal, type DealState } from '../../../machines/opportunity';
import { clientNameKey } from '../../../machines/opportunity/client-identity';
import { HANDOFF_STEPS, type HandoffStep } from '../../../workflows/deal/handoff';
import { testDb } from '../../support/db';
import { newOpportunity } from './fixtures';

let db: Db;
let activities: ReturnType<typeof createActivities>;
beforeAll(async () => {
  db = testDb();
  activities = createActivities({
    db,
    logger: createLogger('silent'),
    clock: () => new Date(),
    counters: UNCOUNTED,
    notify: testNotifyDeps(),
  });
  await ensureService(db, FIXTURE_SERVICE);
});
afterAll(() => closeDb(db));

const rep = { id: 'rep-1', role: 'rep' } as const;
const ops = { id: 'ops-1', role: 'ops' } as const;

interface WonDeal {
  id: string;
  company: string;
  state: DealState;
  client: FixtureClient;
}

/** The deal state after the happy path to `won`, with `change` applied to its handoff context. */
function wonState(id: string, client: FixtureClient, change: (s: DealState) => void = () => undefined): DealState {
  const dueAt = new Date(Date.now() + 86_400_000).toISOString();
  let state = createDeal({
    opportunityId: id,
    ownerId: rep.id,
    source: 'referral',
    at: new Date().toISOString(),
    nextAction: { description: 'Call', dueAt, ownerId: rep.id },
  });
  for (const event of eventsUpTo('won', rep, ops, client)) {
    const result = applyEvent(state, event);
    if (!result.ok) throw new Error(`fixture event refused: ${JSON.stringify(result)}`);
    state = result.state;
  }
  change(state);
  return state;
}

/**
 * A won deal as the handoff finds it: its read-model row carrying the machine snapshot, and its
 * sent proposal with the scope text and a line item selling the fixture service.
 */
async function wonDeal(
  options: { client?: FixtureClient; scope?: string; change?: (s: DealState) => void } = {},
): Promise<WonDeal> {
  const id = randomUUID();
  const client = options.client ?? fixtureClient();
  const state = wonState(id, client, options.change);
  const row = await newOpportunity(db, { id, stage: 'won', snapshot: state });
  const proposal = await ensureCurrentProposal(db, { opportunityId: id, createdBy: rep.id });
  await upsertProposalSection(db, {
    proposalId: proposal.id,
    section: 'scope',
    body: options.scope ?? FIXTURE_SCOPE,
    visibility: 'client_safe',
  });
  await addLineItems(db, proposal.id, [
    { description: 'Setup', unitPriceCents: 250_000, serviceId: FIXTURE_SERVICE.id, visibility: 'client_safe' },
  ]);
  await recordProposalSent(db, { proposalId: proposal.id, linkTokenHash: `link-${id}`, sentAt: new Date() });
  return { id, company: row.company, state, client };
}

const stepInput = (deal: WonDeal, step: HandoffStep) => ({
  opportunityId: deal.id,
  dealWorkflowId: `opportunity-${deal.id}`,
  company: deal.company,
  deal: deal.state,
  stepAttempts: 3,
  step,
});

async function handOff(deal: WonDeal): Promise<void> {
  for (const step of HANDOFF_STEPS) await activities.handoffStep(stepInput(deal, step));
}

/** The failure a step throws, which must be one. */
async function failureOf(work: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await work;
  } catch (error) {
    if (error instanceof ApplicationFailure) return error;
    throw error;
  }
  throw new Error('expected the step to fail');
}

/** Every row the handoff wrote for a deal, in a stable order. */
async function rowsOf(id: string) {
  const ofDeal = (t: { opportunityId: PgColumn }) => eq(t.opportunityId, id);
  const [deal] = await db.select().from(opportunities).where(eq(opportunities.id, id));
  return {
    client: deal.clientId ? (await db.select().from(clients).where(eq(clients.id, deal.clientId)))[0] : null,
    services: await db.select().from(clientServices).where(ofDeal(clientServices)),
    projects: await db.select().from(projects).where(ofDeal(projects)),
    tasks: await db.select().from(tasks).where(ofDeal(tasks)).orderBy(asc(tasks.key)),
    portal: await db.select().from(portalUsers).where(ofDeal(portalUsers)),
    connectors: await db.select().from(connectorAccounts).where(ofDeal(connectorAccounts)),
    sources: await db.select().from(dataSources).where(ofDeal(dataSources)),
    baselines: await db.select().from(metricSnapshots).where(ofDeal(metricSnapshots)),
    checklists: await db.select().from(onboardingChecklists).where(ofDeal(onboardingChecklists)),
  };
}

describe('the handoff writes the real records from the deal context', () => {
  it('[W1] [HO1] [H1] each step writes the values the deal recorded, and the records are complete', async () => {
    const deal = await wonDeal();
    await handOff(deal);
    const rows = await rowsOf(deal.id);

    expect(rows.client).toMatchObject({
      name: deal.client.name,
      nameKey: clientNameKey(deal.client.name),
      domain: deal.client.domain,
    });
    const clientId = rows.client!.id;
    expect(rows.services).toEqual([
      expect.objectContaining({
        clientId,
        serviceId: FIXTURE_SERVICE.id,
        name: FIXTURE_SERVICE.name,
        startsAt: new Date('2026-12-07T00:00:00Z'),
      }),
    ]);
    expect(rows.projects).toEqual([
      expect.objectContaining({
        clientId,
        name: `${deal.company} delivery`,
        ownerId: rep.id,
        kickoffDate: '2026-12-07',
        scope: FIXTURE_SCOPE,
        lineItems: [{ description: 'Setup', quantity: 1, unitPriceCents: 250_000, serviceId: FIXTURE_SERVICE.id }],
      }),
    ]);
    const proposal = await ensureCurrentProposal(db, { opportunityId: deal.id, createdBy: rep.id });
    expect(await getProposal(db, proposal.id)).toMatchObject({ clientId, projectId: rows.projects[0].id });
    expect(rows.tasks.map((t) => [t.kind, t.title, t.ownerId])).toEqual([
      ['delivery', 'Clear launch blocker: Twilio number port', rep.id],
      ['delivery', `Run the kickoff with ${deal.company}`, rep.id],
    ]);

    const email = `dana@${deal.client.domain}`;
    const [login] = await db.select().from(users).where(eq(users.email, email));
    expect(login).toMatchObject({ role: 'portal', clientId, name: 'Dana Office' });
    expect(rows.portal).toEqual([
      expect.objectContaining({ clientId, email, name: 'Dana Office', userId: login.id, status: 'invited' }),
    ]);
    expect(rows.connectors).toEqual([
      expect.objectContaining({
        clientId,
        connectorRef: 'hubspot',
        provider: 'HubSpot',
        externalAccountId: 'portal 4411',
        status: 'granted',
      }),
    ]);
    expect(rows.sources).toEqual([
      expect.objectContaining({
        clientId,
        sourceRef: 'crm-leads',
        kind: 'crm',
        name: 'HubSpot leads',
        connectorAccountId: rows.connectors[0].id,
      }),
    ]);
    expect(rows.baselines).toEqual([
      expect.objectContaining({
        kind: 'reporting_baseline',
        clientId,
        values: { figures: deal.state.context.handoffContext.baseline },
      }),
    ]);
    expect(rows.baselines[0].values.figures).toHaveLength(3);
    expect(rows.checklists).toHaveLength(1);
    expect(rows.checklists[0]).toMatchObject({ projectId: rows.projects[0].id, ownerId: rep.id });
    expect(rows.checklists[0].items.map((i) => i.title)).toEqual([
      `Run the kickoff with ${deal.company}`,
      'Connect HubSpot portal 4411',
      `Invite Dana Office (${email}) to the portal`,
      'Check the HubSpot leads feed (crm)',
      'Twilio number port',
    ]);

    expect((await getOpportunity(db, deal.id))?.clientId).toBe(clientId);
    const result = await activities.handoffRecords({ opportunityId: deal.id });
    expect(result).toEqual({
      records: { client: true, project: true, tasks: true, portal: true, connectors: true, reporting: true },
      missing: [],
    });
    const runs = await db.select().from(automationRuns).where(eq(automationRuns.opportunityId, deal.id));
    expect(runs.map((r) => `${r.step}:${r.status}`).sort()).toEqual(HANDOFF_STEPS.map((s) => `${s}:succeeded`).sort());
  });

  it('[W1] running every step again (a retry, a second run) writes nothing twice', async () => {
    const deal = await wonDeal();
    await handOff(deal);
    const first = await rowsOf(deal.id);
    await handOff(deal);
    await Promise.all(HANDOFF_STEPS.map((step) => activities.handoffStep(stepInput(deal, step))));
    const again = await rowsOf(deal.id);
    expect(again).toEqual(first);
    expect(again.services).toHaveLength(1);
    expect(again.portal).toHaveLength(1);
    expect(again.connectors).toHaveLength(1);
    expect(again.sources).toHaveLength(1);
    expect(again.baselines).toHaveLength(1);
    const logins = await db
      .select()
      .from(users)
      .where(eq(users.email, `dana@${deal.client.domain}`));
    expect(logins).toHaveLength(1);
  });

  it('[W1] a connector access corrected in won is brought up to date by the next run', async () => {
    const requested = (s: DealState) => {
      s.context.handoffContext.connectors[0].access = 'requested';
    };
    const deal = await wonDeal({ change: requested });
    await handOff(deal);
    expect((await rowsOf(deal.id)).connectors.map((c) => c.status)).toEqual(['requested']);
    expect(await activities.handoffRecords({ opportunityId: deal.id })).toMatchObject({
      records: { connectors: false },
      missing: [{ record: 'connectors', detail: 'access to HubSpot account portal 4411 is requested' }],
    });
    const granted = { ...deal, state: wonState(deal.id, deal.client) };
    await db.update(opportunities).set({ snapshot: granted.state }).where(eq(opportunities.id, deal.id));
    await handOff(granted);
    expect((await rowsOf(deal.id)).connectors.map((c) => c.status)).toEqual(['granted']);
    expect((await activities.handoffRecords({ opportunityId: deal.id })).missing).toEqual([]);
  });
});

describe('one client per company (HO1)', () => {
  it('[HO1] a second deal of the same client, by name in another case with a legal suffix, reuses it', async () => {
    const client = fixtureClient();
    const first = await wonDeal({ client });
    await activities.handoffStep(stepInput(first, 'client'));
    const second = await wonDeal({
      client: { name: `${client.name.toUpperCase()}, LLC`, domain: 'other.example.org' },
    });
    await activities.handoffStep(stepInput(second, 'client'));
    const [a, b] = [await getOpportunity(db, first.id), await getOpportunity(db, second.id)];
    expect(a?.clientId).toEqual(expect.any(String));
    expect(b?.clientId).toBe(a?.clientId);
    const named = await db
      .select()
      .from(clients)
      .where(eq(clients.nameKey, clientNameKey(client.name)));
    expect(named).toHaveLength(1);
  });

  it('[HO1] a second deal of the same client, by domain under another name, reuses it', async () => {
    const client = fixtureClient();
    const first = await wonDeal({ client });
    await activities.handoffStep(stepInput(first, 'client'));
    const second = await wonDeal({ client: { name: `Renamed ${client.name}`, domain: `www.${client.domain}` } });
    await activities.handoffStep(stepInput(second, 'client'));
    expect((await getOpportunity(db, second.id))?.clientId).toBe((await getOpportunity(db, first.id))?.clientId);
  });

  it('[HO1] two deals winning the same new client at once make one client', async () => {
    const client = fixtureClient();
    const deals = await Promise.all([wonDeal({ client }), wonDeal({ client }), wonDeal({ client })]);
    await Promise.all(deals.map((d) => activities.handoffStep(stepInput(d, 'client'))));
    const linked = await Promise.all(deals.map(async (d) => (await getOpportunity(db, d.id))?.clientId));
    expect(new Set(linked).size).toBe(1);
    expect(linked[0]).toEqual(expect.any(String));
    expect(await db.select().from(clients).where(eq(clients.domain, client.domain))).toHaveLength(1);
  });

  it('[HO1] a name matching one client and a domain matching another is refused for good, linking nothing', async () => {
    const byName = fixtureClient();
    const byDomain = fixtureClient();
    const seed = await newOpportunity(db);
    await ensureClient(db, { key: `seed:${byName.name}`, opportunityId: seed.id, name: byName.name });
    const other = await newOpportunity(db);
    await ensureClient(db, { key: `seed:${byDomain.name}`, opportunityId: other.id, ...byDomain });
    const deal = await wonDeal({ client: { name: byName.name, domain: byDomain.domain } });
    const failure = await failureOf(activities.handoffStep(stepInput(deal, 'client')));
    expect(failure).toMatchObject({ type: 'HandoffStepRefused', nonRetryable: true });
    expect(failure.message).toContain('matches 2 clients');
    expect((await getOpportunity(db, deal.id))?.clientId).toBeNull();
    const [run] = await db
      .select()
      .from(automationRuns)
      .where(and(eq(automationRuns.opportunityId, deal.id), eq(automationRuns.status, 'failed')));
    expect(run).toMatchObject({ step: 'client', detail: { message: failure.message } });
  });

  it('[HO1] a client recorded by id is used as it is; an id of no client is refused', async () => {
    const seed = await newOpportunity(db);
    const existing = await ensureClient(db, { key: `seed:${seed.id}`, opportunityId: seed.id, ...fixtureClient() });
    const byId = (clientId: string) => (s: DealState) => {
      s.context.handoffContext.client = { clientId, name: 'Whatever name', domain: null };
    };
    const deal = await wonDeal({ change: byId(existing.id) });
    await activities.handoffStep(stepInput(deal, 'client'));
    expect((await getOpportunity(db, deal.id))?.clientId).toBe(existing.id);
    const missing = await wonDeal({ change: byId(randomUUID()) });
    const failure = await failureOf(activities.handoffStep(stepInput(missing, 'client')));
    expect(failure).toMatchObject({ type: 'HandoffStepRefused', nonRetryable: true });
    expect(failure.message).toMatch(/^The client [0-9a-f-]+ recorded for the handoff does not exist$/);
  });
});

describe('what the handoff refuses for good', () => {
  it('[HO1] a sold service not in the catalogue is named', async () => {
    const unknown = randomUUID();
    const deal = await wonDeal({
      change: (s) => {
        s.context.handoffContext.serviceIds = [FIXTURE_SERVICE.id, unknown];
      },
    });
    const failure = await failureOf(activities.handoffStep(stepInput(deal, 'client_service')));
    expect(failure).toMatchObject({ type: 'HandoffStepRefused', nonRetryable: true });
    expect(failure.message).toBe(`The services sold (${unknown}) are not in the service catalogue`);
    expect((await rowsOf(deal.id)).services).toEqual([]);
  });

  it('[HO1] an approved proposal without scope text gives the project nothing to deliver', async () => {
    const deal = await wonDeal({ scope: '   ' });
    await activities.handoffStep(stepInput(deal, 'client'));
    const failure = await failureOf(activities.handoffStep(stepInput(deal, 'project')));
    expect(failure).toMatchObject({ type: 'HandoffStepRefused', nonRetryable: true });
    expect(failure.message).toBe('The approved proposal has no scope text');
    expect((await rowsOf(deal.id)).projects).toEqual([]);
  });

  it("[HO1] a portal contact whose email is another client's login is refused, naming the email", async () => {
    const first = await wonDeal();
    await handOff(first);
    const taken = `dana@${first.client.domain}`;
    const second = await wonDeal({
      change: (s) => {
        s.context.handoffContext.portalContacts = [{ name: 'Dana Elsewhere', email: taken.toUpperCase() }];
      },
    });
    await activities.handoffStep(stepInput(second, 'client'));
    const failure = await failureOf(activities.handoffStep(stepInput(second, 'portal_user')));
    expect(failure).toMatchObject({ type: 'HandoffStepRefused', nonRetryable: true });
    expect(failure.message).toContain(taken.toUpperCase());
    expect(failure.message).toContain('another client');
    expect((await rowsOf(second.id)).portal).toEqual([]);
  });
});

describe('completeness comes from required fields, not rows (HO1)', () => {
  it('[W1] [HO1] a deal with no handoff yet has none of the records, each gap named', async () => {
    const deal = await wonDeal();
    const records = await handoffRecords(db, deal.id);
    expect(records).toMatchObject({
      client: false,
      project: false,
      tasks: false,
      portal: false,
      connectors: false,
      reporting: false,
      complete: false,
    });
    expect(records.missing).toEqual(
      expect.arrayContaining([
        { record: 'client', detail: 'the deal is not linked to a client' },
        { record: 'client', detail: `no client service for the sold service ${FIXTURE_SERVICE.id}` },
        { record: 'project', detail: 'no delivery project' },
        { record: 'tasks', detail: 'no delivery task' },
        { record: 'portal', detail: `no portal user for dana@${deal.client.domain}` },
        { record: 'connectors', detail: 'no connector account for HubSpot portal 4411' },
        { record: 'reporting', detail: 'no data source for HubSpot leads' },
        { record: 'reporting', detail: 'no reporting baseline' },
      ]),
    );
  });

  it('[HO1] a recorded connector without its row makes the connectors incomplete, though a row exists', async () => {
    const deal = await wonDeal();
    await handOff(deal);
    // Ops record a second account after the run: one row for two recorded connectors.
    const second = wonState(deal.id, deal.client, (s) => {
      s.context.handoffContext.connectors.push({
        ...s.context.handoffContext.connectors[0],
        connectorId: 'google-ads',
        provider: 'Google Ads',
        accountRef: '123-456',
      });
    });
    await db.update(opportunities).set({ snapshot: second }).where(eq(opportunities.id, deal.id));
    const records = await handoffRecords(db, deal.id);
    expect(records.counts.connectorAccounts).toBe(1);
    expect(records).toMatchObject({ connectors: false, client: true, reporting: true, complete: false });
    expect(records.missing).toEqual([{ record: 'connectors', detail: 'no connector account for Google Ads 123-456' }]);
  });

  it('[HO1] no baseline figures recorded: no empty snapshot is written and reporting is incomplete', async () => {
    const deal = await wonDeal({
      change: (s) => {
        s.context.handoffContext.baseline = [];
      },
    });
    await handOff(deal);
    expect((await rowsOf(deal.id)).baselines).toEqual([]);
    const records = await handoffRecords(db, deal.id);
    expect(records).toMatchObject({ reporting: false, connectors: true, complete: false });
    expect(records.missing).toEqual([
      { record: 'reporting', detail: 'no reporting baseline figures are recorded' },
      { record: 'reporting', detail: 'no reporting baseline' },
    ]);
  });

  it('[HO1] a baseline holding fewer figures than the deal recorded is incomplete', async () => {
    const deal = await wonDeal();
    await handOff(deal);
    const more = wonState(deal.id, deal.client, (s) => {
      s.context.handoffContext.baseline.push({
        metric: 'close_rate',
        value: 0.3,
        unit: 'ratio',
        period: '2026-10',
        measuredIn: 'CRM',
      });
    });
    await db.update(opportunities).set({ snapshot: more }).where(eq(opportunities.id, deal.id));
    const records = await handoffRecords(db, deal.id);
    expect(records.reporting).toBe(false);
    expect(records.missing).toEqual([
      { record: 'reporting', detail: 'the reporting baseline holds 3 of 4 recorded figures' },
    ]);
  });
});

describe('handoff blockers (HO1)', () => {
  const blocker = (code: string, ref: string | null, detail: string, taskKey: string) => ({
    code,
    ref,
    detail,
    taskKey,
  });
  const openBlockerTasks = async (id: string) =>
    db
      .select()
      .from(tasks)
      .where(and(eq(tasks.opportunityId, id), eq(tasks.kind, 'handoff_blocker'), eq(tasks.status, 'open')))
      .orderBy(asc(tasks.key));

  it('[HO1] [TK1] each blocker is listed on the deal with one open ops task; a cleared one closes as unblocked', async () => {
    const deal = await wonDeal();
    const access = blocker('connector_access', 'hubspot', 'access to HubSpot account portal 4411 is requested', 'k:a');
    const contacts = blocker('portal_contacts', null, 'no portal contacts recorded', 'k:b');
    const input = { opportunityId: deal.id, company: deal.company, blockers: [access, contacts] };
    expect(await activities.syncHandoffBlockers(input)).toEqual({ opened: 2, closed: 0 });
    expect(await activities.syncHandoffBlockers(input)).toEqual({ opened: 0, closed: 0 });
    expect((await getOpportunity(db, deal.id))?.handoffBlockers).toEqual([
      { code: 'connector_access', ref: 'hubspot', detail: 'access to HubSpot account portal 4411 is requested' },
      { code: 'portal_contacts', ref: null, detail: 'no portal contacts recorded' },
    ]);
    expect((await openBlockerTasks(deal.id)).map((t) => [t.key, t.title, t.queue, t.ownerId])).toEqual([
      ['k:a', `Handoff of ${deal.company} waits: access to HubSpot account portal 4411 is requested`, 'ops', null],
      ['k:b', `Handoff of ${deal.company} waits: no portal contacts recorded`, 'ops', null],
    ]);

    expect(await activities.syncHandoffBlockers({ ...input, blockers: [contacts] })).toEqual({ opened: 0, closed: 1 });
    const [closed] = await db.select().from(tasks).where(eq(tasks.key, 'k:a'));
    expect(closed).toMatchObject({ status: 'cancelled', closedReason: 'unblocked', closedBy: 'system' });
    expect(closed.completedAt).toBeInstanceOf(Date);

    expect(await activities.syncHandoffBlockers({ ...input, blockers: [] })).toEqual({ opened: 0, closed: 1 });
    expect((await getOpportunity(db, deal.id))?.handoffBlockers).toEqual([]);
    expect(await openBlockerTasks(deal.id)).toEqual([]);
  });
});

describe('the data-hook tables (H1)', () => {
  it('[H1] a failed automation step is recorded with its detail', async () => {
    const deal = await newOpportunity(db);
    const run = await recordAutomationRun(db, {
      key: `run:${deal.id}:1`,
      opportunityId: deal.id,
      step: 'connector_invite',
      status: 'failed',
      detail: { error: 'provider timeout' },
    });
    expect(run).toMatchObject({ status: 'failed', step: 'connector_invite', detail: { error: 'provider timeout' } });
  });

  it('[H1] the handoff and the proposal write every data-hook table', async () => {
    const deal = await wonDeal();
    await handOff(deal);
    const { rows } = await db.execute<Record<string, number>>(sql`SELECT
      (SELECT count(*)::int FROM client_services WHERE opportunity_id = ${deal.id}) AS client_services,
      (SELECT count(*)::int FROM data_sources WHERE opportunity_id = ${deal.id}) AS data_sources,
      (SELECT count(*)::int FROM metric_snapshots WHERE opportunity_id = ${deal.id}) AS metric_snapshots,
      (SELECT count(*)::int FROM automation_runs WHERE opportunity_id = ${deal.id}) AS automation_runs,
      (SELECT count(*)::int FROM connector_accounts WHERE opportunity_id = ${deal.id}) AS connector_accounts,
      (SELECT count(*)::int FROM portal_users WHERE opportunity_id = ${deal.id}) AS portal_users,
      (SELECT count(*)::int FROM proposal_line_items li JOIN proposals p ON p.id = li.proposal_id WHERE p.opportunity_id = ${deal.id}) AS proposal_line_items`);
    expect(rows[0]).toEqual({
      client_services: 1,
      data_sources: 1,
      metric_snapshots: 1,
      automation_runs: HANDOFF_STEPS.length,
      connector_accounts: 1,
      portal_users: 1,
      proposal_line_items: 1,
    });
  });
});
