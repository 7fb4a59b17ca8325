/**
 * Where a fired timer's lateness goes, read off the history of a sample of deals:
 * - server: TIMER_FIRED's event time minus the due time (the dev server's timer queue);
 * - pickup: the workflow task that follows, from scheduled to started (worker polling);
 * - workflowTask: started to completed (a replay when the deal was evicted from the cache);
 * - activity: the overdue write's activity, from the task's completion to the activity's end.
 * The timer is the last one that rang before that task: a long wait rings early once (alarm.ts).
 */
import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { dealWorkflowId } from '../../workflows/deal/messages';
import { percentile, round, sortNumbers } from './stats';

type Phase = 'server' | 'pickup' | 'workflowTask' | 'activity';
export type TimerBreakdown = Record<Phase, { p50: number; p99: number; max: number }> & { sampled: number };

async function phasesOf(client: Client, opportunityId: string, dueAt: number): Promise<Record<Phase, number> | null> {
  const history = await client.workflow.getHandle(dealWorkflowId(opportunityId)).fetchHistory();
  const events = history.events ?? [];
  const at = (index: number) => tsToMs(events[index].eventTime);
  // The overdue write, the workflow task that scheduled it, and the last timer that rang before.
  const flagged = events.findIndex(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'flagOverdueWithTask',
  );
  if (flagged < 0) return null;
  const eventIdOf = (index: number) => Number(events[index].eventId);
  const byId = (id: unknown) => events.findIndex((e) => Number(e.eventId) === Number(id));
  const completed = byId(events[flagged].activityTaskScheduledEventAttributes?.workflowTaskCompletedEventId);
  const started = completed < 0 ? -1 : byId(events[completed].workflowTaskCompletedEventAttributes?.startedEventId);
  const scheduled = started < 0 ? -1 : byId(events[started].workflowTaskStartedEventAttributes?.scheduledEventId);
  let firedAt = scheduled;
  while (firedAt >= 0 && events[firedAt].timerFiredEventAttributes == null) firedAt -= 1;
  const activityDone = events.findIndex(
    (e) => Number(e.activityTaskCompletedEventAttributes?.scheduledEventId) === eventIdOf(flagged),
  );
  if ([firedAt, scheduled, started, completed, activityDone].some((i) => i < 0)) return null;
  return {
    server: at(firedAt) - dueAt,
    pickup: at(started) - at(scheduled),
    workflowTask: at(completed) - at(started),
    activity: at(activityDone) - at(completed),
  };
}

export async function timerBreakdown(
  client: Client,
  dueById: Map<string, number>,
  sampleSize = 300,
): Promise<TimerBreakdown> {
  const ids = [...dueById.keys()];
  const step = Math.max(1, Math.floor(ids.length / sampleSize));
  const sample = ids.filter((_, i) => i % step === 0).slice(0, sampleSize);
  const rows = (await Promise.all(sample.map((id) => phasesOf(client, id, dueById.get(id)!)))).filter(
    (r) => r !== null,
  );
  const summary = (phase: Phase) => {
    const sorted = sortNumbers(rows.map((r) => r[phase]));
    return {
      p50: round(percentile(sorted, 50)),
      p99: round(percentile(sorted, 99)),
      max: round(sorted[sorted.length - 1] ?? NaN),
    };
  };
  return {
    sampled: rows.length,
    server: summary('server'),
    pickup: summary('pickup'),
    workflowTask: summary('workflowTask'),
    activity: summary('activity'),
  };
}
