/**
 * NT1 fault injection: the Temporal server stops while webhook deliveries are in flight and
 * waiting, and starts again on the same port and SQLite file. On a database and a Temporal dev
 * server of this test's own, so its kicker wakes no other file's subscriptions.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { createDealGateway } from '../../../api/deal-gateway';
import { createSubscription } from '../../../db/queries/webhook-subscriptions';
import { loadConfig } from '../../../infra/config';
import { createLogger } from '../../../infra/logger';
import { dispatchPolicyOf, notifyDepsOf } from '../../../infra/notify-config';
import { startNotifyKicker } from '../../../infra/notify-kicker';
import { freePort } from '../../../infra/ports';
import { startTemporalDevServer, type RunningTemporal } from '../../../infra/temporal-server';
import { startWorker, type WorkerHandle } from '../../../infra/worker';
import { newWebhookSecret } from '../../../notifications/secrets';
import { DEFAULT_DEAL_POLICY } from '../../../workflows/deal/policy';
import { nextAction } from '../../../fixtures/deal-events';
import { isolatedTestDb } from '../../support/db';
import { REP } from '../../support/deals';
import { eventually, sleep } from '../../support/kit';
import { verified } from '../../support/notify-kit';
import { startWebhookReceiver } from '../../support/webhook-receiver';

jest.setTimeout(180_000);

const DOWNTIME_MS = 8_000;

describe('the Temporal server restarted while webhooks are delivered', () => {
  it('[NT1] loses no delivery: every deal.created arrives, one id per message, every row succeeded', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opportunity-path-notify-restart-'));
    const dbFile = path.join(dir, 'temporal.db');
    const port = await freePort();
    const isolated = await isolatedTestDb('nt1_restart');
    const { db } = isolated;
    const config = loadConfig({
      ...process.env,
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      WEBHOOK_RETRY_INITIAL_SECONDS: '1',
      WEBHOOK_RETRY_MAX_INTERVAL_SECONDS: '2',
      WEBHOOK_RETRY_WINDOW_SECONDS: '120',
      WEBHOOK_ATTEMPT_TIMEOUT_SECONDS: '5',
    });
    const notify = notifyDepsOf(config);
    const receiver = await startWebhookReceiver();
    receiver.delayMs(300);
    const secret = newWebhookSecret();
    const subscriptionId = await createSubscription(db, {
      name: 'Restart receiver',
      url: receiver.url,
      eventTypes: ['deal.created'],
      internal: false,
      maxConcurrency: 2,
      active: true,
      secretEncrypted: notify.secrets.seal(secret),
      createdBy: 'test',
    });
    const taskQueue = `notify-restart-${randomUUID()}`;
    let server: RunningTemporal | undefined = await startTemporalDevServer({ dbFile, port });
    const connection = await Connection.connect({ address: server.address });
    const temporal = new Client({ connection, namespace: 'default' });
    const logger = createLogger('silent');
    let worker: WorkerHandle | undefined;
    let kicker: { stop(): Promise<void> } | undefined;
    try {
      const bundle = process.env.WORKFLOW_BUNDLE_PATH ? { codePath: process.env.WORKFLOW_BUNDLE_PATH } : undefined;
      worker = await startWorker({
        address: server.address,
        namespace: 'default',
        taskQueue,
        db,
        logger,
        notify,
        bundle,
      });
      kicker = startNotifyKicker({
        db,
        temporal,
        taskQueue,
        policy: dispatchPolicyOf(config),
        logger,
        rescanSeconds: 1,
        email: false,
      });
      const deals = createDealGateway(temporal, { taskQueue, policy: DEFAULT_DEAL_POLICY });
      const ids = await Promise.all(
        Array.from({ length: 12 }, async (): Promise<string> => {
          const opportunityId = randomUUID();
          await deals.open({
            opportunityId,
            title: 'Restart',
            company: `Restart Co ${opportunityId.slice(0, 6)}`,
            ownerId: REP.id,
            source: 'referral',
            createdAt: new Date().toISOString(),
            nextAction: nextAction(REP.id),
          });
          return opportunityId;
        }),
      );
      // Two at a time, 300 ms each: most are still waiting when the server goes away.
      await receiver.waitFor((got) => got.length >= 2, 30_000, 'the first deliveries');
      await server.stop();
      server = undefined;
      const during = receiver.received.length;
      await sleep(DOWNTIME_MS);
      server = await startTemporalDevServer({ dbFile, port });

      const ofDeals = () => verified(receiver.received, secret).filter((d) => ids.includes(d.dealId!));
      await receiver.waitFor(
        () => new Set(ofDeals().map((d) => d.dealId)).size === ids.length,
        90_000,
        'every deal.created after the restart',
      );
      const statuses = async () =>
        (
          await db.$client.query(
            'select status, count(*)::int as n from webhook_deliveries where subscription_id = $1 group by status',
            [subscriptionId],
          )
        ).rows;
      await eventually(async () => {
        const rows = await statuses();
        return rows.length === 1 && rows[0].status === 'succeeded' ? rows : undefined;
      }, 60_000);
      expect(await statuses()).toEqual([{ status: 'succeeded', n: ids.length }]);
      const idsByDeal = new Map<string, Set<string>>();
      for (const d of ofDeals()) idsByDeal.set(d.dealId!, (idsByDeal.get(d.dealId!) ?? new Set()).add(d.id));
      expect([...idsByDeal.values()].every((set) => set.size === 1)).toBe(true);
      expect(during).toBeLessThan(ids.length);
    } finally {
      await kicker?.stop();
      await worker?.shutdown();
      await connection.close();
      await server?.stop();
      await receiver.close();
      await isolated.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
