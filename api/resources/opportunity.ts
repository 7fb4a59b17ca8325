import { explain, initialContext, STAGES, type DealState, type Explanation } from '../../machines/opportunity';
import type { OpportunityRow } from '../../db/schema';
import { workflowUiLink, type TemporalUiConfig } from '../temporal-ui';
import { iso, unreadableColumns, unreadableRecord } from './unreadable';

export { iso };

/** The parts of a deal's context that are records (proposal, contract, …): reads reach into them. */
const CONTEXT_RECORDS = Object.entries(initialContext({ opportunityId: '', ownerId: '', at: '' }))
  .filter(([, value]) => typeof value === 'object' && value !== null && !Array.isArray(value))
  .map(([key]) => key);

/** The machine's reading of a stored snapshot; null when it is not a state of the deal machine. */
function explained(snapshot: unknown): { deal: DealState; explanation: Explanation } | null {
  const deal = snapshot as DealState | null;
  if (typeof deal !== 'object' || deal === null || typeof deal.context !== 'object' || deal.context === null)
    return null;
  if (!(STAGES as readonly string[]).includes(deal.stage)) return null;
  const context = deal.context as unknown as Record<string, unknown>;
  if (CONTEXT_RECORDS.some((key) => typeof context[key] !== 'object' || context[key] === null)) return null;
  try {
    return { deal, explanation: explain(deal) };
  } catch {
    return null;
  }
}

/** The deal state of a row, for reads built from the machine's facts; a snapshot the machine cannot read is a clear problem. */
export function dealStateOf(row: OpportunityRow): DealState {
  const found = explained(row.snapshot);
  if (!found) throw unreadableRecord(row.id, ['snapshot']);
  return found.deal;
}

/** The fields that name a deal in every listing of it (`dealHeadingShape`). */
export const dealHeading = (row: Pick<OpportunityRow, 'id' | 'title' | 'company' | 'stage' | 'ownerId'>) => ({
  id: row.id,
  title: row.title,
  company: row.company,
  stage: row.stage,
  ownerId: row.ownerId,
});

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/**
 * The opportunity as every response shows it: stage, pauses, allowed events, gates, next action.
 * Total over every row the table can hold: a field that cannot be shown reads as null and is
 * named in `unreadable` (a snapshot the machine cannot read leaves the pauses of the projected
 * columns and no allowed events).
 */
export function opportunityResource(row: OpportunityRow, temporalUi: TemporalUiConfig = {}) {
  const found = explained(row.snapshot);
  const explanation = found?.explanation ?? {
    pauses: {
      followUp: {
        paused: row.followUpPauseReasons.length > 0,
        reasons: row.followUpPauseReasons as Explanation['pauses']['followUp']['reasons'],
      },
      proposalWork: {
        paused: row.proposalPauseReasons.length > 0,
        reasons: row.proposalPauseReasons as Explanation['pauses']['proposalWork']['reasons'],
      },
    },
    allowedEvents: [],
    nextStage: null,
    nextStageGates: [],
  };
  const base = `/v1/opportunities/${row.id}`;
  const workflow = workflowUiLink(temporalUi, row.workflowId);
  // The projected columns, or the machine's own next action when the row has none projected yet (a new lead).
  const fromContext = found?.deal.context.nextAction as Record<string, unknown> | null | undefined;
  const contextDue = text(fromContext?.dueAt);
  const contextDueShown = contextDue !== null && Number.isFinite(Date.parse(contextDue)) ? contextDue : null;
  const nextAction = row.nextActionDescription
    ? { description: row.nextActionDescription, dueAt: iso(row.nextActionDueAt), ownerId: row.nextActionOwner }
    : fromContext && text(fromContext.description) !== null
      ? { description: text(fromContext.description)!, dueAt: contextDueShown, ownerId: text(fromContext.ownerId) }
      : null;
  const unreadable = [
    ...unreadableColumns(row),
    ...(found ? [] : ['snapshot']),
    ...(!row.nextActionDescription && contextDue !== null && contextDueShown === null ? ['nextAction.dueAt'] : []),
  ];
  return {
    ...dealHeading(row),
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
    blocked: row.blockedCode ? { code: row.blockedCode, detail: row.blockedDetail, since: iso(row.blockedAt) } : null,
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
      ...(workflow ? { workflow } : {}),
    },
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
    ...(unreadable.length > 0 ? { unreadable } : {}),
  };
}
