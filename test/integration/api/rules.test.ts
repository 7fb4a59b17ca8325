import {
  FIRST_SUMMARY_APPROVAL,
  inSeconds,
  nextAction,
  PATH_ORDER,
  QUALIFICATION_FACTS as QUALIFICATION_VALUES,
} from '../../../fixtures/deal-events';
import { INDIRECT_EVENTS, QUALIFICATION_FACTS, SUMMARY_DRAFT_GATES } from '../../../machines/opportunity';
import { CLIENT, httpHappyPath, sendSteps, SUMMARY_BODIES, walk, type Api } from '../../support/api-deal';
import { httpClient } from '../../support/http';
import { eventually, sleep } from '../../support/kit';
import {
  allPages,
  createLead,
  dealApi,
  stuckCodes,
  stuckEntry,
  tasksOf,
  temporalView,
  timelineOf,
} from '../../support/rules-kit';
import { startTestStack, type TestStack } from '../../support/stack';

/*
 * Issue 17, "Rules that leak today": one test per item, each reproducing the item's scenario
 * through HTTP on the real stack (machine, Temporal workflow and its timers, Postgres, REST API)
 * and asserting the guide's rule. Policy durations are seconds so timers fire during the test.
 */

const CADENCE_SECONDS = 3;

let stack: TestStack;
let rep: { id: string; token: string };
let apis: { rep: Api; ops: Api };
/** Another ops user (an approver who wrote nothing), and an ops api per new user. */
let approver: { id: string; api: Api };
const opsUser = async () => {
  const user = await stack.user('ops');
  return { id: user.id, api: httpClient(stack.baseUrl, user.token) };
};

beforeAll(async () => {
  stack = await startTestStack({
    policy: {
      followUpSeconds: CADENCE_SECONDS,
      followUpMax: 2,
      escalationGraceSeconds: 1,
      autoLoseOnDeadline: true,
      autoLoseReactivationSeconds: 3_600,
    },
  });
  rep = await stack.user('rep');
  apis = { rep: httpClient(stack.baseUrl, rep.token), ops: httpClient(stack.baseUrl, (await stack.user('ops')).token) };
  approver = await opsUser();
});
afterAll(async () => {
  await stack?.stop();
});

const steps = () => httpHappyPath(rep.id);
/** What an approval of the first proposal version of the happy path names: summaries and message at revision 1. */
const FIRST_APPROVAL = { type: 'APPROVE_CLIENT_SAFE_SUMMARY', ...FIRST_SUMMARY_APPROVAL, message: 1 };
const send = (extra: Record<string, unknown> = {}) => ({
  type: 'SEND_PROPOSAL',
  probability: 60,
  decisionDeadline: inSeconds(30 * 86_400),
  nextAction: nextAction(rep.id),
  ...extra,
});

/** A new lead of the rep walked along the happy path up to `stage`. */
async function dealAt(stage: string) {
  const id = await createLead(apis.rep);
  if (stage !== 'lead') await walk(apis, id, rep.id, 'lead', stage);
  return { id, ...dealApi(apis.rep, id) };
}

/** A deal in `approval` with both approvals given: the next step is SEND_PROPOSAL. */
async function approvedDeal() {
  const deal = await dealAt('approval');
  await sendSteps(apis, deal.id, steps().approval.slice(0, 2));
  return deal;
}

/** The deal once its workflow has handed it off. */
const handedOff = (deal: { read: () => Promise<any> }) =>
  eventually(async () => {
    const body = await deal.read();
    return body.stage === 'handed_off' ? body : undefined;
  });

const summary = (task: any) => `${task.kind} (${task.status}, ${task.closedReason}): ${task.title}`;
const CLIENT_CONTACT = ['follow_up', 'win_back'];

