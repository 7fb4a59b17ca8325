import { randomUUID } from 'node:crypto';
import { tsToMs } from '@temporalio/common/lib/time';
import { listEvents } from '../../../db/queries/events';
import { getOpportunity } from '../../../db/queries/opportunities';
import { listTasks } from '../../../db/queries/tasks';
import { DomainError } from '../../../api/errors';
import { QUALIFICATION_FACTS } from '../../../machines/opportunity';
import { ARM_LEAD_MS } from '../../../workflows/deal/alarm';
import { dealWorkflowId } from '../../../workflows/deal/messages';
import { eventFactory, nextAction } from '../../../fixtures/deal-events';
import { dealAt, openTestDeal, OPS, REP, sendAll } from '../../support/deals';
import { eventually, sleep } from '../../support/kit';
import { maybeRecordHistory } from '../../support/histories';
import { startTestStack, type TestStack } from '../../support/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ policy: { escalationGraceSeconds: 2, continueAsNewAfterEvents: 4 } });
});
afterAll(async () => {
  await stack?.stop();
});

const rep = eventFactory(REP);
const refusal = async (promise: Promise<unknown>): Promise<DomainError> => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
};

describe('the deal workflow on the real Temporal server', () => {
  it('[E1] records each accepted event with owner, timestamp, stage before and after and next action, and projects it', async () => {
    const { opportunityId } = await openTestDeal(stack);
    const due = nextAction(REP.id, { dueInSeconds: 3_600, description: 'Send the discovery agenda' });
    await sendAll(stack, opportunityId, [
      rep.base('RECORD_QUALIFICATION', { facts: { source: 'Referral', urgency: 'Q3' }, nextAction: due }),
    ]);
    const events = (await listEvents(stack.db, { opportunityId, limit: 10 })).items;
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      eventType: 'RECORD_QUALIFICATION',
      stageBefore: 'lead',
      stageAfter: 'lead',
      ownerId: REP.id,
      actorId: REP.id,
      version: 1,
      nextAction: due,
    });
    expect(events[0].occurredAt).toBeInstanceOf(Date);
    const row = await getOpportunity(stack.db, opportunityId);
    expect(row).toMatchObject({ version: 1, nextActionDescription: 'Send the discovery agenda', stage: 'lead' });
  });

  it('[DL1] events that bring no deadline nearer keep the pending timer: none is cancelled or started again', async () => {
    const { opportunityId } = await openTestDeal(stack);
    await sendAll(stack, opportunityId, [
      rep.base('RECORD_QUALIFICATION', { facts: { source: 'Referral' } }),
      rep.base('RECORD_QUALIFICATION', { facts: { urgency: 'Q3' } }),
      rep.base('RECORD_QUALIFICATION', { facts: { budget_signal: 'Approved' } }),
    ]);
    const history = await stack.temporal.workflow.getHandle(dealWorkflowId(opportunityId)).fetchHistory();
    const events = history.events ?? [];
    expect(events.filter((event) => event.workflowExecutionUpdateCompletedEventAttributes)).toHaveLength(4);
    // Each rep event moves dormancy later; the one timer set when the deal opened still stands.
    expect(events.filter((event) => event.timerStartedEventAttributes)).toHaveLength(1);
    expect(events.filter((event) => event.timerCanceledEventAttributes)).toHaveLength(0);
  });

  it('[Q1][E1] refuses a move naming every unmet gate, leaves no trace in history and writes nothing', async () => {
    const { opportunityId } = await openTestDeal(stack);
    const refused = await refusal(stack.deals.apply(opportunityId, rep.base('QUALIFY'), { requestId: randomUUID() }));
    expect(refused.status).toBe(409);
    expect(refused.extra.unmetGates).toEqual(expect.arrayContaining([...QUALIFICATION_FACTS, 'next_action']));
    const history = await stack.temporal.workflow.getHandle(dealWorkflowId(opportunityId)).fetchHistory();
    const accepted = (history.events ?? []).filter((event) => event.workflowExecutionUpdateAcceptedEventAttributes);
    // Only the opening update entered history: the refused one was rejected by the validator.
    expect(accepted).toHaveLength(1);
    expect((await listEvents(stack.db, { opportunityId, limit: 10 })).items).toHaveLength(0);
    expect((await getOpportunity(stack.db, opportunityId))?.version).toBe(0);
  });

  it('applies an update sent twice with one idempotency key once, also across continue-as-new', async () => {
    const { opportunityId } = await openTestDeal(stack);
    const handle = stack.temporal.workflow.getHandle(dealWorkflowId(opportunityId));
    const firstRun = (await handle.describe()).runId;
    const key = randomUUID();
    const event = rep.base('RECORD_CONSENT', { consent: 'granted' });
    const first = await stack.deals.apply(opportunityId, event, { requestId: key });
    const again = await stack.deals.apply(opportunityId, event, { requestId: key });
    expect(again.version).toBe(first.version);
    // Four more events pass the policy's continue-as-new threshold.
    await sendAll(stack, opportunityId, [
      rep.base('RECORD_CONSENT', { contactTimingValid: true }),
      rep.base('RECORD_CONSENT', { sourceContextValid: true }),
      rep.base('RECORD_CONSENT', { decisionPathVerified: true }),
      rep.base('RECORD_QUALIFICATION', { facts: { source: 'Referral' } }),
    ]);
    const nextRun = await eventually(async () => {
      const runId = (await handle.describe()).runId;
      return runId !== firstRun ? runId : undefined;
    });
    expect(nextRun).not.toBe(firstRun);
    const afterContinue = await stack.deals.apply(opportunityId, event, { requestId: key });
    expect(afterContinue.version).toBe(5);
    const events = (await listEvents(stack.db, { opportunityId, limit: 50 })).items;
    expect(events.filter((row) => row.idempotencyKey.endsWith(key))).toHaveLength(1);
    expect(events).toHaveLength(5);
  });

  it('[DL1][TK1] flags a missed next action overdue, creates a task, shows it to ops in search attributes, then escalates', async () => {
    const { opportunityId } = await openTestDeal(stack, { firstActionDueInSeconds: 1 });
    const row = await eventually(async () => {
      const current = await getOpportunity(stack.db, opportunityId);
      return current?.overdue ? current : undefined;
    });
    expect(row.overdue).toBe(true);
    const tasks = await eventually(async () => {
      const page = await listTasks(stack.db, { opportunityId, limit: 20 });
      const kinds = page.items.map((task) => task.kind);
      return kinds.includes('next_action_overdue') && kinds.includes('escalation') ? page.items : undefined;
    });
    const escalation = tasks.find((task) => task.kind === 'escalation')!;
    const overdue = tasks.find((task) => task.kind === 'next_action_overdue')!;
    // The escalation waits in the ops queue until someone takes it; the overdue reminder is the owner's.
    expect([escalation.queue, escalation.ownerId, escalation.status]).toEqual(['ops', null, 'open']);
    expect([overdue.queue, overdue.ownerId, overdue.status]).toEqual([null, REP.id, 'open']);
    const listed = await eventually(async () => {
      const found: string[] = [];
      for await (const execution of stack.temporal.workflow.list({
        query: `DealOverdue = true AND WorkflowId = '${dealWorkflowId(opportunityId)}'`,
      })) {
        found.push(execution.workflowId);
      }
      return found.length ? found : undefined;
    });
    expect(listed).toEqual([dealWorkflowId(opportunityId)]);
    const description = await stack.temporal.workflow.getHandle(dealWorkflowId(opportunityId)).describe();
    expect(description.typedSearchAttributes.get({ name: 'DealStage', type: 'KEYWORD' } as never)).toBe('lead');
    // The Temporal UI's list shows the static summary, its workflow page the current details.
    expect(await description.staticSummary()).toMatch(/^Company [0-9a-f]{8} · Lead-flow automation$/);
    const metadata = await stack.temporal.workflow
      .getHandle(dealWorkflowId(opportunityId))
      .query<{ currentDetails: string }>('__temporal_workflow_metadata');
    expect(metadata.currentDetails).toContain('Stage: **lead**');
    expect(metadata.currentDetails).toContain('Stuck: next action overdue');

    // A new next action clears the flag and supersedes what the missed one raised.
    await sendAll(stack, opportunityId, [
      rep.base('SET_NEXT_ACTION', { nextAction: nextAction(REP.id, { dueInSeconds: 3_600 }) }),
    ]);
    expect((await getOpportunity(stack.db, opportunityId))?.overdue).toBe(false);
    const after = (await listTasks(stack.db, { opportunityId, limit: 20 })).items;
    for (const raised of [escalation, overdue]) {
      const now = after.find((task) => task.id === raised.id)!;
      expect([now.kind, now.status, now.closedReason]).toEqual([raised.kind, 'cancelled', 'superseded']);
    }
    await maybeRecordHistory(dealWorkflowId(opportunityId), 'deal-overdue-escalated');
  });

  it('[DL1] a long wait is armed early and re-armed for the rest, so a busy worker at arming time does not make the deadline late', async () => {
    const { opportunityId, view } = await openTestDeal(stack, { firstActionDueInSeconds: 7 });
    const dueAt = Date.parse(view.state.context.nextAction!.dueAt);
    await eventually(async () => ((await getOpportunity(stack.db, opportunityId))?.overdue ? true : undefined));
    const events = (await stack.temporal.workflow.getHandle(dealWorkflowId(opportunityId)).fetchHistory()).events ?? [];
    const flagged = events.findIndex(
      (event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'flagOverdueWithTask',
    );
    const before = events.slice(0, flagged);
    const started = before.filter((event) => event.timerStartedEventAttributes);
    const fired = before.filter((event) => event.timerFiredEventAttributes);
    expect(started).toHaveLength(2);
    expect(fired).toHaveLength(2);
    // The first rings about ARM_LEAD_MS before the due time; the second waits out the rest.
    expect(tsToMs(fired[0].eventTime)).toBeLessThan(dueAt);
    expect(tsToMs(started[0].timerStartedEventAttributes?.startToFireTimeout)).toBeLessThan(7_000 - ARM_LEAD_MS + 500);
    expect(tsToMs(started[1].timerStartedEventAttributes?.startToFireTimeout)).toBeLessThanOrEqual(ARM_LEAD_MS);
    expect(tsToMs(fired[1].eventTime)).toBeGreaterThanOrEqual(dueAt);
    await maybeRecordHistory(dealWorkflowId(opportunityId), 'deal-timer-lead');
  });

  it('[DL1] a timer that fires while no worker runs is acted on when a worker returns', async () => {
    const { opportunityId } = await openTestDeal(stack, { firstActionDueInSeconds: 2 });
    await stack.stopWorker();
    try {
      await sleep(3_000);
      expect((await getOpportunity(stack.db, opportunityId))?.overdue).toBe(false);
    } finally {
      await stack.startWorker();
    }
    await eventually(async () => ((await getOpportunity(stack.db, opportunityId))?.overdue ? true : undefined));
  });

  it('[E1][TK1] a deal on the happy path reaches contract with one event row per accepted event and a task for each promise', async () => {
    const { opportunityId, view } = await dealAt(stack, 'contract');
    expect(view.state.stage).toBe('contract');
    const events = (await listEvents(stack.db, { opportunityId, limit: 100 })).items;
    expect(events.map((e) => e.version)).toEqual(events.map((_, index) => index + 1));
    expect(events.every((e) => e.nextAction !== null && e.ownerId === REP.id)).toBe(true);
    expect((await getOpportunity(stack.db, opportunityId))?.stage).toBe('contract');
    const tasks = (await listTasks(stack.db, { opportunityId, limit: 100 })).items;
    const byKind = (kind: string) => tasks.filter((task) => task.kind === kind);
    // The review waited in the ops queue; the approval closed it and names who decided.
    expect(
      byKind('proposal_review').map((task) => [task.queue, task.status, task.closedReason, task.closedBy]),
    ).toEqual([['ops', 'done', 'proposal_decided', OPS.id]]);
    expect(byKind('contract_step').map((task) => [task.ownerId, task.status])).toEqual([[REP.id, 'open']]);
    // Every next action is a promised task with its owner and due date: the lead's first one is internal work
    // (`next_action`, follow-up paused until consent, F1), each given with an event after consent a follow-up.
    const given = events.flatMap((e) => {
      const next = (e.payload as { nextAction?: { dueAt: string } }).nextAction;
      return next ? [Date.parse(next.dueAt)] : [];
    });
    const promised = [...byKind('next_action'), ...byKind('follow_up')];
    const ascending = (x: number, y: number) => x - y;
    expect(byKind('next_action')).toHaveLength(1);
    expect(byKind('follow_up')).toHaveLength(given.length);
    expect(promised.every((task) => task.ownerId === REP.id)).toBe(true);
    expect(
      byKind('follow_up')
        .map((task) => task.dueAt.getTime())
        .sort(ascending),
    ).toEqual(given.sort(ascending));
    // Each new next action supersedes the one before: only the latest is open.
    expect(promised.filter((task) => task.status === 'open')).toHaveLength(1);
    expect(promised.filter((task) => task.status !== 'open').every((task) => task.closedReason === 'superseded')).toBe(
      true,
    );
  });
});
