import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { followUpPauseReasons, pausesHoldingUp, proposalPauseReasons } from '../../machines/opportunity';
import { timerFacts } from './deal-facts';
import type { CarriedState } from './messages';
import {
  DEAL_BLOCKED,
  DEAL_DORMANT,
  DEAL_OVERDUE,
  DEAL_OWNER,
  DEAL_PAUSED,
  DEAL_STAGE,
  DECISION_DEADLINE,
  HANDOFF_BLOCKERS,
  NEXT_ACTION_DUE_AT,
} from './search-attributes';

/**
 * Tells the Temporal UI what ops filter on (search attributes) and read (the memo summary).
 * Only what changed since the last call is sent: each upsert is history, a visibility write
 * and CPU.
 */
export function createPublisher() {
  const published: { attributes: Record<string, string>; details: string | null } = { attributes: {}, details: null };
  return (state: CarriedState): void => {
    const facts = timerFacts(state.deal);
    // "Paused" means what the stuck list means: a pause that holds the deal up in its stage.
    const paused = pausesHoldingUp(state.deal.stage, state.deal.context);
    const blockerCodes = [...new Set(state.handoff.blockers.map((b) => b.code))];
    const updates = [
      { key: DEAL_STAGE, value: state.deal.stage },
      { key: DEAL_OWNER, value: facts.ownerId },
      { key: NEXT_ACTION_DUE_AT, value: facts.nextAction ? new Date(facts.nextAction.dueAt) : null },
      { key: DECISION_DEADLINE, value: facts.decisionDeadline ? new Date(facts.decisionDeadline) : null },
      { key: DEAL_OVERDUE, value: state.flags.overdue || state.flags.decisionOverdue },
      { key: DEAL_PAUSED, value: paused.followUp || paused.proposalWork },
      { key: DEAL_DORMANT, value: state.flags.dormant },
      { key: DEAL_BLOCKED, value: state.blocked?.code ?? null },
      { key: HANDOFF_BLOCKERS, value: blockerCodes.length > 0 ? blockerCodes : null },
    ];
    const changed = updates.filter(({ key, value }) => published.attributes[key.name] !== JSON.stringify(value));
    if (changed.length > 0) upsertSearchAttributes(changed as typeof updates);
    for (const { key, value } of changed) published.attributes[key.name] = JSON.stringify(value);
    const details = currentDetails(state, paused);
    // Current details are the workflow's own state, read by the UI with a query: no history event.
    if (details !== published.details) setCurrentDetails(details);
    published.details = details;
  };
}

/** A person's name with the id beside it, or the id alone when the name is unknown. */
const named = (name: string | null, id: string): string => (name ? `${name} (${id})` : id);

/**
 * What the Temporal UI shows on the workflow's page (Markdown): stage, owner, next action and,
 * when the deal is stuck, why: what ops otherwise had to assemble from search attributes.
 */
export function currentDetails(state: CarriedState, paused: { followUp: boolean; proposalWork: boolean }): string {
  const { context, stage } = state.deal;
  const next = context.nextAction;
  const stuck: string[] = [];
  if (state.blocked) stuck.push(`a write was refused for good: ${state.blocked.what} (${state.blocked.code})`);
  if (state.flags.overdue) stuck.push('next action overdue');
  if (state.flags.decisionOverdue) stuck.push('decision deadline passed');
  if (paused.followUp) stuck.push(`follow-up paused (${followUpPauseReasons(context).join(', ')})`);
  if (paused.proposalWork) stuck.push(`proposal work paused (${proposalPauseReasons(context).join(', ')})`);
  if (state.flags.dormant) stuck.push('dormant');
  if (state.handoff.blockers.length > 0)
    stuck.push(`handoff waits: ${state.handoff.blockers.map((b) => b.detail).join('; ')}`);
  return [
    `**${context.details.company}** · ${context.details.title}`,
    `Stage: **${stage}** · Owner: ${named(context.ownerName, context.ownerId)}`,
    next ? `Next action: ${next.description}, due ${next.dueAt} (${next.ownerId})` : 'No next action',
    stuck.length > 0 ? `Stuck: ${stuck.join('; ')}` : 'Not stuck',
  ].join('\n\n');
}