describe('issue 17: every rule of the guide holds on every path', () => {
  it('[DL1] a decision deadline belongs to its sent version: after ACCEPT or REVISE_PROPOSAL its passing flags nothing, lists nothing, opens no task and loses nothing', async () => {
    const [accepted, revised, control] = await Promise.all([approvedDeal(), approvedDeal(), approvedDeal()]);
    const deadline = inSeconds(3);
    for (const deal of [accepted, revised, control])
      expect((await deal.send(send({ decisionDeadline: deadline }))).status).toBe(200);
    expect((await accepted.send({ type: 'ACCEPT', nextAction: nextAction(rep.id) })).status).toBe(200);
    const revision = await revised.send({
      type: 'REVISE_PROPOSAL',
      reason: 'Client asked for a third location',
      nextAction: nextAction(rep.id),
    });
    expect(revision.status).toBe(200);
    expect(revision.body.decisionDeadline).toBeNull();

    // The control deal stays in `sent`: its deadline passes and the policy marks it lost, so the timers ran.
    const lost = await eventually(async () => {
      const body = await control.read();
      return body.stage === 'lost' ? body : undefined;
    });
    expect(lost.lost.reason).toBe('no_decision');
    await sleep(Math.max(0, Date.parse(deadline) + 2_000 - Date.now()));

    for (const [deal, stage] of [
      [accepted, 'contract'],
      [revised, 'proposal'],
    ] as const) {
      const body = await deal.read();
      expect({ stage: body.stage, overdue: body.overdue, lost: body.lost }).toEqual({
        stage,
        overdue: false,
        lost: null,
      });
      expect(await stuckCodes(apis.ops, rep.id, deal.id)).not.toContain('decision_deadline_passed');
      // The deadline was never reached in `sent`: no decision_deadline task at all, open or closed.
      expect((await tasksOf(apis.rep, deal.id, '&kind=decision_deadline')).map(summary)).toEqual([]);
    }
    // The revised proposal's new version has no deadline of its own.
    const current = await revised.get('/proposal');
    expect([current.body.version, current.body.decisionDeadline]).toEqual([2, null]);
  }, 120_000);

  it('[F1] while follow-up is paused no task asks anyone to contact the client, sending is refused, and one follow-up comes one cadence after the pause lifts', async () => {
    const [lead, qualified, approved] = await Promise.all([createLead(apis.rep), dealAt('qualified'), approvedDeal()]);

    // A new lead's consent is unknown: its first task is internal work.
    const first = await eventually(async () => {
      const tasks = await tasksOf(apis.rep, lead);
      return tasks.length > 0 ? tasks : undefined;
    });
    expect(first.map((t) => t.kind)).toEqual(['next_action']);

    // Consent withdrawn in `qualified`: the open follow-up is cancelled with the pause as its reason.
    expect((await tasksOf(apis.rep, qualified.id, '&kind=follow_up&status=open')).length).toBe(1);
    const beforePause = new Set((await tasksOf(apis.rep, qualified.id)).map((t) => t.id));
    expect((await qualified.send({ type: 'RECORD_CONSENT', consent: 'withdrawn' })).status).toBe(200);
    expect(
      (await tasksOf(apis.rep, qualified.id, '&kind=follow_up')).map((t) => [t.status, t.closedReason, t.closedNote]),
    ).toEqual([['cancelled', 'follow_up_paused', 'consent']]);
    // A next action, a stage move's next action and a win-back window: none asks to contact the client.
    const paths = [
      { type: 'SET_NEXT_ACTION', nextAction: nextAction(rep.id, { description: 'Prepare the discovery agenda' }) },
      { type: 'START_DISCOVERY', nextAction: nextAction(rep.id, { description: 'Review the call notes' }) },
      { type: 'MARK_LOST', reason: 'timing', reactivateAt: inSeconds(1) },
    ];
    for (const body of paths) expect((await qualified.send(body)).status).toBe(200);
    await eventually(async () => (await timelineOf(apis.rep, qualified.id)).find((e) => e.type === 'WIN_BACK_STARTED'));
    const created = (await tasksOf(apis.rep, qualified.id)).filter((t) => !beforePause.has(t.id));
    expect(created.filter((t) => CLIENT_CONTACT.includes(t.kind)).map(summary)).toEqual([]);
    // The pause turned the current next action into internal work; each later next action is internal too.
    expect(
      created
        .filter((t) => t.kind === 'next_action')
        .map((t) => t.title.slice(t.title.indexOf(': ') + 2))
        .sort(),
    ).toEqual([
      'Call the decision owner (internal only: follow-up is paused for consent; do not contact the client)',
      'Prepare the discovery agenda (internal only: follow-up is paused for consent; do not contact the client)',
      'Review the call notes (internal only: follow-up is paused for consent; do not contact the client)',
    ]);

    // Sending contacts the client: refused while paused, naming the pause.
    const withdraw = async () => {
      const open = await tasksOf(apis.rep, approved.id, '&kind=follow_up&status=open');
      expect(open).toHaveLength(1); // the follow-up of the last next action
      expect((await approved.send({ type: 'RECORD_CONSENT', consent: 'withdrawn' })).status).toBe(200);
      const closed = (await tasksOf(apis.rep, approved.id, '&kind=follow_up')).find((t) => t.id === open[0].id);
      expect([closed.status, closed.closedReason, closed.closedNote]).toEqual([
        'cancelled',
        'follow_up_paused',
        'consent',
      ]);
    };
    await withdraw();
    const refused = await approved.send(send());
    expect(refused.status).toBe(409);
    expect(refused.body.unmetGates).toEqual(['follow_up_paused']);

    // Sent with consent, then withdrawn: no follow-up while the follow-up times pass.
    expect((await approved.send({ type: 'RECORD_CONSENT', consent: 'granted' })).status).toBe(200);
    expect((await approved.send(send())).status).toBe(200);
    await withdraw();
    const known = new Set((await tasksOf(apis.rep, approved.id)).map((t) => t.id));
    await sleep((2 * CADENCE_SECONDS + 1.5) * 1_000);
    const whilePaused = await tasksOf(apis.rep, approved.id);
    const contact = whilePaused.filter((t) => CLIENT_CONTACT.includes(t.kind));
    expect(contact.filter((t) => t.status === 'open' || !known.has(t.id)).map(summary)).toEqual([]);
    const systemFollowUps = (await timelineOf(apis.rep, approved.id)).filter((e) => e.type === 'RECORD_FOLLOW_UP');
    expect(systemFollowUps).toEqual([]);

    // Granted again: one follow-up, one cadence later, not a burst of the missed ones.
    for (const t of whilePaused) known.add(t.id);
    const newFollowUps = async () =>
      (await tasksOf(apis.rep, approved.id, '&kind=follow_up')).filter((t) => !known.has(t.id));
    const liftedAt = Date.now();
    expect((await approved.send({ type: 'RECORD_CONSENT', consent: 'granted' })).status).toBe(200);
    await sleep((CADENCE_SECONDS / 2) * 1_000);
    expect((await newFollowUps()).map(summary)).toEqual([]);
    const resumed = await eventually(async () => {
      const found = await newFollowUps();
      return found.length > 0 ? found : undefined;
    });
    expect(resumed.map(summary)).toEqual([expect.stringMatching(/^follow_up \(open, null\): Proposal follow-up/)]);
    const delay = (Date.parse(resumed[0].dueAt) - liftedAt) / 1_000;
    expect(delay).toBeGreaterThanOrEqual(CADENCE_SECONDS - 0.5);
    expect(delay).toBeLessThan(CADENCE_SECONDS + 1.5);
  }, 120_000);

  it('[P1] while proposal work is paused, APPROVE, APPROVE_CLIENT_SAFE_SUMMARY, SEND_PROPOSAL and REVISE_PROPOSAL are refused naming proposal_work_paused', async () => {
    const deal = await dealAt('approval');
    const pause = { type: 'RECORD_VERIFICATION', timelineVerified: false };
    expect((await deal.send(pause)).status).toBe(200);
    expect((await deal.read()).pauses.proposalWork).toEqual({ paused: true, reasons: ['timeline'] });

    const approve = await apis.ops.post(`/v1/opportunities/${deal.id}/events`, { type: 'APPROVE' });
    expect([approve.status, approve.body.unmetGates]).toEqual([409, ['proposal_work_paused']]);
    const approveText = await apis.ops.post(`/v1/opportunities/${deal.id}/events`, FIRST_APPROVAL);
    expect([approveText.status, approveText.body.unmetGates]).toEqual([409, ['proposal_work_paused']]);
    const sendPaused = await deal.send(send());
    expect([sendPaused.status, sendPaused.body.unmetGates]).toEqual([
      409,
      ['approval', 'client_safe_summary', 'proposal_work_paused'],
    ]);

    // In `sent`: a revision is proposal work too.
    expect((await deal.send({ type: 'RECORD_VERIFICATION', timelineVerified: true })).status).toBe(200);
    await sendSteps(apis, deal.id, steps().approval);
    expect((await deal.send(pause)).status).toBe(200);
    const revise = await deal.send({ type: 'REVISE_PROPOSAL', reason: 'New scope', nextAction: nextAction(rep.id) });
    expect([revise.status, revise.body.unmetGates]).toEqual([409, ['proposal_work_paused']]);
    expect((await deal.read()).stage).toBe('sent');
  }, 120_000);

  it('[AP1] an ops user who wrote a section or a summary cannot approve after a rep submits; another ops user can; the summary approval carries no text', async () => {
    const deal = await dealAt('proposal');
    const [sectionAuthor, summaryAuthor] = await Promise.all([opsUser(), opsUser()]);
    for (const { body } of steps().proposal) {
      const by =
        body.type === 'RECORD_PROPOSAL_SECTION' && body.section === 'scope'
          ? sectionAuthor.api
          : body.type === 'RECORD_CLIENT_SAFE_SUMMARY' && body.kind === 'launch_blockers'
            ? summaryAuthor.api
            : apis.rep;
      const answer = await by.post(`/v1/opportunities/${deal.id}/events`, body);
      expect([body.type, answer.status]).toEqual([body.type, 200]);
    }
    expect((await deal.get('/approvals')).body).toMatchObject({ submittedBy: rep.id });
    expect([...(await deal.get('/approvals')).body.authors].sort()).toEqual(
      [rep.id, sectionAuthor.id, summaryAuthor.id].sort(),
    );

    const by = (user: { api: Api }, body: Record<string, unknown>) =>
      user.api.post(`/v1/opportunities/${deal.id}/events`, body);
    for (const author of [sectionAuthor, summaryAuthor]) {
      for (const body of [{ type: 'APPROVE' }, FIRST_APPROVAL]) {
        const refused = await by(author, body);
        expect([body.type, refused.status, refused.body.unmetGates]).toEqual([body.type, 409, ['approver_not_author']]);
      }
    }
    expect((await by(approver, { type: 'APPROVE' })).status).toBe(200);

    // The approver cannot write the text it approves: an approval with text is refused and changes nothing.
    const before = { deal: await deal.read(), summaries: (await deal.get('/client-safe-summaries')).body.items };
    const withText = await by(approver, {
      ...FIRST_APPROVAL,
      attachments: { summaries: { audit_findings: 'Approver rewrote the findings' } },
    });
    expect(withText.status).toBeGreaterThanOrEqual(400);
    expect(withText.status).toBeLessThan(500);
    expect((await deal.read()).version).toBe(before.deal.version);
    expect((await deal.get('/client-safe-summaries')).body.items).toEqual(before.summaries);
    expect((await deal.get('/approvals')).body.clientSafeSummary.approved).toBe(false);

    expect((await by(approver, FIRST_APPROVAL)).status).toBe(200);
    expect((await deal.get('/approvals')).body).toMatchObject({
      proposal: { approved: true, approvedBy: approver.id },
      clientSafeSummary: { approved: true, approvedBy: approver.id },
    });
  }, 120_000);

  it('[K1] submission needs the four summary drafts, an approval names the current revisions, the link shows the approved summaries, the approved message is sent, and a lost deal’s link answers 410', async () => {
    const deal = await dealAt('proposal');
    const proposal = steps().proposal;
    const ofType = (type: string) => proposal.filter((s) => s.body.type === type);
    const submit = proposal.at(-1)!.body;
    await sendSteps(apis, deal.id, ofType('RECORD_PROPOSAL_SECTION'));

    const none = await deal.send(submit);
    expect([none.status, [...none.body.unmetGates].sort()]).toEqual([409, [...SUMMARY_DRAFT_GATES].sort()]);
    const findings = (body: string) => ({
      type: 'RECORD_CLIENT_SAFE_SUMMARY',
      kind: 'audit_findings',
      attachments: { body },
    });
    expect((await deal.send(findings('CLIENT-SUMMARY: first draft of the findings'))).status).toBe(200);
    const three = await deal.send(submit);
    expect([three.status, three.body.unmetGates]).toEqual([
      409,
      ['revenue_proof_summary', 'provider_caveats_summary', 'launch_blockers_summary'],
    ]);

    // The findings are redrafted (revision 2) before submission.
    await sendSteps(apis, deal.id, [...ofType('RECORD_CLIENT_SAFE_SUMMARY'), ...ofType('RECORD_PROPOSAL_MESSAGE')]);
    expect((await deal.send(submit)).status).toBe(200);
    expect((await deal.get('/approvals')).body.drafts).toEqual({
      summaries: { audit_findings: 2, revenue_proof: 1, provider_caveats: 1, launch_blockers: 1 },
      message: 1,
    });
    expect((await apis.ops.post(`/v1/opportunities/${deal.id}/events`, { type: 'APPROVE' })).status).toBe(200);
    const stale = await apis.ops.post(`/v1/opportunities/${deal.id}/events`, FIRST_APPROVAL);
    expect([stale.status, stale.body.unmetGates]).toEqual([409, ['approves_current_text']]);
    const current = { ...FIRST_APPROVAL, summaries: { ...FIRST_APPROVAL.summaries, audit_findings: 2 } };
    expect((await apis.ops.post(`/v1/opportunities/${deal.id}/events`, current)).status).toBe(200);

    const sent = await deal.send(send());
    expect(sent.status).toBe(200);
    const link = sent.body.proposalLink.url as string;
    const opened = await httpClient(stack.baseUrl).get(link);
    expect(opened.status).toBe(200);
    const byKind = (list: { kind: string; body: string }[]) => [...list].sort((a, b) => a.kind.localeCompare(b.kind));
    expect(byKind(opened.body.summaries)).toEqual(
      byKind(Object.entries(SUMMARY_BODIES).map(([kind, body]) => ({ kind, body }))),
    );

    // No route shows the sent message itself: the proposal names its communication, read from the database.
    const { records } = (await deal.get('/proposal')).body;
    const message = await stack.db.$client.query(
      'select channel, subject, body, visibility from communications where id = $1',
      [records.communication.id],
    );
    expect(message.rows).toEqual([
      { channel: 'proposal_link', subject: 'Your proposal', body: CLIENT.message, visibility: 'client_safe' },
    ]);

    const lost = await deal.send({ type: 'MARK_LOST', reason: 'timing', reactivateAt: inSeconds(90 * 86_400) });
    expect(lost.status).toBe(200);
    expect((await httpClient(stack.baseUrl).get(link)).status).toBe(410);
  }, 120_000);

  it('[GC1] refusals name stage and every other unmet gate; allowedEvents never lists an event the endpoint refuses; a fresh lead needs a next action to move', async () => {
    const deal = await dealAt('lead');
    expect((await deal.read()).nextStageGates).toContain('next_action');

    const advertised: string[] = [];
    const stages = new Set<string>();
    const look = async (target = deal) => {
      const body = await target.read();
      stages.add(body.stage);
      const indirect = body.allowedEvents.filter((e: string) => (INDIRECT_EVENTS as readonly string[]).includes(e));
      if (indirect.length > 0) advertised.push(`${body.stage}: ${indirect.join(', ')}`);
    };
    await look();
    for (const stage of PATH_ORDER) {
      if (stage === 'audit') {
        const early = await deal.send({
          type: 'RECORD_PROPOSAL_SECTION',
          section: 'scope',
          nextAction: nextAction(rep.id),
          attachments: { body: 'Scope before any evidence', visibility: 'client_safe' },
        });
        expect(early.status).toBe(409);
        expect(early.body.unmetGates).toEqual(expect.arrayContaining(['stage', 'audit_evidence']));
        expect(early.body.unmetGates[0]).toBe('stage');
      }
      for (const step of steps()[stage]) {
        await sendSteps(apis, deal.id, [step]);
        await look();
      }
    }
    await handedOff(deal);
    await look();
    const lost = await dealAt('lead');
    expect((await lost.send({ type: 'MARK_LOST', reason: 'timing', reactivateAt: inSeconds(86_400) })).status).toBe(
      200,
    );
    await look(lost);

    expect([...stages]).toEqual(expect.arrayContaining([...PATH_ORDER, 'handed_off', 'lost']));
    expect(advertised).toEqual([]);
  }, 120_000);

  it('[Q1] a source confirmed by RECORD_QUALIFICATION becomes the deal’s source in the answer, the deal, the list and the outputs', async () => {
    const id = await createLead(apis.rep, { source: 'webinar' });
    const deal = dealApi(apis.rep, id);
    const facts = { ...QUALIFICATION_VALUES, source: 'Referral from Northwind' };
    const recorded = await deal.send({ type: 'RECORD_QUALIFICATION', facts });
    expect([recorded.status, recorded.body.source]).toEqual([200, 'Referral from Northwind']);
    expect((await deal.read()).source).toBe('Referral from Northwind');
    const listed = (await allPages(apis.rep, '/v1/opportunities')).find((o) => o.id === id);
    expect(listed.source).toBe('Referral from Northwind');
    const outputs = (await deal.get('/outputs')).body.items;
    expect(outputs.map((o: { source: string }) => o.source)).toEqual(outputs.map(() => 'Referral from Northwind'));
  });

  it('[Q1] after MARK_LOST and REACTIVATE, QUALIFY is refused naming the six facts until they are recorded again', async () => {
    const deal = await dealAt('discovery');
    const lost = await deal.send({ type: 'MARK_LOST', reason: 'timing', reactivateAt: inSeconds(86_400) });
    expect(lost.status).toBe(200);
    const back = await deal.send({ type: 'REACTIVATE', nextAction: nextAction(rep.id, { description: 'Re-qualify' }) });
    expect([back.status, back.body.stage]).toEqual([200, 'lead']);
    expect(back.body.nextStageGates).toEqual(expect.arrayContaining([...QUALIFICATION_FACTS]));

    const qualify = { type: 'QUALIFY', nextAction: nextAction(rep.id) };
    const refused = await deal.send(qualify);
    expect([refused.status, [...refused.body.unmetGates].sort()]).toEqual([409, [...QUALIFICATION_FACTS].sort()]);
    expect((await deal.send(steps().lead[0].body)).status).toBe(200);
    const qualified = await deal.send(qualify);
    expect([qualified.status, qualified.body.stage]).toEqual([200, 'qualified']);
  });

  it('[TK1] tasks end: ops find reviews and escalations in their queue, a completed task is a timeline event by its person, and a handed-off deal keeps no sales task open', async () => {
    const deal = await dealAt('lead');
    const queue = () => allPages(apis.ops, `/v1/tasks?queue=ops&opportunityId=${deal.id}`);
    // A next action due in a second: overdue, then escalated to the ops queue.
    const soon = nextAction(rep.id, { dueInSeconds: 1, description: 'Call back today' });
    expect((await deal.send({ type: 'SET_NEXT_ACTION', nextAction: soon })).status).toBe(200);
    const escalation = await eventually(async () => (await queue()).find((t) => t.kind === 'escalation'));
    expect(escalation).toMatchObject({ queue: 'ops', ownerId: null, status: 'open' });

    await sendSteps(apis, deal.id, steps().lead);
    const [followUp] = await tasksOf(apis.rep, deal.id, '&kind=follow_up&status=open');
    const completed = await apis.rep.post(`/v1/tasks/${followUp.id}/complete`, { note: 'Booked the call' });
    expect(completed.status).toBe(200);
    expect(completed.body).toMatchObject({
      status: 'done',
      closedReason: 'completed',
      closedBy: rep.id,
      closedNote: 'Booked the call',
    });
    const entry = (await timelineOf(apis.rep, deal.id)).find((e) => e.type === 'COMPLETE_TASK');
    expect(entry).toMatchObject({ actorId: rep.id, payload: { taskId: followUp.id } });

    await walk(apis, deal.id, rep.id, 'qualified', 'won');
    await handedOff(deal);
    // Only delivery's own tasks (kickoff, launch blockers) stay open: they belong to the project now.
    const tasks = (await tasksOf(apis.rep, deal.id)).filter((t) => t.kind !== 'delivery');
    expect(tasks.length).toBeGreaterThan(5);
    expect(tasks.filter((t) => t.status === 'open').map(summary)).toEqual([]);
    expect(tasks.filter((t) => t.closedReason === null).map(summary)).toEqual([]);
    const queued = await queue();
    expect(queued.map((t) => t.kind).sort()).toEqual(['escalation', 'proposal_review']);
    expect(queued.find((t) => t.kind === 'proposal_review')).toMatchObject({
      closedReason: 'proposal_decided',
      closedBy: expect.any(String),
    });
  }, 120_000);

  it('[E1] MARK_LOST’s timeline entry and the opportunity show the next action: the win-back due at reactivateAt', async () => {
    const deal = await dealAt('discovery');
    const reactivateAt = inSeconds(60 * 86_400);
    const lost = await deal.send({ type: 'MARK_LOST', reason: 'timing', reactivateAt });
    expect(lost.status).toBe(200);
    const winBack = { description: 'Win back', ownerId: rep.id, dueAt: reactivateAt };
    const at = (next: { dueAt: string } | null) => next && { ...next, dueAt: new Date(next.dueAt).toISOString() };
    // The opportunity names the owner beside the id; the timeline keeps the event's own next action.
    const named = { ...winBack, owner: { id: rep.id, name: 'Test rep' } };
    expect(at(lost.body.nextAction)).toEqual(named);
    expect(Date.parse(lost.body.dueAt)).toBe(Date.parse(reactivateAt));
    expect(at((await deal.read()).nextAction)).toEqual(named);
    const entry = (await timelineOf(apis.rep, deal.id)).find((e) => e.type === 'MARK_LOST');
    expect(at(entry.nextAction)).toEqual(winBack);
  });

  it('[DL1] DealPaused in the Temporal UI means what the stuck list means: false for a lost deal and a discovery deal, true for a qualified deal with consent withdrawn', async () => {
    const [lost, discovery, withdrawn] = await Promise.all([
      dealAt('discovery'),
      dealAt('discovery'),
      dealAt('qualified'),
    ]);
    expect((await lost.send({ type: 'MARK_LOST', reason: 'timing', reactivateAt: inSeconds(86_400) })).status).toBe(
      200,
    );
    expect((await withdrawn.send({ type: 'RECORD_CONSENT', consent: 'withdrawn' })).status).toBe(200);
    // The discovery deal's only pause is proposal work (no audit evidence yet), which holds nothing up before `audit`.
    expect((await discovery.read()).pauses).toEqual({
      followUp: { paused: false, reasons: [] },
      proposalWork: { paused: true, reasons: ['audit_evidence', 'scope', 'timeline'] },
    });

    const seen = async (deal: { id: string; read: () => Promise<any> }) => {
      const { stage, workflowId } = await deal.read();
      const { paused } = await temporalView(stack, workflowId, stage);
      return { stage, paused, stuck: await stuckCodes(apis.ops, rep.id, deal.id) };
    };
    expect(await seen(lost)).toEqual({ stage: 'lost', paused: false, stuck: [] });
    expect(await seen(discovery)).toEqual({ stage: 'discovery', paused: false, stuck: [] });
    expect(await seen(withdrawn)).toEqual({ stage: 'qualified', paused: true, stuck: ['follow_up_paused'] });
    expect(await stuckEntry(apis.ops, rep.id, withdrawn.id)).toMatchObject({ stage: 'qualified' });
  }, 120_000);
});
