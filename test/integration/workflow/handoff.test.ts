/**
 * The won-deal handoff through Temporal and Postgres (W1, HO1): real records from the context
 * recorded in `contract`, a returning client reused, a handoff that waits for people while
 * something holds it up and moves on by itself when ops clear it, and crashes that repeat nothing.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { handoffRecords } from '../../../db/queries/handoff';
import { getOpportunity } from '../../../db/queries/opportunities';
import { listTasks } from '../../../db/queries/tasks';
import { HANDOFF_STEPS } from '../../../workflows/deal/handoff';
import {
  eventFactory,
  FIXTURE_SCOPE,
  FIXTURE_SERVICE,
  fixtureClient,
  stepsUpTo,
  type FixtureClient,
  type FixtureStep,
} from '../../../fixtures/deal-events';
import { dealAt, OPS, openTestDeal, REP, sendAll } from '../../support/deals';
import { eventually } from '../../support/kit';
import { maybeRecordHistory } from '../../support/histories';
import { startTestStack, type TestStack } from '../../support/stack';

const root = path.resolve(__dirname, '../../..');
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ policy: { handoffReminderSeconds: 4, handoffStepAttempts: 2 } });
});
afterAll(async () => {
  await stack?.stop();
});

const ops = eventFactory(OPS);
const sql = async (text: string, params: unknown[]) => (await stack.db.$client.query(text, params)).rows;

async function handoffRowCounts(opportunityId: string) {
  const [row] = await sql(
    `select
       (select count(*)::int from clients where key like $1) as clients,
       (select count(*)::int from client_services where opportunity_id = $2) as client_services,
       (select count(*)::int from projects where opportunity_id = $2) as projects,
       (select count(*)::int from portal_users where opportunity_id = $2) as portal_users,
       (select count(*)::int from users where client_id = (select client_id from opportunities where id = $2) and role = 'portal') as portal_logins,
       (select count(*)::int from connector_accounts where opportunity_id = $2) as connector_accounts,
       (select count(*)::int from data_sources where opportunity_id = $2) as data_sources,
       (select count(*)::int from metric_snapshots where opportunity_id = $2) as metric_snapshots,
       (select count(*)::int from onboarding_checklists where opportunity_id = $2) as onboarding_checklists,
       (select count(*)::int from tasks where opportunity_id = $2 and kind = 'delivery') as delivery_tasks`,
    [`${opportunityId}:%`, opportunityId],
  );
  return row as Record<string, number>;
}

const EXACTLY_ONCE = {
  clients: 1,
  client_services: 1,
  projects: 1,
  portal_users: 1,
  portal_logins: 1,
  connector_accounts: 1,
  data_sources: 1,
  metric_snapshots: 1,
  onboarding_checklists: 1,
  // kickoff + one launch blocker
  delivery_tasks: 2,
};

const stageOf = async (opportunityId: string) => (await getOpportunity(stack.db, opportunityId))?.stage;
const handedOff = (opportunityId: string, timeoutMs = 60_000) =>
  eventually(async () => ((await stageOf(opportunityId)) === 'handed_off' ? true : undefined), timeoutMs);

/** The happy path to `won` with the context changed by `edit` (an event of the contract stage, by type). */
function stepsToWon(client: FixtureClient, edit: Record<string, Record<string, unknown>> = {}): FixtureStep[] {
  return stepsUpTo('won', REP, OPS, client).map((step) => {
    const change = edit[String(step.event.type)];
    return change ? { ...step, event: { ...step.event, ...change } } : step;
  });
}

/** A won deal whose handoff waits: returns once its blockers are published. */
async function wonAndWaiting(client: FixtureClient, edit: Record<string, Record<string, unknown>>) {
  const { opportunityId } = await openTestDeal(stack);
  await sendAll(stack, opportunityId, stepsToWon(client, edit));
  const blockers = await eventually(async () => {
    const [row] = await sql(`select handoff_blockers from opportunities where id = $1`, [opportunityId]);
    return (row?.handoff_blockers as unknown[] | undefined)?.length ? row.handoff_blockers : undefined;
  });
  return { opportunityId, blockers };
}

const grantHubspot = () =>
  ops.base('RECORD_CONNECTOR_ACCOUNT', {
    connectorId: 'hubspot',
    provider: 'HubSpot',
    accountRef: 'portal 4411',
    access: 'granted',
  });

