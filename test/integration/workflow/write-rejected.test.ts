/**
 * A write the database refuses for good (bad data, not an outage) must not be retried for
 * ever: the event is refused at once, the deal is flagged blocked with the error's code for
 * ops (task, stuck list, Temporal UI), the workflow's state and the event log still agree,
 * and the deal takes the next valid event. The refusal is planted with a trigger of this
 * test's own, scoped to one deal, so the rest of the run's shared database is untouched.
 */
import { randomUUID } from 'node:crypto';
import { dealWorkflowId, type DealView } from '../../../workflows/deal/messages';
import { DEAL_BLOCKED } from '../../../workflows/deal/search-attributes';
import { eventually } from '../../support/kit';
import { nextAction } from '../../../fixtures/deal-events';
import { httpClient } from '../../support/http';
import { startTestStack, type TestStack } from '../../support/stack';

const REFUSED_SQLSTATE = '22023';
const ANSWER_BOUND_MS = 10_000;

let stack: TestStack;
let rep: { id: string; token: string };
const triggers: { name: string; table: string }[] = [];

beforeAll(async () => {
  stack = await startTestStack();
  rep = await stack.user('rep');
});
afterAll(async () => {
  for (const { name, table } of triggers) await stack.db.$client.query(`DROP TRIGGER IF EXISTS ${name} ON ${table}`);
  for (const { name } of triggers) await stack.db.$client.query(`DROP FUNCTION IF EXISTS ${name}()`);
  await stack?.stop();
});

/** Makes Postgres refuse inserts into `table` that match `when` (SQL over NEW), as a data exception. */
async function refuseInserts(table: string, when: string): Promise<void> {
  const name = `refuse_${randomUUID().replace(/-/g, '')}`;
  triggers.push({ name, table });
  await stack.db.$client.query(
    `CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
       IF ${when} THEN RAISE EXCEPTION 'planted refusal' USING ERRCODE = '${REFUSED_SQLSTATE}'; END IF;
       RETURN NEW; END $$`,
  );
  await stack.db.$client.query(
    `CREATE TRIGGER ${name} BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION ${name}()`,
  );
}

const api = () => httpClient(stack.baseUrl, rep.token);
const view = (id: string): Promise<DealView> => stack.deals.describe(id);

async function newLead(): Promise<string> {
  const created = await api().post('/v1/opportunities', {
    title: 'Write refusal',
    company: `Refusal ${randomUUID().slice(0, 8)}`,
  });
  expect(created.status).toBe(201);
  return created.body.id as string;
}

async function logOf(id: string) {
  const { rows } = await stack.db.$client.query<{ position: number; version: number; event_type: string }>(
    'SELECT position, version, event_type FROM opportunity_events WHERE opportunity_id = $1 ORDER BY position',
    [id],
  );
  return rows;
}

async function openTasks(id: string, kind: string) {
  const { rows } = await stack.db.$client.query<{
    id: string;
    owner_id: string | null;
    queue: string | null;
    title: string;
  }>(`SELECT id, owner_id, queue, title FROM tasks WHERE opportunity_id = $1 AND kind = $2 AND status = 'open'`, [
    id,
    kind,
  ]);
  return rows;
}

async function stuckEntry(id: string) {
  const admin = httpClient(stack.baseUrl, stack.adminToken);
  const page = await admin.get('/v1/ops/stuck?limit=100');
  expect(page.status).toBe(200);
  return (page.body.items as { id: string; reasons: { code: string; why: string }[] }[]).find((item) => item.id === id);
}

async function blockedAttribute(id: string): Promise<unknown> {
  const description = await stack.temporal.workflow.getHandle(dealWorkflowId(id)).describe();
  return description.typedSearchAttributes.get(DEAL_BLOCKED) ?? null;
}

