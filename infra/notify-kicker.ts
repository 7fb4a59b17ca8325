import type { Client } from '@temporalio/client';
import type { PoolClient } from 'pg';
import type { Db } from '../db/client';
import { flagOverdueTasks, pendingEmailIds, subscriptionsWithPendingDeliveries } from '../db/queries/outbox';
import {
  dispatchWorkflowId,
  NOTIFY_DISPATCH_WORKFLOW_TYPE,
  wakeSignal,
  webhookChannel,
  type DispatchInput,
  type DispatchPolicy,
  type NotifyChannel,
} from '../workflows/notify/messages';
import type { Logger } from './logger';

export interface NotifyKickerOptions {
  db: Db;
  temporal: Client;
  taskQueue: string;
  policy: DispatchPolicy;
  logger: Logger;
  /** How often to look for what a lost notification left waiting, and for newly overdue tasks. */
  rescanSeconds: number;
  /** Whether email is on (SMTP_URL set): otherwise the email dispatcher is never woken. */
  email: boolean;
}

const RECONNECT_MS = 1_000;

/**
 * Wakes the notification dispatchers (NT1). The triggers that write a delivery `NOTIFY` on
 * commit; this LISTENs and signals the channel's dispatcher, starting it when it is not running.
 * Postgres drops notifications while nobody listens, so a rescan finds what is still pending,
 * and it marks overdue tasks, which fires their `task.overdue`. Every worker runs one; a second
 * wake of the same dispatcher costs one look at the outbox.
 */
export function startNotifyKicker(options: NotifyKickerOptions): { stop(): Promise<void> } {
  const { db, logger } = options;
  const waking = new Map<NotifyChannel, boolean>();
  const inFlight = new Set<Promise<unknown>>();
  // Stopping cancels the signals still being retried: their retries must not outlive the connection.
  const stopping = new AbortController();
  let stopped = false;
  let listener: PoolClient | undefined;

  async function signal(channel: NotifyChannel): Promise<void> {
    const input: DispatchInput = { channel, policy: options.policy };
    await options.temporal.withAbortSignal(stopping.signal, () =>
      options.temporal.workflow.signalWithStart(NOTIFY_DISPATCH_WORKFLOW_TYPE, {
        workflowId: dispatchWorkflowId(channel),
        taskQueue: options.taskQueue,
        args: [input],
        signal: wakeSignal,
        signalArgs: [],
      }),
    );
  }

  /** One signal in flight per channel; wakes that arrive meanwhile become one more. */
  function wake(channel: NotifyChannel): void {
    if (stopped) return;
    if (waking.has(channel)) {
      waking.set(channel, true);
      return;
    }
    waking.set(channel, false);
    const sent = signal(channel)
      .catch((error: unknown) => {
        if (!stopped) logger.warn({ err: error, channel }, 'could not wake a notification dispatcher');
      })
      .finally(() => {
        inFlight.delete(sent);
        const again = waking.get(channel);
        waking.delete(channel);
        if (again) wake(channel);
      });
    inFlight.add(sent);
  }

  async function listen(): Promise<void> {
    while (!stopped) {
      try {
        const client = await db.$client.connect();
        client.on('notification', (message) => {
          if (message.channel === 'nt1_webhook' && message.payload) wake(webhookChannel(message.payload));
          else if (message.channel === 'nt1_email' && options.email) wake('email');
        });
        await client.query('LISTEN nt1_webhook');
        await client.query('LISTEN nt1_email');
        listener = client;
        await new Promise<void>((resolve) => client.once('error', () => resolve()).once('end', () => resolve()));
        // Unless stop() released it already.
        if (listener === client) {
          listener = undefined;
          client.release(true);
        }
      } catch (error) {
        if (!stopped) logger.warn({ err: error }, 'notification listener lost Postgres; reconnecting');
      }
      if (!stopped) await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
    }
  }

  async function rescan(): Promise<void> {
    try {
      await flagOverdueTasks(db, new Date());
      for (const subscriptionId of await subscriptionsWithPendingDeliveries(db)) wake(webhookChannel(subscriptionId));
      if (options.email && (await pendingEmailIds(db, [], 1)).length > 0) wake('email');
    } catch (error) {
      logger.warn({ err: error }, 'notification rescan failed; trying again at the next one');
    }
  }

  const listening = listen();
  void rescan();
  const timer = setInterval(() => void rescan(), options.rescanSeconds * 1000);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      stopping.abort();
      await Promise.allSettled([...inFlight]);
      const client = listener;
      listener = undefined;
      client?.release(true);
      await listening;
    },
  };
}
