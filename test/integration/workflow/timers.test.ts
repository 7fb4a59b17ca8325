import { listEvents } from '../../../db/queries/events';
import { getOpportunity } from '../../../db/queries/opportunities';
import { listTasks } from '../../../db/queries/tasks';
import { dealWorkflowId } from '../../../workflows/deal/messages';
import { eventFactory, FIRST_SUMMARY_APPROVAL, inSeconds, nextAction } from '../../../fixtures/deal-events';
import { dealAt, OPS, REP, sendAll } from '../../support/deals';
import { eventually, sleep } from '../../support/kit';
import { maybeRecordHistory } from '../../support/histories';
import { startTestStack, type TestStack } from '../../support/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({
    policy: {
      // Two seconds: a step of a test fits between sending and the first follow-up.
      followUpSeconds: 2,
      followUpMax: 2,
      autoLoseOnDeadline: true,
      autoLoseReactivationSeconds: 3_600,
      dormantSeconds: 3,
    },
  });
});
afterAll(async () => {
  await stack?.stop();
});

const rep = eventFactory(REP);
const ops = eventFactory(OPS);
/** Every task of the deal that asks someone to contact the client, whoever created it and why. */
const clientContactTasks = async (opportunityId: string) =>
  (
    await Promise.all(
      (['follow_up', 'win_back'] as const).map(
        async (kind) => (await listTasks(stack.db, { opportunityId, kind, limit: 50 })).items,
      ),
    )
  ).flat();
/** The follow-ups the workflow's follow-up timer created. */
const timerFollowUps = async (opportunityId: string) =>
  (await listTasks(stack.db, { opportunityId, kind: 'follow_up', limit: 50 })).items.filter((task) =>
    task.key.startsWith(`${dealWorkflowId(opportunityId)}:follow_up:`),
  );