describe('a write the database refuses for good', () => {
  it('[IN1] refuses the event at once, blocks the deal for ops, keeps state and log in step, and takes the next valid event', async () => {
    const id = await newLead();
    await refuseInserts(
      'opportunity_events',
      `NEW.opportunity_id = '${id}' AND NEW.event_type = 'RECORD_QUALIFICATION'`,
    );

    const started = Date.now();
    const refusedBody = { type: 'RECORD_QUALIFICATION', facts: { urgency: 'This quarter' } };
    const key = { 'Idempotency-Key': `refused-${id}` };
    const refused = await api().post(`/v1/opportunities/${id}/events`, refusedBody, key);
    expect(Date.now() - started).toBeLessThan(ANSWER_BOUND_MS);
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('write_rejected');
    expect(refused.body.detail).toContain(REFUSED_SQLSTATE);

    // The workflow tried the write once: a data exception is not retried.
    const history = await stack.temporal.workflow.getHandle(dealWorkflowId(id)).fetchHistory();
    const attempts = (history.events ?? [])
      .filter((e) => e.activityTaskStartedEventAttributes)
      .map((e) => e.activityTaskStartedEventAttributes!.attempt);
    const failures = (history.events ?? []).filter((e) => e.activityTaskFailedEventAttributes);
    expect(failures).toHaveLength(1);
    expect(failures[0].activityTaskFailedEventAttributes!.failure!.applicationFailureInfo!.nonRetryable).toBe(true);
    expect(attempts.every((attempt) => attempt === 1)).toBe(true);

    // Nothing of the event was applied: the workflow, the read model and the log agree.
    const blocked = await view(id);
    expect(blocked.version).toBe(0);
    expect(blocked.state.context.qualification.urgency).toBeNull();
    expect(blocked.blocked).toMatchObject({ code: `sqlstate_${REFUSED_SQLSTATE}`, what: 'RECORD_QUALIFICATION' });
    const row = await stack.db.$client.query(
      'SELECT version, blocked_code, blocked_detail FROM opportunities WHERE id = $1',
      [id],
    );
    expect(row.rows[0]).toMatchObject({ version: 0, blocked_code: `sqlstate_${REFUSED_SQLSTATE}` });
    expect(row.rows[0].blocked_detail).toContain('planted refusal');
    const shown = await api().get(`/v1/opportunities/${id}`);
    expect(shown.body.blocked).toMatchObject({ code: `sqlstate_${REFUSED_SQLSTATE}` });
    expect(shown.body.blocked.detail).toContain('RECORD_QUALIFICATION');
    expect(await logOf(id)).toEqual([{ position: 1, version: 0, event_type: 'WRITE_REJECTED' }]);
    // A client retrying the same request gets the same refusal, and the deal is not blocked twice.
    const retried = await api().post(`/v1/opportunities/${id}/events`, refusedBody, key);
    expect(retried.status).toBe(422);
    expect(retried.body.code).toBe('write_rejected');
    expect(await logOf(id)).toEqual([{ position: 1, version: 0, event_type: 'WRITE_REJECTED' }]);
    expect(await openTasks(id, 'write_blocked')).toHaveLength(1);

    // Ops see it: a task of their queue, the stuck list, the Temporal UI.
    const tasks = await openTasks(id, 'write_blocked');
    expect(tasks).toHaveLength(1);
    expect([tasks[0].queue, tasks[0].owner_id]).toEqual(['ops', null]);
    expect(tasks[0].title).toContain(`sqlstate_${REFUSED_SQLSTATE}`);
    const queue = await httpClient(stack.baseUrl, (await stack.user('ops')).token).get(
      `/v1/tasks?queue=ops&opportunityId=${id}`,
    );
    expect(queue.body.items.map((t: { id: string; kind: string }) => [t.id, t.kind])).toEqual([
      [tasks[0].id, 'write_blocked'],
    ]);
    const entry = await stuckEntry(id);
    expect(entry?.reasons.map((r) => r.code)).toContain('write_blocked');
    await eventually(
      async () => ((await blockedAttribute(id)) === `sqlstate_${REFUSED_SQLSTATE}` ? true : undefined),
      10_000,
    );

    // The deal is usable: the next valid event is accepted and clears the block.
    const next = await api().post(`/v1/opportunities/${id}/events`, {
      type: 'SET_NEXT_ACTION',
      nextAction: nextAction(rep.id),
    });
    expect(next.status).toBe(200);
    expect(next.body.version).toBe(1);
    expect(next.body.blocked).toBeNull();
    expect((await view(id)).blocked).toBeNull();
    expect(
      (await stack.db.$client.query('SELECT blocked_code FROM opportunities WHERE id = $1', [id])).rows[0].blocked_code,
    ).toBeNull();
    expect(await stuckEntry(id)).toBeUndefined();
    // Its ops task closes with the block (TK1).
    expect(await openTasks(id, 'write_blocked')).toEqual([]);
    const closed = await stack.db.$client.query(
      "SELECT status, closed_reason FROM tasks WHERE opportunity_id = $1 AND kind = 'write_blocked'",
      [id],
    );
    expect(closed.rows).toEqual([{ status: 'cancelled', closed_reason: 'unblocked' }]);
    await eventually(async () => ((await blockedAttribute(id)) === null ? true : undefined), 10_000);
    expect(await logOf(id)).toEqual([
      { position: 1, version: 0, event_type: 'WRITE_REJECTED' },
      { position: 2, version: 1, event_type: 'SET_NEXT_ACTION' },
    ]);
    const timeline = await api().get(`/v1/opportunities/${id}/events`);
    expect(
      timeline.body.items.map((e: { position: number; version: number; type: string }) => [
        e.position,
        e.version,
        e.type,
      ]),
    ).toEqual([
      [1, 0, 'WRITE_REJECTED'],
      [2, 1, 'SET_NEXT_ACTION'],
    ]);
  });

  it('[IN1][DL1] a timer whose write is refused blocks the deal instead of retrying, and the deal goes on', async () => {
    const id = await newLead();
    await refuseInserts('tasks', `NEW.opportunity_id = '${id}' AND NEW.kind = 'next_action_overdue'`);
    const soon = await api().post(`/v1/opportunities/${id}/events`, {
      type: 'SET_NEXT_ACTION',
      nextAction: nextAction(rep.id, { description: 'Call back', dueInSeconds: 2 }),
    });
    expect(soon.status).toBe(200);

    const blocked = await eventually(async () => (await view(id)).blocked ?? undefined, 20_000);
    expect(blocked).toMatchObject({ code: `sqlstate_${REFUSED_SQLSTATE}`, what: 'the next_action_overdue flag' });
    expect(await openTasks(id, 'next_action_overdue')).toHaveLength(0);
    expect(await openTasks(id, 'write_blocked')).toHaveLength(1);
    expect((await stuckEntry(id))?.reasons.map((r) => r.code)).toContain('write_blocked');

    const next = await api().post(`/v1/opportunities/${id}/events`, {
      type: 'RECORD_QUALIFICATION',
      facts: { urgency: 'This quarter' },
    });
    expect(next.status).toBe(200);
    const log = await logOf(id);
    expect(log.map((r) => r.position)).toEqual(log.map((_, i) => i + 1));
    expect(log.map((r) => r.event_type)).toEqual(['SET_NEXT_ACTION', 'WRITE_REJECTED', 'RECORD_QUALIFICATION']);
    expect(log.map((r) => r.version)).toEqual([1, 1, 2]);
  });

  it('[IN1] a deal the database refuses to create answers 422 within the bound and leaves no row', async () => {
    const title = `Refused create ${randomUUID()}`;
    await refuseInserts('opportunities', `NEW.title = '${title}'`);
    const started = Date.now();
    const created = await api().post('/v1/opportunities', { title, company: 'Refused Co' });
    expect(Date.now() - started).toBeLessThan(ANSWER_BOUND_MS);
    expect(created.status).toBe(422);
    expect(created.body.code).toBe('write_rejected');
    const rows = await stack.db.$client.query('SELECT count(*)::int AS n FROM opportunities WHERE title = $1', [title]);
    expect(rows.rows[0].n).toBe(0);
  });
});
