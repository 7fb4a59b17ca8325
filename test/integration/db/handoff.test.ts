import { sql } from 'drizzle-orm';
import { closeDb, type Db } from '../../../db/client';
import {
  ensureClient,
  ensureClientService,
  ensureConnectorAccount,
  ensureDataSource,
  ensureMetricBaseline,
  ensureOnboardingChecklist,
  ensurePortalUser,
  ensureProject,
  handoffRecords,
  recordAutomationRun,
} from '../../../db/queries/handoff';
import { getOpportunity } from '../../../db/queries/opportunities';
import { recordApproval } from '../../../db/queries/approvals';
import { addLineItems } from '../../../db/queries/proposal-content';
import { ensureCurrentProposal, recordProposalSent, recordProposalView } from '../../../db/queries/proposals';
import { ensureTask } from '../../../db/queries/tasks';
import { testDb } from '../../support/db';
import { newOpportunity } from './fixtures';

let db: Db;
beforeAll(() => {
  db = testDb();
});
afterAll(() => closeDb(db));

/** Runs every handoff write of a deal, keyed the way a workflow would key them. */
async function handOff(opportunityId: string) {
  const key = (step: string) => `handoff:${opportunityId}:${step}`;
  const client = await ensureClient(db, { key: key('client'), opportunityId, name: 'Acme Dental' });
  const service = await ensureClientService(db, {
    key: key('service'),
    opportunityId,
    clientId: client.id,
    name: 'Lead flow automation',
  });
  const project = await ensureProject(db, {
    key: key('project'),
    opportunityId,
    clientId: client.id,
    name: 'Acme onboarding',
    onboardingOwner: 'ops-1',
    kickoffDate: '2026-12-07',
  });
  const checklist = await ensureOnboardingChecklist(db, {
    key: key('checklist'),
    opportunityId,
    projectId: project.id,
    ownerId: 'ops-1',
    items: [{ code: 'access', title: 'Collect provider access', done: false }],
  });
  await ensureTask(db, {
    key: key('task'),
    opportunityId,
    kind: 'delivery',
    title: 'Kick off onboarding',
    ownerId: 'ops-1',
    dueAt: new Date('2026-12-07T09:00:00Z'),
  });
  const portal = await ensurePortalUser(db, {
    key: key('portal'),
    opportunityId,
    clientId: client.id,
    email: 'owner@acme.test',
    name: 'Ana Owner',
  });
  const connector = await ensureConnectorAccount(db, {
    key: key('connector'),
    opportunityId,
    clientId: client.id,
    provider: 'google_ads',
  });
  const source = await ensureDataSource(db, {
    key: key('source'),
    opportunityId,
    clientId: client.id,
    kind: 'ads',
    name: 'Google Ads',
    connectorAccountId: connector.id,
  });
  const baseline = await ensureMetricBaseline(db, {
    key: key('baseline'),
    opportunityId,
    dataSourceId: source.id,
    values: { leadsPerWeek: 12 },
  });
  const run = await recordAutomationRun(db, {
    key: key('run'),
    opportunityId,
    step: 'handoff',
    status: 'succeeded',
    detail: { records: 9 },
  });
  return { client, service, project, checklist, portal, connector, source, baseline, run };
}

