import { spawn } from 'node:child_process';
import path from 'node:path';
import { handoffRecords } from '../../../db/queries/handoff';
import { getOpportunity } from '../../../db/queries/opportunities';
import { listTasks } from '../../../db/queries/tasks';
import { HANDOFF_STEPS } from '../../../workflows/deal/handoff';
import { eventFactory } from '../../../fixtures/deal-events';
import { dealAt, REP, sendAll } from '../../support/deals';
import { eventually } from '../../support/kit';
import { maybeRecordHistory } from '../../support/histories';
import { startTestStack, type TestStack } from '../../support/stack';

const root = path.resolve(__dirname, '../../..');
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

const rep = eventFactory(REP);

async function handoffRowCounts(opportunityId: string) {
  const { rows } = await stack.db.$client.query(
    `select
       (select count(*)::int from clients where key like $1) as clients,
       (select count(*)::int from client_services where opportunity_id = $2) as client_services,
       (select count(*)::int from projects where opportunity_id = $2) as projects,
       (select count(*)::int from portal_users where opportunity_id = $2) as portal_users,
       (select count(*)::int from connector_accounts where opportunity_id = $2) as connector_accounts,
       (select count(*)::int from data_sources where opportunity_id = $2) as data_sources,
       (select count(*)::int from metric_snapshots where opportunity_id = $2) as metric_snapshots,
       (select count(*)::int from onboarding_checklists where opportunity_id = $2) as onboarding_checklists,
       (select count(*)::int from tasks where opportunity_id = $2 and kind = 'delivery') as delivery_tasks`,
    [`${opportunityId}:%`, opportunityId],
  );
  return rows[0] as Record<string, number>;
}

const EXACTLY_ONCE = {
  clients: 1,
  client_services: 1,
  projects: 1,
  portal_users: 1,
  connector_accounts: 1,
  data_sources: 1,
  metric_snapshots: 1,
  onboarding_checklists: 1,
  // kickoff + one launch blocker + the MARK_WON handoff task
  delivery_tasks: 2,
};

describe('the won-deal handoff', () => {
  it('[W1][W2][TK1] moves a won deal into client, project, task, portal, connector and reporting records, then to handed_off', async () => {
    const { opportunityId } = await dealAt(stack, 'contract');
    const refused = await stack.deals.apply(opportunityId, rep.withNext('MARK_WON'), {}).catch((error) => error);
    expect(refused.extra?.unmetGates).toEqual([
      'contract_state',
      'payment_state',
      'kickoff_date',
      'onboarding_owner',
      'launch_blockers',
    ]);
    await sendAll(stack, opportunityId, [
      rep.base('RECORD_CONTRACT', {
        contractState: 'signed',
        paymentState: 'deposit_paid',
        kickoffDate: '2026-12-07',
        onboardingOwner: REP.id,
        launchBlockers: ['Twilio number port'],
      }),
      rep.withNext('MARK_WON'),
    ]);
    const row = await eventually(async () => {
      const current = await getOpportunity(stack.db, opportunityId);
      return current?.stage === 'handed_off' ? current : undefined;
    });
    expect(row.stage).toBe('handed_off');
    expect(await handoffRowCounts(opportunityId)).toEqual(EXACTLY_ONCE);
    const records = await handoffRecords(stack.db, opportunityId);
    expect(records).toMatchObject({
      client: true,
      project: true,
      tasks: true,
      portal: true,
      connectors: true,
      reporting: true,
    });
    const runs = await stack.db.$client.query(
      `select step, status from automation_runs where opportunity_id = $1 order by id`,
      [opportunityId],
    );
    expect(
      runs.rows
        .filter((r) => r.status === 'succeeded')
        .map((r) => r.step)
        .sort(),
    ).toEqual([...HANDOFF_STEPS].sort());
    const view = await stack.deals.describe(opportunityId).catch(() => undefined);
    // The workflow completes once delivery owns the deal; its result names the final stage.
    const result = await stack.temporal.workflow.getHandle(`opportunity-${opportunityId}`).result();
    expect(result.stage).toBe('handed_off');
    await maybeRecordHistory(`opportunity-${opportunityId}`, 'deal-full-path-to-handed-off');
    await maybeRecordHistory(`handoff-${opportunityId}`, 'handoff-child');
    expect(view === undefined || view.state.stage === 'handed_off').toBe(true);
    // Delivery's tasks stay open for the onboarding owner; the sales tasks the win promised end with it.
    const delivery = (await listTasks(stack.db, { opportunityId, kind: 'delivery', limit: 10 })).items;
    expect(delivery.map((t) => [t.title, t.status]).sort()).toEqual([
      ['Clear launch blocker: Twilio number port', 'open'],
      [expect.stringMatching(/^Run the kickoff with /), 'open'],
    ]);
    const tasks = (await listTasks(stack.db, { opportunityId, kind: 'onboarding_handoff', limit: 10 })).items;
    const handOver = tasks.find((t) => t.title.startsWith('Hand '))!;
    expect([handOver.status, handOver.closedReason]).toEqual(['done', 'handed_off']);
    const contractStep = (await listTasks(stack.db, { opportunityId, kind: 'contract_step', limit: 10 })).items;
    expect(contractStep.map((t) => [t.status, t.closedReason, t.closedBy])).toEqual([['done', 'deal_won', REP.id]]);
  });

  it('[W1] a worker killed (SIGKILL) in the middle of the handoff leaves exactly one of each record after restart', async () => {
    await stack.stopWorker();
    const env = { ...process.env, TASK_QUEUE: stack.taskQueue };
    const runWorker = (extra: Record<string, string>) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/fault-worker.ts'], {
        cwd: root,
        env: { ...env, ...extra },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout!.on('data', (chunk) => (output += chunk));
      child.stderr!.on('data', (chunk) => (output += chunk));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.once('exit', (code, signal) => resolve({ code, signal })),
      );
      return { child, exited, output: () => output };
    };
    const doomed = runWorker({ KILL_AFTER_HANDOFF_STEP: 'portal_user' });
    try {
      const { opportunityId } = await dealAt(stack, 'won');
      const death = await doomed.exited;
      expect(death.signal).toBe('SIGKILL');
      const partial = await handoffRowCounts(opportunityId);
      expect(partial.portal_users).toBe(1); // written before the kill, not yet acknowledged
      expect(partial.connector_accounts).toBe(0);

      const healthy = runWorker({});
      try {
        await eventually(
          async () => ((await getOpportunity(stack.db, opportunityId))?.stage === 'handed_off' ? true : undefined),
          60_000,
        );
        expect(await handoffRowCounts(opportunityId)).toEqual(EXACTLY_ONCE);
      } finally {
        healthy.child.kill('SIGTERM');
        await healthy.exited;
      }
    } finally {
      if (doomed.child.exitCode === null && doomed.child.signalCode === null) doomed.child.kill('SIGKILL');
      await stack.startWorker();
    }
  });
});
