import { OUTPUTS } from '../../../api/schemas/records';
import { QUALIFICATION_FACTS } from '../../../machines/opportunity';
import { httpClient } from '../../support/http';
import { startTestStack, type TestStack } from '../../support/stack';
import {
  CLIENT,
  INTERNAL,
  SUMMARY_BODIES,
  httpHandoffContext,
  httpHappyPath,
  sendSteps,
  walk,
  type Api,
} from '../../support/api-deal';
import { fixtureClient } from '../../../fixtures/deal-events';
import {
  FIRST_SUMMARY_APPROVAL,
  inSeconds,
  nextAction,
  QUALIFICATION_FACTS as QUALIFIED,
} from '../../../fixtures/deal-events';
import { eventually, sleep } from '../../support/kit';

/*
 * One deal from lead to handed_off through HTTP on the real stack (machine, Temporal
 * workflow, Postgres, REST API). The tests run in order and share the deal.
 */

let stack: TestStack;
let rep: { id: string; token: string };
let ops: { id: string; token: string };
let ops2: { id: string; token: string };
let apis: { rep: Api; ops: Api };
let id: string;
let firstLink: string;

const events = (body: Record<string, unknown>, as: Api = apis.rep, headers?: Record<string, string>) =>
  as.post(`/v1/opportunities/${id}/events`, body, headers);
const read = () => apis.rep.get(`/v1/opportunities/${id}`);
const countEvents = async () =>
  (await stack.db.$client.query('select count(*)::int as n from opportunity_events where opportunity_id = $1', [id]))
    .rows[0].n as number;
const visible = (body: unknown) => JSON.stringify(body);
const byFirst = (a: unknown[], b: unknown[]) => String(a[0]).localeCompare(String(b[0]));
/** The four approved summaries as a client reads them, in kind order. */
const APPROVED_SUMMARIES = Object.entries(SUMMARY_BODIES)
  .map(([kind, body]) => ({ kind, body }))
  .sort((a, b) => a.kind.localeCompare(b.kind));
const byKind = (items: { kind: string }[]) => [...items].sort((a, b) => a.kind.localeCompare(b.kind));

beforeAll(async () => {
  stack = await startTestStack();
  rep = await stack.user('rep');
  ops = await stack.user('ops');
  ops2 = await stack.user('ops');
  apis = { rep: httpClient(stack.baseUrl, rep.token), ops: httpClient(stack.baseUrl, ops.token) };
  const created = await apis.rep.post('/v1/opportunities', {
    title: 'Lead flow rebuild',
    company: 'Acme Dental',
    source: 'referral',
  });
  expect(created.status).toBe(201);
  id = created.body.id;
});
afterAll(async () => {
  await stack?.stop();
});

