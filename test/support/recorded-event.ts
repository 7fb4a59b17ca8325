import type { RecordDealEventInput } from '../../activities/deal';
import { applyEvent, type DealEvent, type DealState } from '../../machines/opportunity';
import { fieldChangesOf, taskChangesOf, tasksClosedBy } from '../../workflows/deal/event-tasks';

/** A deal as db tests drive it: its ids, where its log stands, and its machine state. */
export interface RecordingDeal {
  id: string;
  workflowId: string;
  version: number;
  position: number;
  state: DealState;
}

/** The machine's answer to `event` and the activity input the workflow would record for it under `key`. */
export function recordedEvent(
  deal: RecordingDeal,
  event: Record<string, unknown>,
  key: string,
  attachments?: object,
): { input: RecordDealEventInput; state: DealState; event: DealEvent } {
  const result = applyEvent(deal.state, { at: new Date().toISOString(), ...event });
  if (!result.ok) throw new Error(`refused: ${JSON.stringify(result)}`);
  const input: RecordDealEventInput = {
    opportunityId: deal.id,
    workflowId: deal.workflowId,
    key,
    version: deal.version + 1,
    position: deal.position + 1,
    eventType: result.event.type,
    stageBefore: result.stageBefore,
    stageAfter: result.stageAfter,
    actorId: result.event.actor.id,
    payload: result.event,
    occurredAt: result.event.at,
    state: result.state,
    flags: { overdue: false, decisionOverdue: false, dormant: false },
    attachments: attachments as Record<string, unknown> | undefined,
    closeTasks: tasksClosedBy(result.event, deal.state, result.state),
    taskChanges: taskChangesOf(result.event, deal.state, result.state),
    changes: fieldChangesOf(deal.state, result.state),
  };
  return { input, state: result.state, event: result.event };
}
