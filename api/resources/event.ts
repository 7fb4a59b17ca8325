import type { OpportunityEventRow } from '../../db/schema';
import { iso } from './opportunity';

/** One entry of the timeline: owner, timestamp, stage before and after, next action (E1). */
export function eventResource(row: OpportunityEventRow) {
  const next = row.nextAction as { description: string; dueAt: string | null; ownerId: string } | null;
  return {
    position: row.position,
    version: row.version,
    type: row.eventType,
    stageBefore: row.stageBefore,
    stageAfter: row.stageAfter,
    actorId: row.actorId,
    ownerId: row.ownerId,
    occurredAt: iso(row.occurredAt),
    recordedAt: iso(row.recordedAt),
    nextAction: next ? { description: next.description, dueAt: next.dueAt ?? null, ownerId: next.ownerId } : null,
    payload: row.payload as Record<string, unknown>,
  };
}