describe('timed promises of the deal workflow', () => {
  it('[F1][T1][TK1] refuses to send while follow-up is paused, cancels client contact when it pauses, and resumes one cadence after it lifts', async () => {
    const { opportunityId } = await dealAt(stack, 'approval');
    const cadence = stack.policy.followUpSeconds * 1000;
    // Approvals are internal work: they go on while consent is withdrawn. Sending contacts the client: it waits.
    await sendAll(stack, opportunityId, [
      rep.base('RECORD_CONSENT', { consent: 'withdrawn' }),
      ops.base('APPROVE'),
      ops.base('APPROVE_CLIENT_SAFE_SUMMARY', FIRST_SUMMARY_APPROVAL),
    ]);
    await expect(
      sendAll(stack, opportunityId, [rep.withNext('SEND_PROPOSAL', { probability: 40 })]),
    ).rejects.toMatchObject({ status: 409, extra: { stage: 'approval', unmetGates: ['follow_up_paused'] } });
    await sendAll(stack, opportunityId, [
      rep.base('RECORD_CONSENT', { consent: 'granted' }),
      rep.withNext('SEND_PROPOSAL', { probability: 40 }),
    ]);
    const sentFollowUp = (await clientContactTasks(opportunityId)).filter((task) => task.status === 'open');
    expect(sentFollowUp.map((task) => task.kind)).toEqual(['follow_up']);

    // The client withdraws consent before the first follow-up falls due (one cadence after sending).
    await sendAll(stack, opportunityId, [rep.base('RECORD_CONSENT', { consent: 'withdrawn' })]);
    const paused = await stack.deals.describe(opportunityId);
    expect(paused.explanation.pauses.followUp).toEqual({ paused: true, reasons: ['consent'] });
    expect((await getOpportunity(stack.db, opportunityId))?.followUpPauseReasons).toEqual(['consent']);
    const atPause = await clientContactTasks(opportunityId);
    // Open client contact is cancelled when the pause starts, with the pause's reasons.
    const cancelled = atPause.find((task) => task.id === sentFollowUp[0].id)!;
    expect([cancelled.status, cancelled.closedReason, cancelled.closedNote]).toEqual([
      'cancelled',
      'follow_up_paused',
      'consent',
    ]);
    await sleep(2 * cadence + 1_000);
    // F1: while follow-up is paused no task asks anyone to contact the client. None is open (a reminder of
    // the timer, the follow-up of SEND_PROPOSAL's next action, one from before the pause) and none was created.
    const whilePaused = await clientContactTasks(opportunityId);
    const named = (tasks: typeof whilePaused) => tasks.map((task) => `${task.kind} (${task.status}): ${task.title}`);
    expect(named(whilePaused.filter((task) => task.status === 'open'))).toEqual([]);
    const known = new Set(atPause.map((task) => task.id));
    expect(named(whilePaused.filter((task) => !known.has(task.id)))).toEqual([]);
    expect((await stack.deals.describe(opportunityId)).state.context.proposal.lastFollowUpAt).toBeNull();

    const lifted = await sendAll(stack, opportunityId, [rep.base('RECORD_CONSENT', { consent: 'granted' })]);
    const liftedAt = Date.parse(lifted.state.context.lastActivityAt);
    const tasks = await eventually(async () => {
      const found = await timerFollowUps(opportunityId);
      return found.length >= 2 ? found : undefined;
    });
    expect(tasks).toHaveLength(2); // policy: at most two follow-ups per sent proposal
    expect(tasks.map((task) => task.ownerId)).toEqual([REP.id, REP.id]);
    // No burst of the follow-ups missed while paused: the first is one cadence after the lift, the next one more.
    expect(tasks.map((task) => task.dueAt.getTime() - liftedAt)).toEqual([cadence, 2 * cadence]);
    const view = await stack.deals.describe(opportunityId);
    expect(view.state.context.proposal.lastFollowUpAt).not.toBeNull();
    const recorded = (await listEvents(stack.db, { opportunityId, limit: 100 })).items.filter(
      (e) => e.eventType === 'RECORD_FOLLOW_UP',
    );
    expect(recorded.length).toBe(2);
    expect(recorded.every((e) => e.actorId === 'system')).toBe(true);
    await maybeRecordHistory(dealWorkflowId(opportunityId), 'deal-follow-ups-paused-then-resumed');
  });

  it('[DL1] flags a passed decision deadline, creates a task and (by policy) marks the deal lost with reason no_decision', async () => {
    const { opportunityId } = await dealAt(stack, 'approval');
    await sendAll(stack, opportunityId, [
      ops.base('APPROVE'),
      ops.base('APPROVE_CLIENT_SAFE_SUMMARY', FIRST_SUMMARY_APPROVAL),
      rep.withNext('SEND_PROPOSAL', { decisionDeadline: inSeconds(2), probability: 50 }),
    ]);
    const row = await eventually(async () => {
      const current = await getOpportunity(stack.db, opportunityId);
      return current?.stage === 'lost' ? current : undefined;
    });
    expect(row.lostReason).toBe('no_decision');
    expect(row.reactivateAt).not.toBeNull();
    const tasks = (await listTasks(stack.db, { opportunityId, kind: 'decision_deadline', limit: 10 })).items;
    expect(tasks).toHaveLength(1);
    // The deadline belonged to the sent version: losing the deal ends it, and its task with it.
    expect([tasks[0].status, tasks[0].closedReason]).toEqual(['cancelled', 'deadline_ended']);
  });

  it('[WB1][L1] opens win-back when the reactivation window opens (consent valid), and REACTIVATE returns the deal to lead with its history', async () => {
    const { opportunityId } = await dealAt(stack, 'discovery');
    await sendAll(stack, opportunityId, [
      rep.base('MARK_LOST', { reason: 'budget', detail: 'Budget frozen until spring', reactivateAt: inSeconds(2) }),
    ]);
    expect((await getOpportunity(stack.db, opportunityId))?.stage).toBe('lost');
    const task = await eventually(
      async () => (await listTasks(stack.db, { opportunityId, kind: 'win_back', limit: 5 })).items[0],
    );
    expect(task.ownerId).toBe(REP.id);
    const started = await eventually(async () =>
      (await listEvents(stack.db, { opportunityId, limit: 100 })).items.find((e) => e.eventType === 'WIN_BACK_STARTED'),
    );
    expect(started.payload).toMatchObject({ consentGranted: true, taskCreated: true });

    const before = (await listEvents(stack.db, { opportunityId, limit: 100 })).items.length;
    const view = await sendAll(stack, opportunityId, [rep.withNext('REACTIVATE')]);
    expect(view.state.stage).toBe('lead');
    expect(view.state.context.lostHistory).toHaveLength(1);
    expect(view.state.context.lostHistory[0]).toMatchObject({ reason: 'budget', detail: 'Budget frozen until spring' });
    const after = (await listEvents(stack.db, { opportunityId, limit: 100 })).items;
    expect(after.length).toBe(before + 1);
    expect(after.at(-1)).toMatchObject({ eventType: 'REACTIVATE', stageBefore: 'lost', stageAfter: 'lead' });
    // The workflow's own note has a log position of its own; versions count the deal's state.
    expect(after.map((e) => e.position)).toEqual(after.map((_, i) => i + 1));
    const note = after.findIndex((e) => e.eventType === 'WIN_BACK_STARTED');
    expect(after[note].version).toBe(after[note - 1].version);
    expect(after.at(-1)!.version).toBe(after[note].version + 1);
    await maybeRecordHistory(dealWorkflowId(opportunityId), 'deal-lost-win-back-reactivated');
  });

  it('[WB1][F1] creates no win-back task while follow-up is paused (consent withdrawn, or contact timing not valid), but records that the window opened', async () => {
    const cases = [
      { pause: { consent: 'withdrawn' }, consentGranted: false },
      { pause: { contactTimingValid: false }, consentGranted: true },
    ];
    for (const { pause, consentGranted } of cases) {
      const { opportunityId } = await dealAt(stack, 'qualified');
      await sendAll(stack, opportunityId, [
        rep.base('RECORD_CONSENT', pause),
        rep.base('MARK_LOST', { reason: 'timing', reactivateAt: inSeconds(1) }),
      ]);
      const started = await eventually(async () =>
        (await listEvents(stack.db, { opportunityId, limit: 100 })).items.find(
          (e) => e.eventType === 'WIN_BACK_STARTED',
        ),
      );
      expect([pause, started.payload]).toEqual([
        pause,
        expect.objectContaining({ consentGranted, followUpPaused: true, taskCreated: false }),
      ]);
      // No task of the deal asks anyone to contact the client: the pause closed the open follow-up.
      const contact = await clientContactTasks(opportunityId);
      expect([pause, contact.filter((task) => task.kind === 'win_back' || task.status === 'open')]).toEqual([
        pause,
        [],
      ]);
    }
  });

  it('[M1] flags a deal without activity dormant and records its recovery when a rep acts again', async () => {
    const { opportunityId } = await dealAt(stack, 'qualified');
    await eventually(async () => ((await getOpportunity(stack.db, opportunityId))?.dormant ? true : undefined));
    const description = await stack.temporal.workflow.getHandle(dealWorkflowId(opportunityId)).describe();
    expect(description.typedSearchAttributes.get({ name: 'DealDormant', type: 'BOOL' } as never)).toBe(true);
    const flagged = await eventually(async () =>
      (await listEvents(stack.db, { opportunityId, limit: 100 })).items.find((e) => e.eventType === 'DORMANT_FLAGGED'),
    );
    expect(flagged.actorId).toBe('system');
    await sendAll(stack, opportunityId, [
      rep.base('SET_NEXT_ACTION', { nextAction: nextAction(REP.id, { dueInSeconds: 3_600 }) }),
    ]);
    expect((await getOpportunity(stack.db, opportunityId))?.dormant).toBe(false);
    const recovered = (await listEvents(stack.db, { opportunityId, limit: 100 })).items.filter(
      (e) => e.eventType === 'DORMANT_RECOVERED',
    );
    expect(recovered).toHaveLength(1);
    expect(recovered[0].payload).toMatchObject({ recoveredBy: 'SET_NEXT_ACTION' });
    const log = (await listEvents(stack.db, { opportunityId, limit: 100 })).items;
    expect(log.map((e) => e.position)).toEqual(log.map((_, i) => i + 1));
    expect(log.map((e) => e.eventType).slice(-3)).toEqual(['DORMANT_FLAGGED', 'SET_NEXT_ACTION', 'DORMANT_RECOVERED']);
    await maybeRecordHistory(dealWorkflowId(opportunityId), 'deal-dormant-flagged-and-recovered');
  });
});
