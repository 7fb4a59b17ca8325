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
  /**
   * Workflow tasks that timed out or failed, by cause (`timed_out`, or the failure's cause, see
   * FAILED_CAUSES). The worker then drops the
   * run from its cache and replays its whole history for the next task.
   */
  workflowTasksLost: Record<string, number>;
  /** The time those tasks held the run, started to timed out or failed. */
  lostTaskMs: number;
  lookups: number;
  deliveryActivities: number;
  /** `deliverWebhook` activities for a delivery that had one already (its result says what it found). */
  repeatedDeliveries: number;
  /** What the `deliverWebhook` activities answered: succeeded, not_pending, inactive. */
  outcomes: Record<string, number>;
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

/**
 * The WorkflowTaskFailedCause values seen here (the decoded history holds numbers): a run closing
 * (continue-as-new) while new events, such as signals, came in is refused with 1 or 17.
 */
const FAILED_CAUSES: Record<number, string> = {
  1: 'unhandled_command',
  14: 'workflow_worker_unhandled_failure',
  17: 'force_close_command',
  24: 'non_deterministic_error',
};
const causeOf = (cause: unknown) => FAILED_CAUSES[Number(cause)] ?? `failed_cause_${Number(cause)}`;

const decoder = new TextDecoder();
type Payloads = { payloads?: { data?: Uint8Array | null }[] | null } | null | undefined;
/** The first payload's value (the default converter writes JSON). */
const valueOf = (payloads: Payloads): unknown => {
  const data = payloads?.payloads?.[0]?.data;
  return data ? JSON.parse(decoder.decode(data)) : undefined;
};

export interface DispatcherWindow {
  counts: DispatcherCounts;
  deliveries: Map<string, DeliveryActivity>;
  /** How long each workflow task ran (started to completed). */
  workflowTaskMs: number[];
  /** When runs started and when workflow tasks were lost. */
  runStartsMs: number[];
  lostTasksMs: number[];
}

/** Counts and per-delivery activity times of the events between `fromMs` and `toMs`. */
export function dispatcherWindow(events: HistoryEvent[], fromMs: number, toMs: number): DispatcherWindow {
  const counts: DispatcherCounts = {
    runs: 0,
    wakes: 0,
    workflowTasks: 0,
    workflowTasksLost: {},
    lostTaskMs: 0,
    lookups: 0,
    deliveryActivities: 0,
    repeatedDeliveries: 0,
    outcomes: {},
  };
  const deliveries = new Map<string, DeliveryActivity>();
  const workflowTaskMs: number[] = [];
  const runStartsMs: number[] = [];
  const lostTasksMs: number[] = [];
  /** Scheduled event id → delivery id, and started event id → time, per run (event ids restart in each). */
  let scheduled = new Map<number, string>();
  let started = new Map<number, number>();
  for (const event of events) {
    if (event.workflowExecutionStartedEventAttributes) [scheduled, started] = [new Map(), new Map()];
    const at = tsToMs(event.eventTime);
    const inWindow = at >= fromMs && at <= toMs;
    if (event.workflowTaskStartedEventAttributes) started.set(Number(event.eventId), at);
    const taskDone = event.workflowTaskCompletedEventAttributes;
    if (taskDone && inWindow) workflowTaskMs.push(at - (started.get(Number(taskDone.startedEventId)) ?? at));
    const closed =
      event.activityTaskCompletedEventAttributes ??
      event.activityTaskFailedEventAttributes ??
      event.activityTaskTimedOutEventAttributes;
    const closedId = closed ? scheduled.get(Number(closed.scheduledEventId)) : undefined;
    if (closedId) {
      const delivery = deliveries.get(closedId);
      if (delivery && delivery.closedMs === undefined) delivery.closedMs = at;
      const outcome = String(valueOf(event.activityTaskCompletedEventAttributes?.result) ?? 'failed');
      if (inWindow) counts.outcomes[outcome] = (counts.outcomes[outcome] ?? 0) + 1;
    }
    const activity = event.activityTaskScheduledEventAttributes;
    const deliveryId =
      activity?.activityType?.name === 'deliverWebhook'
        ? (valueOf(activity.input) as { deliveryId?: string } | undefined)?.deliveryId
        : undefined;
    if (deliveryId) scheduled.set(Number(event.eventId), deliveryId);
    if (!inWindow) continue;
    if (event.workflowExecutionStartedEventAttributes) {
      counts.runs += 1;
      runStartsMs.push(at);
    }
    if (event.workflowExecutionSignaledEventAttributes) counts.wakes += 1;
    if (taskDone) counts.workflowTasks += 1;
    const lost = event.workflowTaskTimedOutEventAttributes ?? event.workflowTaskFailedEventAttributes;
    if (lost) {
      const cause = event.workflowTaskFailedEventAttributes
        ? causeOf(event.workflowTaskFailedEventAttributes.cause)
        : 'timed_out';
      counts.workflowTasksLost[cause] = (counts.workflowTasksLost[cause] ?? 0) + 1;
      counts.lostTaskMs += at - (started.get(Number(lost.startedEventId)) ?? at);
      lostTasksMs.push(at);
    }
    if (activity?.activityType?.name === 'nextWebhookDeliveries') counts.lookups += 1;
    if (deliveryId) {
      counts.deliveryActivities += 1;
      if (deliveries.has(deliveryId)) counts.repeatedDeliveries += 1;
      else deliveries.set(deliveryId, { scheduledMs: at });
    }
  }
  return { counts, deliveries, workflowTaskMs, runStartsMs, lostTasksMs };
}
