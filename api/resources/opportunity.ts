import { explain, type DealState } from '../../machines/opportunity';
import type { OpportunityRow } from '../../db/schema';

const iso = (value: Date | null | undefined): string | null => (value ? value.toISOString() : null);

/** The opportunity as every response shows it: stage, pauses, allowed events, gates, next action. */
export function opportunityResource(row: OpportunityRow, links: { temporalUi?: string } = {}) {
  const deal = row.snapshot as DealState;
  const explanation = explain(deal);
  return {
    id: row.id,
    title: row.title,
    company: row.company,
    stage: row.stage,
    ownerId: row.ownerId,
    source: row.source,
    version: row.version,
    pauses: explanation.pauses,
    allowedEvents: explanation.allowedEvents,
    nextStage: explanation.nextStage,
    nextStageGates: explanation.nextStageGates,
    nextAction: row.nextActionDescription
      ? { description: row.nextActionDescription, dueAt: iso(row.nextActionDueAt), ownerId: row.nextActionOwner }
      : null,
    dueAt: iso(row.nextActionDueAt),
    overdue: row.overdue,
    dormant: row.dormant,
    scopeState: row.scopeState,
    clientSafeStatus: row.clientSafeStatus,
    decisionDeadline: iso(row.decisionDeadline),
    lost: row.lostReason
      ? { reason: row.lostReason, detail: row.lostDetail, reactivateAt: iso(row.reactivateAt), lostAt: iso(row.lostAt) }
      : null,
    workflowId: row.workflowId,
    links: {
      self: `/v1/opportunities/${row.id}`,
      events: `/v1/opportunities/${row.id}/events`,
      ...(links.temporalUi ? { workflow: `${links.temporalUi}/namespaces/default/workflows/${row.workflowId}` } : {}),
    },
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}
export type OpportunityResource = ReturnType<typeof opportunityResource>;
