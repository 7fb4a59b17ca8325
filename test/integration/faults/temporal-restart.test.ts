/**
 * Fault injection: a file-backed Temporal dev server of this test's own is stopped under
 * load and started again on the same port and SQLite file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { createDealGateway } from '../../../api/deal-gateway';
import { closeDb, createDb } from '../../../db/client';
import { createLogger } from '../../../infra/logger';
import { testNotifyDeps } from '../../support/notify';
import { freePort } from '../../../infra/ports';
import { startTemporalDevServer, type RunningTemporal } from '../../../infra/temporal-server';
import { startWorker, type WorkerHandle } from '../../../infra/worker';
import { DEFAULT_DEAL_POLICY } from '../../../workflows/deal/policy';
import { dealWorkflowId } from '../../../workflows/deal/messages';
import { REP } from '../../support/deals';
import { nextAction } from '../../../fixtures/deal-events';
import { dealConsistency, expectConsistent } from '../../support/fault-harness';
import { sleep } from '../../support/kit';

const DOWNTIME_MS = 8_000;
const MARGIN_MS = 3_000;

describe('the Temporal server restarted under load', () => {
  it('[DL1][E1] keeps every acknowledged update, and a pending timer fires late by no more than the downtime', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opportunity-path-temporal-restart-'));
    const dbFile = path.join(dir, 'temporal.db');
    const port = await freePort();
    const db = createDb(process.env.DATABASE_URL!, { max: 6, applicationName: 'fault-temporal-restart' });
    const taskQueue = `fault-restart-${randomUUID()}`;
    const bundle = process.env.WORKFLOW_BUNDLE_PATH ? { codePath: process.env.WORKFLOW_BUNDLE_PATH } : undefined;
    let server: RunningTemporal | undefined = await startTemporalDevServer({ dbFile, port });
    let worker: WorkerHandle | undefined;
    const connection = await Connection.connect({ address: server.address });
    try {
      worker = await startWorker({
        address: server.address,
        namespace: 'default',
        taskQueue,
        db,
        logger: createLogger('silent'),
        notify: testNotifyDeps(),
        bundle,
      });
      const temporal = new Client({ connection, namespace: 'default' });
      const deals = createDealGateway(temporal, { taskQueue, policy: DEFAULT_DEAL_POLICY });
      const open = async (dueInSeconds: number) => {
        const opportunityId = randomUUID();
        await deals.open({
          opportunityId,
          title: 'Restart',
          company: `Restart Co ${opportunityId.slice(0, 6)}`,
          ownerId: REP.id,
          source: 'referral',
          createdAt: new Date().toISOString(),
          nextAction: nextAction(REP.id, { dueInSeconds, description: 'Call back after the restart' }),
        });
        return opportunityId;
      };
      const streamed = await Promise.all([1, 2, 3].map(() => open(86_400)));
      // Due while the server is down.
      const timed = await open(5);
      const dueAt = Date.parse((await deals.describe(timed)).state.context.nextAction!.dueAt);

      // A stream of updates per deal; a failed call is retried with the same update id.
      const acknowledged = new Map<string, string[]>(streamed.map((id) => [id, []]));
      let failedCalls = 0;
      let stop = false;
      const stream = async (id: string) => {
        for (let n = 0; !stop; n += 1) {
          const updateId = `restart-${randomUUID()}`;
          const event = {
            type: 'RECORD_QUALIFICATION',
            actor: REP,
            at: new Date().toISOString(),
            facts: { urgency: `Restart ${n}` },
          };
          for (;;) {
            try {
              await deals.apply(id, event, { requestId: updateId });
              break;
            } catch {
              failedCalls += 1;
              await sleep(300);
            }
          }
          acknowledged.get(id)!.push(`${dealWorkflowId(id)}:${updateId}`);
        }
      };
      const streams = Promise.all(streamed.map(stream));
      await sleep(1_500);
      const downAt = Date.now();
      await server.stop();
      server = undefined;
      await sleep(DOWNTIME_MS);
      server = await startTemporalDevServer({ dbFile, port });
      const downtime = Date.now() - downAt;
      await sleep(4_000);
      stop = true;
      await streams;

      const task = await (async () => {
        for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(250)) {
          const { rows } = await db.$client.query(
            `select created_at from tasks where opportunity_id = $1 and kind = 'next_action_overdue'`,
            [timed],
          );
          if (rows.length) return rows;
        }
        throw new Error('the pending timer never fired');
      })();
      expect(task).toHaveLength(1);
      const lateness = (task[0].created_at as Date).getTime() - dueAt;
      process.stdout.write(
        `[faults] Temporal down ${downtime} ms; timer late by ${lateness} ms; ${failedCalls} failed client calls retried\n`,
      );
      expect(lateness).toBeLessThanOrEqual(downtime + MARGIN_MS);

      for (const id of streamed) {
        const state = await dealConsistency(db, temporal, id);
        expect(acknowledged.get(id)!.length).toBeGreaterThan(0);
        expectConsistent(state, acknowledged.get(id)!);
        // Nothing beyond what was acknowledged: every RECORD_QUALIFICATION in the log was acknowledged.
        expect(
          state.events
            .filter((e) => e.event_type === 'RECORD_QUALIFICATION')
            .map((e) => e.idempotency_key)
            .sort(),
        ).toEqual([...acknowledged.get(id)!].sort());
      }
    } finally {
      await worker?.shutdown().catch(() => undefined);
      await connection.close().catch(() => undefined);
      await server?.stop().catch(() => undefined);
      await closeDb(db);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