describe('the won-deal handoff', () => {
  it('[W1][W2][HO1][TK1] a won deal with complete context reaches handed_off with every record holding the recorded values', async () => {
    const client = fixtureClient();
    const { opportunityId } = await dealAt(stack, 'won', REP, OPS, client);
    await handedOff(opportunityId);
    expect(await handoffRowCounts(opportunityId)).toEqual(EXACTLY_ONCE);

    const [clientRow] = await sql(
      `select c.name, c.domain from clients c join opportunities o on o.client_id = c.id where o.id = $1`,
      [opportunityId],
    );
    expect(clientRow).toEqual({ name: client.name, domain: client.domain });
    const [project] = await sql(
      `select name, owner_id, kickoff_date::text as kickoff, scope, line_items from projects where opportunity_id = $1`,
      [opportunityId],
    );
    expect(project).toMatchObject({ owner_id: REP.id, kickoff: '2026-12-07', scope: FIXTURE_SCOPE });
    expect(project.line_items).toEqual([
      expect.objectContaining({ description: 'Setup', unitPriceCents: 250_000, serviceId: FIXTURE_SERVICE.id }),
    ]);
    expect(
      await sql(`select service_id, name from client_services where opportunity_id = $1`, [opportunityId]),
    ).toEqual([{ service_id: FIXTURE_SERVICE.id, name: FIXTURE_SERVICE.name }]);
    const portal = await sql(
      `select p.email, p.name, p.status, u.role, u.email as login from portal_users p join users u on u.id = p.user_id
        where p.opportunity_id = $1`,
      [opportunityId],
    );
    expect(portal).toEqual([
      {
        email: `dana@${client.domain}`,
        name: 'Dana Office',
        status: 'invited',
        role: 'portal',
        login: `dana@${client.domain}`,
      },
    ]);
    expect(
      await sql(
        `select c.provider, c.external_account_id, c.status, d.kind, d.name
           from connector_accounts c join data_sources d on d.connector_account_id = c.id where c.opportunity_id = $1`,
        [opportunityId],
      ),
    ).toEqual([
      {
        provider: 'HubSpot',
        external_account_id: 'portal 4411',
        status: 'granted',
        kind: 'crm',
        name: 'HubSpot leads',
      },
    ]);
    const [baseline] = await sql(
      `select values from metric_snapshots where opportunity_id = $1 and kind = 'reporting_baseline'`,
      [opportunityId],
    );
    expect(baseline.values.figures.map((f: { metric: string; value: number }) => [f.metric, f.value])).toEqual([
      ['monthly_leads', 120],
      ['response_time', 4.5],
      ['booked_jobs', 31],
    ]);

    const records = await handoffRecords(stack.db, opportunityId);
    expect([records.complete, records.missing]).toEqual([true, []]);
    const runs = await sql(`select step, status from automation_runs where opportunity_id = $1`, [opportunityId]);
    expect(
      runs
        .filter((r) => r.status === 'succeeded')
        .map((r) => r.step)
        .sort(),
    ).toEqual([...HANDOFF_STEPS].sort());
    const result = await stack.temporal.workflow.getHandle(`opportunity-${opportunityId}`).result();
    expect(result.stage).toBe('handed_off');
    await maybeRecordHistory(`opportunity-${opportunityId}`, 'deal-full-path-to-handed-off');
    await maybeRecordHistory(`handoff-${opportunityId}`, 'handoff-child');
    // Delivery's tasks stay open for the onboarding owner; the sales tasks the win promised end with it.
    const delivery = (await listTasks(stack.db, { opportunityId, kind: 'delivery', limit: 10 })).items;
    expect(delivery.map((t) => [t.title, t.status]).sort()).toEqual([
      ['Clear launch blocker: Twilio number port', 'open'],
      [expect.stringMatching(/^Run the kickoff with /), 'open'],
    ]);
    const handOver = (await listTasks(stack.db, { opportunityId, kind: 'onboarding_handoff', limit: 10 })).items;
    expect(handOver.map((t) => [t.status, t.closedReason])).toEqual([['done', 'handed_off']]);
    // Nothing held it up: no blocker task was ever opened.
    expect((await listTasks(stack.db, { opportunityId, kind: 'handoff_blocker', limit: 10 })).items).toEqual([]);
  });

  it('[HO1] a second won deal of the same client reuses the client, matched by another spelling of its name or by its domain', async () => {
    const client = fixtureClient();
    const first = await dealAt(stack, 'won', REP, OPS, client);
    await handedOff(first.opportunityId);
    const bySpelling = await dealAt(stack, 'won', REP, OPS, {
      name: `${client.name.toUpperCase()}, LLC`,
      domain: `www.${client.domain}`,
    });
    await handedOff(bySpelling.opportunityId);
    const [a, b] = await Promise.all([first, bySpelling].map((d) => getOpportunity(stack.db, d.opportunityId)));
    expect(a?.clientId).toMatch(/^[0-9a-f-]{36}$/);
    expect(b?.clientId).toBe(a?.clientId);
    const [count] = await sql(`select count(*)::int as n from clients where domain = $1 or name = $2`, [
      client.domain,
      client.name,
    ]);
    expect(count.n).toBe(1);
    // The portal contact already logs in for this client: one login, a portal access row per deal.
    const logins = await sql(`select count(*)::int as n from users where email = $1`, [`dana@${client.domain}`]);
    expect(logins[0].n).toBe(1);
  });

  it('[HO1][TK1][DL1] a connector whose access is only requested holds the deal in won with that blocker, a task and a reminder; granting it moves the deal on by itself', async () => {
    const client = fixtureClient();
    const { opportunityId, blockers } = await wonAndWaiting(client, {
      RECORD_CONNECTOR_ACCOUNT: { access: 'requested' },
    });
    expect(blockers).toEqual([
      { code: 'connector_access', ref: 'hubspot', detail: 'access to HubSpot account portal 4411 is requested' },
    ]);
    expect(await stageOf(opportunityId)).toBe('won');
    const view = await stack.deals.describe(opportunityId);
    expect(view.handoff.blockers.map((b) => b.code)).toEqual(['connector_access']);
    const description = await stack.temporal.workflow.getHandle(`opportunity-${opportunityId}`).describe();
    expect(description.searchAttributes.HandoffBlockers).toEqual(['connector_access']);
    const [task] = (await listTasks(stack.db, { opportunityId, kind: 'handoff_blocker', limit: 10 })).items;
    expect([task.status, task.queue, task.title]).toEqual([
      'open',
      'ops',
      `Handoff of ${(await getOpportunity(stack.db, opportunityId))!.company} waits: access to HubSpot account portal 4411 is requested`,
    ]);
    // Nothing of delivery exists while it waits.
    expect((await handoffRowCounts(opportunityId)).projects).toBe(0);
    // While it waits, the onboarding owner is reminded (policy: every 4 s here).
    const reminder = await eventually(async () => {
      const items = (await listTasks(stack.db, { opportunityId, kind: 'handoff_blocker', limit: 10 })).items;
      return items.find((t) => t.title.includes('still waits'));
    }, 20_000);
    expect([reminder.ownerId, reminder.status]).toEqual([REP.id, 'open']);

    await stack.deals.apply(opportunityId, grantHubspot(), {});
    await handedOff(opportunityId);
    expect(await handoffRowCounts(opportunityId)).toEqual(EXACTLY_ONCE);
    const closed = (await listTasks(stack.db, { opportunityId, kind: 'handoff_blocker', limit: 10 })).items;
    expect(closed.find((t) => t.id === task.id)).toMatchObject({ status: 'cancelled', closedReason: 'unblocked' });
    expect(closed.every((t) => t.status !== 'open')).toBe(true);
    const [after] = await sql(`select handoff_blockers from opportunities where id = $1`, [opportunityId]);
    expect(after.handoff_blockers).toEqual([]);
    const timeline = await sql(
      `select event_type from opportunity_events where opportunity_id = $1 order by position`,
      [opportunityId],
    );
    const types = timeline.map((r) => r.event_type);
    expect(types.slice(types.indexOf('MARK_WON'))).toEqual([
      'MARK_WON',
      'HANDOFF_WAITING',
      'HANDOFF_REMINDER',
      ...types.slice(
        types.indexOf('HANDOFF_REMINDER') + 1,
        types.indexOf('RECORD_CONNECTOR_ACCOUNT', types.indexOf('MARK_WON')),
      ),
      'RECORD_CONNECTOR_ACCOUNT',
      'HANDOFF_UNBLOCKED',
      'COMPLETE_HANDOFF',
    ]);
  });

  it('[HO1] a step that cannot be done (a portal contact who already logs in for another client) becomes a blocker with a task; correcting the contact retries it', async () => {
    const other = fixtureClient();
    const taken = await dealAt(stack, 'won', REP, OPS, other);
    await handedOff(taken.opportunityId);
    const client = fixtureClient();
    const { opportunityId, blockers } = await wonAndWaiting(client, {
      RECORD_PORTAL_CONTACTS: { contacts: [{ name: 'Dana Office', email: `dana@${other.domain}` }] },
    });
    expect(blockers).toEqual([
      { code: 'handoff_step_failed', ref: 'portal_user', detail: expect.stringContaining(`dana@${other.domain}`) },
    ]);
    const open = (await listTasks(stack.db, { opportunityId, kind: 'handoff_blocker', status: 'open', limit: 10 }))
      .items;
    expect(open.map((t) => t.queue)).toEqual(['ops']);
    await stack.deals.apply(
      opportunityId,
      ops.base('RECORD_PORTAL_CONTACTS', { contacts: [{ name: 'Dana Office', email: `dana@${client.domain}` }] }),
      {},
    );
    await handedOff(opportunityId);
    expect(await handoffRowCounts(opportunityId)).toEqual(EXACTLY_ONCE);
    expect(await sql(`select email from portal_users where opportunity_id = $1`, [opportunityId])).toEqual([
      { email: `dana@${client.domain}` },
    ]);
  });

  describe('a worker killed (SIGKILL)', () => {
    const env = () => ({ ...process.env, TASK_QUEUE: stack.taskQueue });
    const runWorker = (extra: Record<string, string>) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/fault-worker.ts'], {
        cwd: root,
        env: { ...env(), ...extra },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.once('exit', (code, signal) => resolve({ code, signal })),
      );
      return { child, exited };
    };
    beforeEach(() => stack.stopWorker());
    afterEach(() => stack.startWorker());

    it('[W1] in the middle of the writes leaves exactly one of each record after restart', async () => {
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
          await handedOff(opportunityId);
          expect(await handoffRowCounts(opportunityId)).toEqual(EXACTLY_ONCE);
        } finally {
          healthy.child.kill('SIGTERM');
          await healthy.exited;
        }
      } finally {
        if (doomed.child.exitCode === null && doomed.child.signalCode === null) doomed.child.kill('SIGKILL');
      }
    });

    it('[HO1] a step failing past its retries becomes a blocker with an ops task; a reminder retries it once the outage is over', async () => {
      const failing = runWorker({ FAIL_HANDOFF_STEP: 'data_source' });
      let healthy: ReturnType<typeof runWorker> | undefined;
      try {
        const { opportunityId, blockers } = await wonAndWaiting(fixtureClient(), {});
        expect(blockers).toEqual([
          {
            code: 'handoff_step_failed',
            ref: 'data_source',
            detail: "The handoff's data source step failed: connection to the data_source store was reset",
          },
        ]);
        const [task] = (
          await listTasks(stack.db, { opportunityId, kind: 'handoff_blocker', status: 'open', limit: 10 })
        ).items;
        expect([task.queue, task.title]).toEqual(['ops', expect.stringContaining('data source step failed')]);
        expect(await stageOf(opportunityId)).toBe('won');
        failing.child.kill('SIGTERM');
        await failing.exited;
        healthy = runWorker({});
        // No one acts: the reminder (every 4 s here) tries the failed step again, and the deal moves on.
        await handedOff(opportunityId);
        expect(await handoffRowCounts(opportunityId)).toEqual(EXACTLY_ONCE);
        const after = (await listTasks(stack.db, { opportunityId, kind: 'handoff_blocker', limit: 10 })).items;
        expect(after.find((t) => t.id === task.id)).toMatchObject({ status: 'cancelled', closedReason: 'unblocked' });
      } finally {
        if (failing.child.exitCode === null && failing.child.signalCode === null) failing.child.kill('SIGKILL');
        if (healthy) {
          healthy.child.kill('SIGTERM');
          await healthy.exited;
        }
      }
    });

    it('[W1][HO1] while the handoff waits leaves one blocker task, and the handoff moves on after restart when access is granted', async () => {
      const doomed = runWorker({});
      let healthy: ReturnType<typeof runWorker> | undefined;
      try {
        const { opportunityId } = await wonAndWaiting(fixtureClient(), {
          RECORD_CONNECTOR_ACCOUNT: { access: 'requested' },
        });
        doomed.child.kill('SIGKILL');
        expect((await doomed.exited).signal).toBe('SIGKILL');
        healthy = runWorker({});
        await stack.deals.apply(opportunityId, grantHubspot(), {});
        await handedOff(opportunityId);
        expect(await handoffRowCounts(opportunityId)).toEqual(EXACTLY_ONCE);
        const blockerTasks = (await listTasks(stack.db, { opportunityId, kind: 'handoff_blocker', limit: 10 })).items;
        // One task for the blocker, whatever replayed after the kill (reminders are tasks of their own).
        expect(
          blockerTasks.filter((t) => t.title.includes(' waits: ') && !t.title.includes('still waits')).length,
        ).toBe(1);
      } finally {
        if (doomed.child.exitCode === null && doomed.child.signalCode === null) doomed.child.kill('SIGKILL');
        if (healthy) {
          healthy.child.kill('SIGTERM');
          await healthy.exited;
        }
      }
    });
  });
});