describe('a deal from lead to handed_off through HTTP', () => {
  it('[Q1] [F1] a new lead shows its stage, pauses with reasons, allowed events, next-stage gates, owner, next action and due date', async () => {
    const { body, headers } = await read();
    expect(headers.get('etag')).toBe('"0"');
    expect(body).toMatchObject({
      stage: 'lead',
      ownerId: rep.id,
      nextStage: 'qualified',
      nextAction: { description: 'Qualify this lead', ownerId: rep.id },
    });
    expect(body.dueAt).toEqual(body.nextAction.dueAt);
    expect(body.pauses.followUp).toEqual({
      paused: true,
      reasons: ['consent', 'timing', 'source_context', 'decision_path'],
    });
    expect(body.pauses.proposalWork.paused).toBe(true);
    expect(body.allowedEvents).toContain('RECORD_QUALIFICATION');
    expect(body.allowedEvents).not.toContain('QUALIFY');
    // Every move brings its own next action (E1), so the forward move names it too.
    expect(body.nextStageGates).toEqual([...QUALIFICATION_FACTS, 'next_action']);
    // F1: consent is still unknown, so the lead's first next action is internal work, not a follow-up.
    const tasks = await apis.rep.get(`/v1/tasks?opportunityId=${id}`);
    expect(tasks.body.items.map((t: any) => [t.kind, t.status, t.ownerId, t.dueAt])).toEqual([
      ['next_action', 'open', rep.id, body.nextAction.dueAt],
    ]);
    expect(tasks.body.items[0].title).toContain('do not contact the client');
  });

  it('[Q1] [E1] a refused QUALIFY lists every missing fact (and the missing next action) and writes nothing', async () => {
    const refused = await events({ type: 'QUALIFY' });
    expect(refused.status).toBe(409);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ code: 'transition_refused', stage: 'lead' });
    expect([...refused.body.unmetGates].sort()).toEqual([
      'budget_signal',
      'contact_path',
      'decision_owner',
      'next_action',
      'service_fit',
      'source',
      'urgency',
    ]);
    expect(await countEvents()).toBe(0);
    expect((await read()).body.version).toBe(0);
  });

  it('[F1] follow-up is paused until consent, timing, source context and decision path are valid; a paused follow-up is refused', async () => {
    const paused = await events({ type: 'RECORD_FOLLOW_UP', note: 'Checked in' });
    expect(paused.status).toBe(409);
    expect(paused.body.unmetGates).toEqual(['follow_up_paused']);
    await sendSteps(apis, id, httpHappyPath(rep.id).lead.slice(0, 2));
    const { body } = await read();
    expect(body.pauses.followUp).toEqual({ paused: false, reasons: [] });
    expect(body.nextStageGates).toEqual(['next_action']);
    expect((await events({ type: 'RECORD_FOLLOW_UP', note: 'Checked in' })).status).toBe(200);
  });

  it('[Q1] [TK1] [E1] QUALIFY with every fact moves to qualified and opens a follow-up task for the promised next action', async () => {
    const next = nextAction(rep.id, { description: 'Book the discovery call' });
    const moved = await events({ type: 'QUALIFY', nextAction: next });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({
      stage: 'qualified',
      nextAction: { description: 'Book the discovery call', ownerId: rep.id },
    });
    expect(moved.headers.get('etag')).toBe(`"${moved.body.version}"`);
    const tasks = await apis.rep.get(`/v1/tasks?opportunityId=${id}&kind=follow_up`);
    expect(tasks.status).toBe(200);
    expect(tasks.body.items).toHaveLength(1);
    expect(tasks.body.items[0]).toMatchObject({ status: 'open', ownerId: rep.id });
    expect(tasks.body.items[0].title).toContain('Book the discovery call');
    expect(Date.parse(tasks.body.items[0].dueAt)).toBe(Date.parse(next.dueAt));
    // The new next action supersedes the lead's first one (TK1).
    const first = await apis.rep.get(`/v1/tasks?opportunityId=${id}&kind=next_action`);
    expect(first.body.items.map((t: any) => [t.status, t.closedReason, t.closedBy])).toEqual([
      ['cancelled', 'superseded', rep.id],
    ]);
  });

  it('[D1] the audit cannot start before discovery notes, pain points, lead flow, provider stack and decision criteria', async () => {
    await sendSteps(apis, id, httpHappyPath(rep.id).qualified);
    const refused = await events({ type: 'START_AUDIT', nextAction: nextAction(rep.id) });
    expect(refused.status).toBe(409);
    expect(refused.body.unmetGates).toEqual([
      'discovery_notes',
      'pain_points',
      'current_lead_flow',
      'provider_stack',
      'decision_criteria',
    ]);
    await sendSteps(apis, id, httpHappyPath(rep.id).discovery);
    expect((await read()).body.stage).toBe('audit');
    const notes = await apis.rep.get(`/v1/opportunities/${id}/outputs/discovery-notes`);
    expect(notes.body.status).toBe('ready');
    expect(notes.body.data.notes).toHaveLength(5);
  });

  it('[A1] [P1] proposal work waits for audit evidence and verified scope, timeline and decision path', async () => {
    const noEvidence = await events({ type: 'START_PROPOSAL', nextAction: nextAction(rep.id) });
    expect(noEvidence.status).toBe(409);
    expect(noEvidence.body.unmetGates).toEqual(['audit_evidence', 'proposal_work_paused']);
    const [evidence, verification, start] = httpHappyPath(rep.id).audit;
    await sendSteps(apis, id, [evidence]);
    const paused = await read();
    expect(paused.body.pauses.proposalWork).toEqual({ paused: true, reasons: ['scope', 'timeline'] });
    const stillPaused = await events(start.body);
    expect(stillPaused.status).toBe(409);
    expect(stillPaused.body.unmetGates).toEqual(['proposal_work_paused']);
    await sendSteps(apis, id, [verification, start]);
    expect((await read()).body.stage).toBe('proposal');
    const proof = await apis.rep.get(`/v1/opportunities/${id}/outputs/audit-proof`);
    expect(proof.body).toMatchObject({
      status: 'ready',
      data: { evidence: [{ kind: 'call_log', sourceUrl: 'https://example.com/audit' }] },
    });
  });

  it('[S1] sections are kept apart, pricing lives in line items, and a pricing section without line items is refused by field', async () => {
    const noItems = await events({
      type: 'RECORD_PROPOSAL_SECTION',
      section: 'pricing',
      attachments: { body: 'x', visibility: 'client_safe' },
    });
    expect(noItems.status).toBe(422);
    expect(noItems.body.errors[0].field).toBe('attachments.lineItems');
    const steps = httpHappyPath(rep.id).proposal;
    await sendSteps(apis, id, steps.slice(0, -1));
    const proposal = await apis.rep.get(`/v1/opportunities/${id}/proposal`);
    expect(proposal.status).toBe(200);
    expect(proposal.body.sections.map((s: any) => s.section).sort()).toEqual([
      'assumptions',
      'exclusions',
      'integrations',
      'pricing',
      'scope',
      'timeline',
    ]);
    expect(proposal.body.lineItems).toHaveLength(3);
    expect(proposal.body.totalCents).toBe(250_000 + 3 * 90_000 + 12_000);
    expect(proposal.body.records.lead.id).toBe(id);
  });

  it('[AP1] [TK1] neither the submitter, a rep nor an author of the text may approve; another ops user approves the named revisions', async () => {
    const submit = httpHappyPath(rep.id).proposal.at(-1)!.body;
    expect((await events(submit, apis.ops)).status).toBe(200);
    // The review waits in the ops queue until someone takes or decides it.
    const review = () => apis.ops.get(`/v1/tasks?opportunityId=${id}&kind=proposal_review`);
    expect((await review()).body.items.map((t: any) => [t.status, t.queue, t.ownerId])).toEqual([
      ['open', 'ops', null],
    ]);
    const bySubmitter = await events({ type: 'APPROVE' }, apis.ops);
    expect(bySubmitter.status).toBe(409);
    expect(bySubmitter.body.unmetGates).toEqual(['approver_not_submitter']);
    // The rep wrote every section, summary and the message: not an approver, and an author besides.
    const byRep = await events({ type: 'APPROVE' });
    expect(byRep.status).toBe(409);
    expect(byRep.body.unmetGates).toEqual(['approver_role', 'approver_not_author']);
    const sendEarly = await events({ type: 'SEND_PROPOSAL', nextAction: nextAction(rep.id) });
    expect(sendEarly.body.unmetGates).toEqual(['approval', 'client_safe_summary']);

    const drafted = await apis.rep.get(`/v1/opportunities/${id}/approvals`);
    expect(drafted.body.drafts).toEqual({ summaries: FIRST_SUMMARY_APPROVAL.summaries, message: 1 });
    expect(drafted.body.authors).toEqual([rep.id]);
    const ops2Api = httpClient(stack.baseUrl, ops2.token);
    const [approve, approveText] = httpHappyPath(rep.id).approval;
    expect((await events(approve.body, ops2Api)).status).toBe(200);
    // The client-safe approval names every drafted summary and the message at their current revisions.
    const partial = await events(
      { type: 'APPROVE_CLIENT_SAFE_SUMMARY', proposalVersion: 1, summaries: { audit_findings: 1 }, message: 1 },
      ops2Api,
    );
    expect(partial.status).toBe(409);
    expect(partial.body.unmetGates).toEqual(['approves_current_text']);
    expect((await events(approveText.body, ops2Api)).status).toBe(200);

    const state = await apis.rep.get(`/v1/opportunities/${id}/approvals`);
    expect(state.body).toMatchObject({
      submittedBy: ops.id,
      proposal: { approved: true, approvedBy: ops2.id },
      clientSafeSummary: {
        approved: true,
        approvedBy: ops2.id,
        summaries: FIRST_SUMMARY_APPROVAL.summaries,
        message: 1,
      },
    });
    expect(state.body.decisions.map((d: any) => d.kind).sort()).toEqual(['client_safe_summary', 'proposal']);
    // The decision closes the review, with who decided it.
    expect((await review()).body.items.map((t: any) => [t.status, t.closedReason, t.closedBy, t.ownerId])).toEqual([
      ['done', 'proposal_decided', ops2.id, ops2.id],
    ]);
    const summaries = await apis.rep.get(`/v1/opportunities/${id}/client-safe-summaries`);
    expect(summaries.body.items.map((s: any) => [s.kind, s.body, s.approvedForCurrentVersion]).sort(byFirst)).toEqual(
      Object.entries(SUMMARY_BODIES)
        .map(([kind, body]) => [kind, body, true])
        .sort(byFirst),
    );
  });

  it('[T1] [K1] [S2] sending returns the link once; opening it shows only approved client-safe text and records first and last viewed', async () => {
    // The message is a draft the approval named (RECORD_PROPOSAL_MESSAGE): sending carries no text of its own.
    const withText = await events({
      type: 'SEND_PROPOSAL',
      nextAction: nextAction(rep.id),
      attachments: { subject: 'Unapproved', body: 'UNAPPROVED-MESSAGE' },
    });
    expect(withText.status).toBe(422);
    expect(withText.body.errors.map((e: any) => e.field)).toContain('attachments');
    const deadline = inSeconds(30 * 86_400);
    const sendingFrom = Date.now() - 1_000;
    const sent = await events({
      type: 'SEND_PROPOSAL',
      probability: 60,
      decisionDeadline: deadline,
      nextAction: nextAction(rep.id, { description: 'Follow up on the proposal' }),
    });
    expect(sent.status).toBe(200);
    expect(sent.body.stage).toBe('sent');
    firstLink = sent.body.proposalLink.url;
    expect(firstLink).toMatch(/^\/p\/[A-Za-z0-9_-]{40,}$/);
    const hashes = await stack.db.$client.query('select link_token_hash from proposals where opportunity_id = $1', [
      id,
    ]);
    expect(JSON.stringify(hashes.rows)).not.toContain(firstLink.slice(3));

    const anonymous = httpClient(stack.baseUrl);
    const opened = await anonymous.get(firstLink);
    expect(opened.status).toBe(200);
    expect(opened.body.sections.map((s: any) => s.kind).sort()).toEqual([
      'exclusions',
      'integrations',
      'pricing',
      'scope',
      'timeline',
    ]);
    expect(opened.body.lineItems.map((l: any) => l.description)).toEqual([CLIENT.lineItem, 'Managed routing (month)']);
    expect(byKind(opened.body.summaries)).toEqual(APPROVED_SUMMARIES);
    for (const secret of Object.values(INTERNAL)) expect(visible(opened.body)).not.toContain(secret);
    expect(visible(opened.body)).not.toContain('UNAPPROVED-MESSAGE');
    expect(visible(opened.body)).not.toMatch(/approvedBy|INTERNAL/);

    const proposal = () => apis.rep.get(`/v1/opportunities/${id}/proposal`);
    const first = await eventually(async () => {
      const r = await proposal();
      return r.body.firstViewedAt !== null ? r : undefined;
    });
    await sleep(1_100);
    await anonymous.get(firstLink);
    const second = await eventually(async () => {
      const r = await proposal();
      return r.body.lastViewedAt !== first.body.lastViewedAt ? r : undefined;
    });
    expect(second.body).toMatchObject({
      status: 'sent',
      probability: 60,
      firstViewedAt: first.body.firstViewedAt,
      viewCount: 2,
    });
    expect(Date.parse(second.body.sentAt)).toBeGreaterThanOrEqual(sendingFrom);
    expect(Date.parse(second.body.sentAt)).toBeLessThanOrEqual(Date.now());
    expect(Date.parse(second.body.decisionDeadline)).toBe(Date.parse(deadline));
    expect(second.body.records.approval).not.toBeNull();
    // What went out is the approved draft of the message, now client-safe.
    const message = await stack.db.$client.query(
      'select channel, subject, body, visibility from communications where id = $1',
      [second.body.records.communication.id],
    );
    expect(message.rows).toEqual([
      { channel: 'proposal_link', subject: 'Your proposal', body: CLIENT.message, visibility: 'client_safe' },
    ]);
    const timeline = await apis.rep.get(`/v1/opportunities/${id}/events?limit=100`);
    expect(timeline.body.items.filter((e: any) => e.type === 'RECORD_VIEW').map((e: any) => e.actorId)).toEqual([
      'proposal-link',
      'proposal-link',
    ]);
  });

  it('[T1] an objection is recorded on the proposal and must be resolved before ACCEPT', async () => {
    expect(
      (await events({ type: 'RECORD_OBJECTION', objectionId: 'obj-1', summary: 'Price is above budget' })).status,
    ).toBe(200);
    const blocked = await events({ type: 'ACCEPT', nextAction: nextAction(rep.id) });
    expect(blocked.body.unmetGates).toEqual(['objection_open']);
    expect((await apis.rep.get(`/v1/opportunities/${id}/proposal`)).body.objection).toBe('Price is above budget');
    expect((await events({ type: 'RESOLVE_OBJECTION', objectionId: 'obj-1' })).status).toBe(200);
  });

  it('[R1] [AP1] [TK1] a change to a sent proposal makes a new version, stops the earlier link, needs re-approval and opens a retest task', async () => {
    const revised = await events({
      type: 'REVISE_PROPOSAL',
      reason: 'Client asked for a third location',
      nextAction: nextAction(rep.id, { description: 'Rework scope' }),
    });
    expect(revised.status).toBe(200);
    expect(revised.body.stage).toBe('proposal');
    expect((await httpClient(stack.baseUrl).get(firstLink)).status).toBe(410);
    const versions = await apis.rep.get(`/v1/opportunities/${id}/proposals`);
    expect(versions.body.items.map((v: any) => [v.version, v.status, v.linkActive])).toEqual([
      [2, 'draft', false],
      [1, 'superseded', false],
    ]);
    const current = await apis.rep.get(`/v1/opportunities/${id}/proposal`);
    expect(current.body.sections.every((s: any) => s.approvedAt === null)).toBe(true);
    const approval = await apis.rep.get(`/v1/opportunities/${id}/approvals`);
    expect(approval.body).toMatchObject({
      proposalVersion: 2,
      proposal: { approved: false },
      clientSafeSummary: { approved: false, summaries: null, message: null },
    });
    const retest = await apis.rep.get(`/v1/tasks?opportunityId=${id}&kind=retest`);
    expect(retest.body.items).toHaveLength(1);
    expect(retest.body.items[0].title).toMatch(/portal, proposal links and message copy/);

    const ops2Api = httpClient(stack.baseUrl, ops2.token);
    expect((await events({ type: 'SUBMIT_FOR_APPROVAL', nextAction: nextAction(rep.id) })).status).toBe(200);
    expect((await events({ type: 'SEND_PROPOSAL', nextAction: nextAction(rep.id) })).body.unmetGates).toEqual([
      'approval',
      'client_safe_summary',
    ]);
    const [approve, approveText] = httpHappyPath(rep.id).approval;
    expect((await events(approve.body, ops2Api)).status).toBe(200);
    // An approval of version 1's text does not approve version 2.
    const stale = await events(approveText.body, ops2Api);
    expect(stale.status).toBe(409);
    expect(stale.body.unmetGates).toEqual(['approves_current_text']);
    expect((await events({ ...approveText.body, proposalVersion: 2 }, ops2Api)).status).toBe(200);
    const resent = await events({ type: 'SEND_PROPOSAL', nextAction: nextAction(rep.id) });
    expect(resent.status).toBe(200);
    const reopened = await httpClient(stack.baseUrl).get(resent.body.proposalLink.url);
    expect(reopened.status).toBe(200);
    expect(reopened.body.version).toBe(2);
    expect((await httpClient(stack.baseUrl).get(firstLink)).status).toBe(410);
  });

  it('[W2] [HO1] [TK1] MARK_WON waits for contract state, payment state, kickoff date, onboarding owner, launch blockers and the handoff context', async () => {
    await sendSteps(apis, id, httpHappyPath(rep.id).sent);
    const contractTask = await apis.rep.get(`/v1/tasks?opportunityId=${id}&kind=contract_step`);
    expect(contractTask.body.items).toHaveLength(1);
    const refused = await events({ type: 'MARK_WON', nextAction: nextAction(rep.id) });
    expect(refused.status).toBe(409);
    expect(refused.body.unmetGates).toEqual([
      'contract_state',
      'payment_state',
      'kickoff_date',
      'onboarding_owner',
      'launch_blockers',
      'handoff_client',
      'portal_contacts',
      'connector_accounts',
      'data_sources',
      'reporting_baseline',
      'services_sold',
    ]);
    await sendSteps(apis, id, httpHappyPath(rep.id).contract.slice(0, 1));
    const contract = await apis.rep.get(`/v1/opportunities/${id}/contract`);
    expect(contract.body).toMatchObject({
      contractState: 'signed',
      paymentState: 'deposit_paid',
      kickoffDate: '2026-12-07',
      onboardingOwner: rep.id,
      launchBlockers: ['Twilio number port'],
    });
    expect(contract.body.recordedAt).not.toBeNull();
  });

  it('[W1] [S2] [TK1] a won deal is handed off by the workflow: client, project, tasks, portal, connectors and reporting, then handed_off', async () => {
    const client = fixtureClient();
    await sendSteps(apis, id, httpHandoffContext(client));
    const won = await events({
      type: 'MARK_WON',
      nextAction: nextAction(rep.id, { description: 'Kick off delivery' }),
    });
    expect(won.status).toBe(200);
    const done = await eventually(async () => {
      const r = await read();
      return r.body.stage === 'handed_off' ? r : undefined;
    });
    expect(done.body.clientId).not.toBeNull();
    const proposal = await apis.rep.get(`/v1/opportunities/${id}/proposal`);
    expect(proposal.body.records.client.id).toBe(done.body.clientId);
    expect(proposal.body.records.project).not.toBeNull();
    const checklist = await apis.rep.get(`/v1/opportunities/${id}/outputs/onboarding-checklist`);
    expect(checklist.body.status).toBe('ready');
    expect(checklist.body.data.checklist.items.map((i: any) => [i.title, i.done])).toEqual([
      ['Run the kickoff with Acme Dental', false],
      ['Connect HubSpot portal 4411', false],
      [`Invite Dana Office (dana@${client.domain}) to the portal`, false],
      ['Check the HubSpot leads feed (crm)', false],
      ['Twilio number port', false],
    ]);
    // The handoff made delivery's own tasks, open for the onboarding owner (W1).
    const delivery = await apis.rep.get(`/v1/tasks?opportunityId=${id}&kind=delivery`);
    expect(delivery.body.items.map((t: any) => [t.title, t.status]).sort()).toEqual([
      ['Clear launch blocker: Twilio number port', 'open'],
      ['Run the kickoff with Acme Dental', 'open'],
    ]);
    // The handoff ends the sales path: every other task of the deal has closed, each with its reason (TK1).
    const all = await apis.rep.get(`/v1/tasks?opportunityId=${id}&limit=100`);
    expect(all.body.nextCursor).toBeNull();
    const sales = all.body.items.filter((t: any) => t.kind !== 'delivery');
    expect(sales.length).toBeGreaterThan(5);
    expect(sales.filter((t: any) => t.status === 'open' || t.closedReason === null)).toEqual([]);
    const output = await apis.rep.get(`/v1/opportunities/${id}/outputs/contract-handoff`);
    expect(output.body.data.handoff).toEqual({
      client: true,
      project: true,
      tasks: true,
      portal: true,
      connectors: true,
      reporting: true,
    });
  });

  it('[K1] a portal user of the client reads only approved client-safe text of its own client', async () => {
    const clientId = (await read()).body.clientId;
    const admin = httpClient(stack.baseUrl, stack.adminToken);
    const user = await admin.post('/v1/users', {
      name: 'Dana at Acme',
      email: `dana-${Date.now()}@acme.test`,
      role: 'portal',
      clientId,
    });
    expect(user.status).toBe(201);
    const token = await admin.post(`/v1/users/${user.body.id}/tokens`, { label: 'portal' });
    const portal = httpClient(stack.baseUrl, token.body.token);
    const own = await portal.get(`/v1/portal/clients/${clientId}`);
    expect(own.status).toBe(200);
    expect(own.body.deals).toHaveLength(1);
    expect(byKind(own.body.deals[0].summaries)).toEqual(APPROVED_SUMMARIES);
    expect(own.body.deals[0].sections.map((s: any) => s.body)).toContain(CLIENT.scope);
    for (const secret of Object.values(INTERNAL)) expect(visible(own.body)).not.toContain(secret);
    expect((await portal.get(`/v1/opportunities/${id}`)).status).toBe(403);
  });

  it('[E1] the timeline records owner, timestamp, stage before and after and next action of every accepted event', async () => {
    const timeline = await apis.rep.get(`/v1/opportunities/${id}/events?limit=100`);
    expect(timeline.status).toBe(200);
    const items = timeline.body.items;
    expect(items.map((e: any) => e.version)).toEqual(items.map((_: any, i: number) => i + 1));
    for (const e of items) {
      expect(e.ownerId).toBe(rep.id);
      expect(Date.parse(e.occurredAt)).not.toBeNaN();
    }
    // Stage before and after chain from lead to handed_off: each entry starts where the one before ended.
    expect(items[0].stageBefore).toBe('lead');
    expect(items.slice(1).map((e: any) => e.stageBefore)).toEqual(items.slice(0, -1).map((e: any) => e.stageAfter));
    const moves = items.filter((e: any) => e.stageBefore !== e.stageAfter && e.type !== 'COMPLETE_HANDOFF');
    expect(moves.map((e: any) => e.type)).toEqual(
      expect.arrayContaining([
        'QUALIFY',
        'START_DISCOVERY',
        'START_AUDIT',
        'START_PROPOSAL',
        'SUBMIT_FOR_APPROVAL',
        'SEND_PROPOSAL',
        'REVISE_PROPOSAL',
        'ACCEPT',
        'MARK_WON',
      ]),
    );
    for (const e of moves) expect(e.nextAction).toMatchObject({ description: expect.any(String), ownerId: rep.id });
    expect(items.find((e: any) => e.type === 'APPROVE').actorId).toBe(ops2.id);
    expect(items.at(-1)).toMatchObject({
      type: 'COMPLETE_HANDOFF',
      stageBefore: 'won',
      stageAfter: 'handed_off',
      actorId: 'system',
    });
  });

  it('[OUT1] [Q1] each of the eight outputs carries source, owner, stage, due date, scope state, client-safe status and next action', async () => {
    const outputs = await apis.rep.get(`/v1/opportunities/${id}/outputs`);
    expect(outputs.status).toBe(200);
    expect(outputs.body.items.map((o: any) => o.output)).toEqual([...OUTPUTS]);
    expect(OUTPUTS).toHaveLength(8);
    for (const o of outputs.body.items) {
      expect(o).toEqual(
        expect.objectContaining({
          // The source confirmed by qualification is the deal's one source (Q1).
          source: QUALIFIED.source,
          owner: rep.id,
          stage: 'handed_off',
          scopeState: expect.any(String),
          clientSafeStatus: 'approved',
        }),
      );
      // Delivery owns a handed_off deal: the handoff ends the sales next action, so nothing is due.
      expect(o.dueAt).toBeNull();
      expect(o.nextAction).toBeNull();
      expect(o.status).toBe('ready');
    }
    const one = await apis.rep.get(`/v1/opportunities/${id}/outputs/won-or-lost-reason`);
    expect(one.body.data.outcome).toBe('won');

    // An open deal's outputs carry the next action the rep set, with its owner and due date.
    const open = await apis.rep.post('/v1/opportunities', {
      title: 'Reporting audit',
      company: 'Acme Ortho',
      source: 'webinar',
    });
    const next = nextAction(rep.id, { description: 'Send the audit plan', dueInSeconds: 3 * 86_400 });
    const set = await apis.rep.post(`/v1/opportunities/${open.body.id}/events`, {
      type: 'SET_NEXT_ACTION',
      nextAction: next,
    });
    expect(set.status).toBe(200);
    const openOutputs = await apis.rep.get(`/v1/opportunities/${open.body.id}/outputs`);
    expect(openOutputs.body.items.map((o: any) => o.output)).toEqual([...OUTPUTS]);
    for (const o of openOutputs.body.items) {
      expect(o).toMatchObject({
        source: 'webinar',
        owner: rep.id,
        stage: 'lead',
        nextAction: { description: 'Send the audit plan', ownerId: rep.id },
      });
      expect(Date.parse(o.dueAt)).toBe(Date.parse(next.dueAt));
      expect(Date.parse(o.nextAction.dueAt)).toBe(Date.parse(next.dueAt));
    }
  });
});

