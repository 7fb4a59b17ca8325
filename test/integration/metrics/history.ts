import { randomUUID } from 'node:crypto';
import type { Db } from '../../../db/client';
import { appendEvent } from '../../../db/queries/events';
import { opportunities } from '../../../db/schema';
import { createDeal } from '../../../machines/opportunity';
import type { Stage } from '../../../machines/opportunity/vocabulary';
import { dealWorkflowId } from '../../../workflows/deal/messages';

/**
 * Writes a deal's history straight into Postgres for a past period whose boundaries must be
 * exact (the workflow stamps events with the real clock). Rows look like the workflow's:
 * a real machine snapshot, one event per move, system notes by `system`.
 */
export interface PastMove {
  at: string;
  type: string;
  from: Stage;
  to: Stage;
  actor?: string;
  payload?: Record<string, unknown>;
}

export async function insertPastDeal(
  db: Db,
  deal: { ownerId: string; createdAt: string; stage: Stage; service?: string; dormant?: boolean; moves: PastMove[] },
): Promise<string> {
  const id = randomUUID();
  const snapshot = createDeal({ opportunityId: id, ownerId: deal.ownerId, at: deal.createdAt });
  if (deal.service) snapshot.context.qualification.service_fit = deal.service;
  await db.insert(opportunities).values({
    id,
    title: 'Past deal',
    company: `Past ${id.slice(0, 8)}`,
    stage: deal.stage,
    ownerId: deal.ownerId,
    workflowId: dealWorkflowId(id),
    snapshot,
    version: deal.moves.length,
    dormant: deal.dormant ?? false,
    createdAt: new Date(deal.createdAt),
  });
  for (const [index, move] of deal.moves.entries()) {
    await appendEvent(db, {
      opportunityId: id,
      version: index + 1,
      position: index + 1,
      idempotencyKey: `past:${id}:${index}`,
      eventType: move.type,
      stageBefore: move.from,
      stageAfter: move.to,
      actorId: move.actor ?? deal.ownerId,
      ownerId: deal.ownerId,
      payload: { type: move.type, ...move.payload },
      nextAction: null,
      occurredAt: new Date(move.at),
    });
  }
  return id;
}

/** The moves of the happy path from `lead` to `to`, one day apart starting at `start`. */
export function pathMoves(start: string, to: Stage): PastMove[] {
  const path: [string, Stage][] = [
    ['QUALIFY', 'qualified'],
    ['START_DISCOVERY', 'discovery'],
    ['START_AUDIT', 'audit'],
    ['START_PROPOSAL', 'proposal'],
    ['SUBMIT_FOR_APPROVAL', 'approval'],
    ['SEND_PROPOSAL', 'sent'],
    ['ACCEPT', 'contract'],
    ['MARK_WON', 'won'],
    ['COMPLETE_HANDOFF', 'handed_off'],
  ];
  const moves: PastMove[] = [];
  let from: Stage = 'lead';
  for (const [i, [type, stage]] of path.entries()) {
    moves.push({
      at: new Date(Date.parse(start) + (i + 1) * 86_400_000).toISOString(),
      type,
      from,
      to: stage,
      actor: type === 'COMPLETE_HANDOFF' ? 'system' : undefined,
    });
    from = stage;
    if (stage === to) return moves;
  }
  return moves;
}
