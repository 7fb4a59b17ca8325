import { randomUUID } from 'node:crypto';
import { pruneIdempotencyKeys } from '../../../db/queries/idempotency';
import { PRUNE_IDEMPOTENCY_KEYS_WORKFLOW_TYPE } from '../../../workflows/maintenance/messages';
import { startTestStack, type TestStack } from '../../support/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

/** A key of `principal`, claimed (and answered) that many days ago; no `completedDaysAgo`: still in flight. */
async function insertKey(
  principal: string,
  key: string,
  at: { createdDaysAgo: number; completedDaysAgo?: number },
): Promise<void> {
  const completed = at.completedDaysAgo !== undefined;
  await stack.db.$client.query(
    `insert into idempotency_keys (principal, key, route, body_hash, status, created_at, completed_at)
     values ($1, $2, 'POST /v1/opportunities', 'hash', $3, now() - make_interval(days => $4), case when $5::int is null then null else now() - make_interval(days => $5::int) end)`,
    [principal, key, completed ? 201 : null, at.createdDaysAgo, completed ? at.completedDaysAgo : null],
  );
}

const keysOf = async (principal: string): Promise<string[]> =>
  (
    await stack.db.$client.query<{ key: string }>(
      'select key from idempotency_keys where principal = $1 order by key',
      [principal],
    )
  ).rows.map((row) => row.key);

describe('pruning Idempotency-Keys', () => {
  it('the pruning workflow forgets keys answered or abandoned before the retention, and keeps recent and live ones', async () => {
    const principal = `prune-${randomUUID()}`;
    await insertKey(principal, 'answered-8-days-ago', { createdDaysAgo: 8, completedDaysAgo: 8 });
    await insertKey(principal, 'abandoned-8-days-ago', { createdDaysAgo: 8 });
    await insertKey(principal, 'answered-6-days-ago', { createdDaysAgo: 6, completedDaysAgo: 6 });
    await insertKey(principal, 'abandoned-6-days-ago', { createdDaysAgo: 6 });
    await insertKey(principal, 'in-flight', { createdDaysAgo: 0 });

    const result = await stack.temporal.workflow.execute(PRUNE_IDEMPOTENCY_KEYS_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId: `prune-test-${randomUUID()}`,
      args: [{ retentionDays: 7 }],
    });

    expect(result.removed).toBeGreaterThanOrEqual(2);
    expect(await keysOf(principal)).toEqual(['abandoned-6-days-ago', 'answered-6-days-ago', 'in-flight']);
  });

  it('deletes at most `limit` keys a statement, so a long-grown table empties in short batches', async () => {
    const principal = `prune-${randomUUID()}`;
    for (const key of ['a', 'b', 'c']) await insertKey(principal, key, { createdDaysAgo: 30, completedDaysAgo: 30 });

    expect(await pruneIdempotencyKeys(stack.db, 7, 2)).toBe(2);
    while ((await pruneIdempotencyKeys(stack.db, 7, 2)) === 2);
    expect(await keysOf(principal)).toEqual([]);
  });
});
