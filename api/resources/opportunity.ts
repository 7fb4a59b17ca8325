import {
  explain,
  initialContext,
  STAGES,
  type DealContext,
  type DealState,
  type Explanation,
} from '../../machines/opportunity';
import type { OpportunityRow } from '../../db/schema';
import { workflowUiLink, type TemporalUiConfig } from '../temporal-ui';
import { iso, unreadableColumns, unreadableRecord } from './unreadable';

export { iso };

const INITIAL_CONTEXT = initialContext({ opportunityId: '', ownerId: '', at: '' });

/** The parts of a deal's context that are records (proposal, contract, …): reads reach into them. */
const CONTEXT_RECORDS = Object.entries(INITIAL_CONTEXT)
  .filter(([, value]) => typeof value === 'object' && value !== null && !Array.isArray(value))
  .map(([key]) => key);

/** A snapshot projected before HO1 has no handoff context: nothing of it was recorded then. */
function withHandoffContext(deal: DealState): DealState {
  if ((deal.context as Partial<DealContext>).handoffContext !== undefined) return deal;
  return { ...deal, context: { ...deal.context, handoffContext: INITIAL_CONTEXT.handoffContext } };
}

/** The machine's reading of a stored snapshot; null when it is not a state of the deal machine. */
function explained(snapshot: unknown): { deal: DealState; explanation: Explanation } | null {
  const stored = snapshot as DealState | null;
  if (typeof stored !== 'object' || stored === null || typeof stored.context !== 'object' || stored.context === null)
    return null;
  if (!(STAGES as readonly string[]).includes(stored.stage)) return null;
  const deal = withHandoffContext(stored);
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

/** The deal state of a row, or null when its snapshot is not one the machine can read. */
export const readableDealState = (row: OpportunityRow): DealState | null => explained(row.snapshot)?.deal ?? null;

/**
 * The handoff blockers stored on a row (HO1), each `{ code, ref, detail }`. The workflow writes
 * them; an entry of another shape (a hand edit) is left out rather than failing the read.
 */
export function handoffBlockersOf(row: Pick<OpportunityRow, 'handoffBlockers'>) {
  const stored: unknown = row.handoffBlockers;
  if (!Array.isArray(stored)) return [];
  return stored.flatMap((b: unknown) => {
    const entry = b as Record<string, unknown> | null;
    if (typeof entry !== 'object' || entry === null || typeof entry.code !== 'string') return [];
    return [
      {
        code: entry.code,
        ref: typeof entry.ref === 'string' ? entry.ref : null,
        detail: typeof entry.detail === 'string' ? entry.detail : '',
      },
    ];
  });
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

/** Users' names by id, looked up by the route; an id missing from it shows name null. */
export type Names = ReadonlyMap<string, string>;

/** The ids whose names an opportunity response shows: its owner and its next action's owner. */
export const namedIdsOf = (row: Pick<OpportunityRow, 'ownerId' | 'nextActionOwner'>): string[] =>
  [row.ownerId, row.nextActionOwner].filter((id): id is string => id !== null);

/**
 * A person as responses show them, id and name. The name comes from the users table when the
 * route looked it up, else from the deal itself (the API gives the owner's name to the deal at
 * creation and reassignment), else null: an id that names no user (a next action may name anyone).
 */
function personOf(id: string | null, names: Names | undefined, fromDeal: Map<string, string>) {
  if (id === null) return null;
  return { id, name: names?.get(id) ?? fromDeal.get(id) ?? null };
}

/** The deal's own fields (OW1) from the read model's columns, which the workflow projects from the machine's details. */
function detailsOf(row: OpportunityRow) {
  return {
    contact: row.contactName
      ? { name: row.contactName, email: row.contactEmail ?? null, phone: row.contactPhone ?? null }
      : null,
    value: row.valueCents !== null && row.currency ? { amountCents: row.valueCents, currency: row.currency } : null,
    expectedCloseDate: row.expectedCloseDate ?? null,
    probability: row.probability ?? null,
  };
}

/**
 * The opportunity as every response shows it: stage, pauses, allowed events, gates, next action.
 * Total over every row the table can hold: a field that cannot be shown reads as null and is
 * named in `unreadable` (a snapshot the machine cannot read leaves the pauses of the projected
 * columns and no allowed events).
 */
export function opportunityResource(row: OpportunityRow, temporalUi: TemporalUiConfig = {}, names?: Names) {
  const found = explained(row.snapshot);
  const dealOwnerName = text((found?.deal.context as { ownerName?: unknown } | undefined)?.ownerName);
  const fromDeal = new Map(dealOwnerName && found ? [[found.deal.context.ownerId, dealOwnerName]] : []);
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
  const shownAction = row.nextActionDescription
    ? { description: row.nextActionDescription, dueAt: iso(row.nextActionDueAt), ownerId: row.nextActionOwner }
    : fromContext && text(fromContext.description) !== null
      ? { description: text(fromContext.description)!, dueAt: contextDueShown, ownerId: text(fromContext.ownerId) }
      : null;
  const nextAction = shownAction && { ...shownAction, owner: personOf(shownAction.ownerId, names, fromDeal) };
  const unreadable = [
    ...unreadableColumns(row),
    ...(found ? [] : ['snapshot']),
    ...(!row.nextActionDescription && contextDue !== null && contextDueShown === null ? ['nextAction.dueAt'] : []),
  ];
  return {
    ...dealHeading(row),
    owner: personOf(row.ownerId, names, fromDeal)!,
    ...detailsOf(row),
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
    handoff: { blockers: handoffBlockersOf(row) },
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
    lastActivityAt: iso(row.lastActivityAt ?? null),
    ...(unreadable.length > 0 ? { unreadable } : {}),
  };
}
