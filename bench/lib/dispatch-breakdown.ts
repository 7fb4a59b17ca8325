/**
 * What a webhook dispatcher did, read off its histories (every run: it continues as new and idles
 * out): when it scheduled each delivery's activity and when that activity closed, and how many
 * wakes, workflow tasks and look-ups at the outbox it took, so the bench can say where delivery
 * time goes besides the receiver. Activity start times are not used: Temporal writes a retried
 * activity's started event only when it closes.
 */
import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';

export interface DeliveryActivity {
  /** The first time the dispatcher scheduled this delivery's activity. */
  scheduledMs: number;
  /** When that activity closed (completed, failed or timed out), if it did. */
  closedMs?: number;
}

export interface DispatcherCounts {
  runs: number;
  wakes: number;
  workflowTasks: number;
  lookups: number;
  deliveryActivities: number;
}

type HistoryEvent = NonNullable<
  Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>>['events']
>[number];

/** Every event of every run of `workflowId`, oldest run first. */
export async function dispatcherEvents(client: Client, workflowId: string): Promise<HistoryEvent[]> {
  const runs: { runId: string; startMs: number }[] = [];
  for await (const execution of client.workflow.list({ query: `WorkflowId = '${workflowId}'` }))
    runs.push({ runId: execution.runId, startMs: execution.startTime.getTime() });
  runs.sort((a, b) => a.startMs - b.startMs);
  const events: HistoryEvent[] = [];
  for (const run of runs) {
    const history = await client.workflow.getHandle(workflowId, run.runId).fetchHistory();
    events.push(...(history.events ?? []));
  }
  return events;
}

const decoder = new TextDecoder();

/** The delivery id in a `deliverWebhook` activity's input (the default JSON payload converter's bytes). */
function deliveryIdOf(event: HistoryEvent): string | undefined {
  const data = event.activityTaskScheduledEventAttributes?.input?.payloads?.[0]?.data;
  return data ? (JSON.parse(decoder.decode(data)) as { deliveryId?: string }).deliveryId : undefined;
}

/** Counts and per-delivery activity times of the events between `fromMs` and `toMs`. */
export function dispatcherWindow(
  events: HistoryEvent[],
  fromMs: number,
  toMs: number,
): { counts: DispatcherCounts; deliveries: Map<string, DeliveryActivity> } {
  const counts: DispatcherCounts = { runs: 0, wakes: 0, workflowTasks: 0, lookups: 0, deliveryActivities: 0 };
  const deliveries = new Map<string, DeliveryActivity>();
  /** Scheduled event id → delivery id, per run (event ids restart in each run, and runs come in order). */
  let scheduled = new Map<number, string>();
  for (const event of events) {
    if (event.workflowExecutionStartedEventAttributes) scheduled = new Map();
    const at = tsToMs(event.eventTime);
    const closed =
      event.activityTaskCompletedEventAttributes ??
      event.activityTaskFailedEventAttributes ??
      event.activityTaskTimedOutEventAttributes;
    if (closed) {
      const deliveryId = scheduled.get(Number(closed.scheduledEventId));
      const delivery = deliveryId ? deliveries.get(deliveryId) : undefined;
      if (delivery && delivery.closedMs === undefined) delivery.closedMs = at;
    }
    const activity = event.activityTaskScheduledEventAttributes?.activityType?.name;
    if (activity === 'deliverWebhook') {
      const deliveryId = deliveryIdOf(event);
      if (deliveryId) scheduled.set(Number(event.eventId), deliveryId);
    }
    if (at < fromMs || at > toMs) continue;
    if (event.workflowExecutionStartedEventAttributes) counts.runs += 1;
    if (event.workflowExecutionSignaledEventAttributes) counts.wakes += 1;
    if (event.workflowTaskCompletedEventAttributes) counts.workflowTasks += 1;
    if (activity === 'nextWebhookDeliveries') counts.lookups += 1;
    if (activity === 'deliverWebhook') {
      counts.deliveryActivities += 1;
      const deliveryId = deliveryIdOf(event);
      if (deliveryId && !deliveries.has(deliveryId)) deliveries.set(deliveryId, { scheduledMs: at });
    }
  }
  return { counts, deliveries };
}