describe('the won-deal handoff records', () => {
  it('[W1] a deal with no handoff yet has none of the records', async () => {
    const deal = await newOpportunity(db);
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
  });

  it('[W1] [H1] the handoff writes client, project, task, portal, connector and reporting records exactly once', async () => {
    const deal = await newOpportunity(db);
    const first = await handOff(deal.id);
    const second = await handOff(deal.id);
    expect(second).toEqual(first);
    const records = await handoffRecords(db, deal.id);
    expect(records).toMatchObject({
      client: true,
      project: true,
      tasks: true,
      portal: true,
      connectors: true,
      reporting: true,
      complete: true,
    });
    expect(records.counts).toEqual({
      clients: 1,
      clientServices: 1,
      projects: 1,
      tasks: 1,
      portalUsers: 1,
      connectorAccounts: 1,
      dataSources: 1,
      reportingBaselines: 1,
      onboardingChecklists: 1,
    });
    expect(first.baseline.kind).toBe('reporting_baseline');
    expect((await getOpportunity(db, deal.id))?.clientId).toBe(first.client.id);
  });

  it('[W1] concurrent retries of the same step write one row', async () => {
    const deal = await newOpportunity(db);
    const write = () => ensureClient(db, { key: `handoff:${deal.id}:client`, opportunityId: deal.id, name: 'Acme' });
    const rows = await Promise.all([write(), write(), write(), write()]);
    expect(new Set(rows.map((r) => r.id)).size).toBe(1);
    expect((await handoffRecords(db, deal.id)).counts.clients).toBe(1);
  });

  it('[W1] records start as placeholders when the deal knows only its client and contract', async () => {
    const deal = await newOpportunity(db);
    const key = (step: string) => `${deal.id}:handoff:${step}`;
    const base = { opportunityId: deal.id };
    const client = await ensureClient(db, { ...base, key: key('client'), name: deal.company });
    const withClient = { ...base, clientId: client.id };
    expect(await ensureClientService(db, { ...withClient, key: key('service') })).toMatchObject({
      name: null,
      status: 'onboarding',
    });
    expect(await ensurePortalUser(db, { ...withClient, key: key('portal') })).toMatchObject({
      email: null,
      status: 'pending',
    });
    expect(await ensureConnectorAccount(db, { ...withClient, key: key('connector') })).toMatchObject({
      provider: null,
      status: 'pending_access',
    });
    expect(await ensureDataSource(db, { ...withClient, key: key('source') })).toMatchObject({
      kind: null,
      status: 'pending',
    });
    expect(await ensureMetricBaseline(db, { ...withClient, key: key('baseline') })).toMatchObject({
      clientId: client.id,
      values: {},
    });
    const checklist = await ensureOnboardingChecklist(db, {
      ...base,
      key: key('checklist'),
      ownerId: 'ops-1',
      launchBlockers: ['DNS access', 'Ads login'],
    });
    expect(checklist.items).toEqual([
      { code: 'launch_blocker_1', title: 'DNS access', done: false },
      { code: 'launch_blocker_2', title: 'Ads login', done: false },
    ]);
  });

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

  it('[H1] every data-hook table is written by the code path that owns it', async () => {
    const deal = await newOpportunity(db);
    await handOff(deal.id);
    const proposal = await ensureCurrentProposal(db, { opportunityId: deal.id, createdBy: 'rep-1' });
    await addLineItems(db, proposal.id, [{ description: 'Setup', unitPriceCents: 100_000, visibility: 'client_safe' }]);
    await recordApproval(db, {
      key: `approval:${proposal.id}`,
      proposalId: proposal.id,
      kind: 'proposal',
      decision: 'approved',
      approvedBy: 'ops-1',
    });
    await recordProposalSent(db, { proposalId: proposal.id, linkTokenHash: `link-${deal.id}`, sentAt: new Date() });
    await recordProposalView(db, { linkTokenHash: `link-${deal.id}`, viewedAt: new Date() });
    const { rows } = await db.execute<Record<string, number>>(sql`SELECT
      (SELECT count(*)::int FROM client_services WHERE opportunity_id = ${deal.id}) AS client_services,
      (SELECT count(*)::int FROM data_sources WHERE opportunity_id = ${deal.id}) AS data_sources,
      (SELECT count(*)::int FROM incoming_logs WHERE opportunity_id = ${deal.id}) AS incoming_logs,
      (SELECT count(*)::int FROM metric_snapshots WHERE opportunity_id = ${deal.id}) AS metric_snapshots,
      (SELECT count(*)::int FROM automation_runs WHERE opportunity_id = ${deal.id}) AS automation_runs,
      (SELECT count(*)::int FROM connector_accounts WHERE opportunity_id = ${deal.id}) AS connector_accounts,
      (SELECT count(*)::int FROM portal_users WHERE opportunity_id = ${deal.id}) AS portal_users,
      (SELECT count(*)::int FROM proposal_line_items li JOIN proposals p ON p.id = li.proposal_id WHERE p.opportunity_id = ${deal.id}) AS proposal_line_items`);
    expect(rows[0]).toEqual({
      client_services: 1,
      data_sources: 1,
      incoming_logs: 1,
      metric_snapshots: 1,
      automation_runs: 1,
      connector_accounts: 1,
      portal_users: 1,
      proposal_line_items: 1,
    });
  });
});
