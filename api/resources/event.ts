import type { OpportunityEventRow } from '../../db/schema';
import { iso } from './opportunity';

/** The fields an event changed as stored on its row; an entry of another shape (a hand edit) is left out. */
function changesOf(stored: unknown): { field: string; before: unknown; after: unknown }[] {
  if (!Array.isArray(stored)) return [];
  return stored.flatMap((c: unknown) => {
    const entry = c as Record<string, unknown> | null;
    if (typeof entry !== 'object' || entry === null || typeof entry.field !== 'string') return [];
    return [{ field: entry.field, before: entry.before ?? null, after: entry.after ?? null }];
  });
}

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
    changes: changesOf(row.changes),
  };
}
