import { explain, type DealState } from '../../machines/opportunity';
import type { OpportunityRow } from '../../db/schema';

export const iso = (value: Date | null | undefined): string | null => (value ? value.toISOString() : null);

/** The opportunity as every response shows it: stage, pauses, allowed events, gates, next action. */
export function opportunityResource(row: OpportunityRow, links: { temporalUi?: string } = {}) {
  const deal = row.snapshot as DealState;
  const explanation = explain(deal);
  const base = `/v1/opportunities/${row.id}`;
  // The projected columns, or the machine's own next action when the row has none projected yet (a new lead).
  const fromContext = deal.context.nextAction;
  const nextAction = row.nextActionDescription
    ? { description: row.nextActionDescription, dueAt: iso(row.nextActionDueAt), ownerId: row.nextActionOwner }
    : fromContext
      ? { description: fromContext.description, dueAt: fromContext.dueAt, ownerId: fromContext.ownerId }
      : null;
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
    nextAction,
    dueAt: nextAction?.dueAt ?? null,
    overdue: row.overdue,
    dormant: row.dormant,
    scopeState: row.scopeState,
    clientSafeStatus: row.clientSafeStatus,
    decisionDeadline: iso(row.decisionDeadline),
    lost: row.lostReason
      ? { reason: row.lostReason, detail: row.lostDetail, reactivateAt: iso(row.reactivateAt), lostAt: iso(row.lostAt) }
      : null,
    clientId: row.clientId,
    workflowId: row.workflowId,
    links: {
      self: base,
      events: `${base}/events`,
      tasks: `/v1/tasks?opportunityId=${row.id}`,
      proposal: `${base}/proposal`,
      outputs: `${base}/outputs`,
      ...(links.temporalUi ? { workflow: `${links.temporalUi}/namespaces/default/workflows/${row.workflowId}` } : {}),
    },
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}
export type OpportunityResource = ReturnType<typeof opportunityResource>;