describe('a deal lost and reactivated through HTTP', () => {
  let lostId: string;
  it('[L1] [E1] MARK_LOST needs a reason with its context and a reactivation window; the deal keeps them, its next action is the win-back, and nothing is deleted', async () => {
    const created = await apis.rep.post('/v1/opportunities', {
      title: 'Call tracking',
      company: 'Bright Smiles',
      source: 'webinar',
    });
    lostId = created.body.id;
    await walk(apis, lostId, rep.id, 'lead', 'discovery');
    const post = (body: Record<string, unknown>) => apis.rep.post(`/v1/opportunities/${lostId}/events`, body);
    expect((await post({ type: 'MARK_LOST' })).body.unmetGates).toEqual(['lost_reason', 'reactivation_window']);
    expect(
      (await post({ type: 'MARK_LOST', reason: 'competitor', reactivateAt: inSeconds(90 * 86_400) })).body.unmetGates,
    ).toEqual(['lost_reason']);
    const reactivateAt = inSeconds(90 * 86_400);
    const lost = await post({
      type: 'MARK_LOST',
      reason: 'competitor',
      detail: 'Chose CallRail on price',
      reactivateAt,
    });
    expect(lost.status).toBe(200);
    expect(lost.body).toMatchObject({
      stage: 'lost',
      lost: { reason: 'competitor', detail: 'Chose CallRail on price' },
      nextAction: { description: 'Win back', ownerId: rep.id },
    });
    expect(Date.parse(lost.body.lost.reactivateAt)).toBe(Date.parse(reactivateAt));
    // A lost deal is not finished: its next step is the win-back when the reactivation window opens (E1).
    expect(Date.parse(lost.body.nextAction.dueAt)).toBe(Date.parse(reactivateAt));
    expect(Date.parse(lost.body.dueAt)).toBe(Date.parse(reactivateAt));
    const reason = await apis.rep.get(`/v1/opportunities/${lostId}/outputs/won-or-lost-reason`);
    expect(reason.body).toMatchObject({
      status: 'ready',
      stage: 'lost',
      data: { outcome: 'lost', lost: { reason: 'competitor', fromStage: 'discovery' } },
    });
    expect((await apis.rep.delete(`/v1/opportunities/${lostId}`)).status).toBe(404);
    expect((await apis.rep.get(`/v1/opportunities?stage=lost`)).body.items.map((o: any) => o.id)).toContain(lostId);
  });

  it('[L1] [Q1] [E1] REACTIVATE returns the deal to lead with its history; its qualification facts are confirmed again', async () => {
    const back = await apis.rep.post(`/v1/opportunities/${lostId}/events`, {
      type: 'REACTIVATE',
      nextAction: nextAction(rep.id, { description: 'Re-qualify' }),
    });
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({ stage: 'lead', lost: null, nextAction: { description: 'Re-qualify' } });
    // The facts from before the loss are stale: QUALIFY waits for all six again (Q1).
    expect(back.body.nextStageGates).toEqual([...QUALIFICATION_FACTS, 'next_action']);
    const timeline = await apis.rep.get(`/v1/opportunities/${lostId}/events?limit=100`);
    expect(timeline.body.items.map((e: any) => e.type)).toEqual(
      expect.arrayContaining(['QUALIFY', 'MARK_LOST', 'REACTIVATE']),
    );
    const reason = await apis.rep.get(`/v1/opportunities/${lostId}/outputs/won-or-lost-reason`);
    expect(reason.body.data.lostHistory).toEqual([
      expect.objectContaining({
        reason: 'competitor',
        reactivatedAt: expect.any(String),
        qualificationBeforeReactivation: QUALIFIED,
      }),
    ]);
  });
});
