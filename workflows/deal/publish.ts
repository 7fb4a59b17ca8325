import { upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';
import { pausesHoldingUp } from '../../machines/opportunity';
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
export function createPublisher(company: string) {
  const published: { attributes: Record<string, string>; summary: string | null } = { attributes: {}, summary: null };
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
    const due = facts.nextAction
      ? `next: ${facts.nextAction.description} by ${facts.nextAction.dueAt}`
      : 'no next action';
    const blocked = state.blocked ? ` · BLOCKED: ${state.blocked.what} refused (${state.blocked.code})` : '';
    const waiting =
      state.handoff.blockers.length > 0
        ? ` · HANDOFF WAITS: ${state.handoff.blockers.map((b) => b.detail).join('; ')}`
        : '';
    const summary = `${company} · ${state.deal.stage} · owner ${facts.ownerId} · ${due}${blocked}${waiting}`;
    const changed = updates.filter(({ key, value }) => published.attributes[key.name] !== JSON.stringify(value));
    if (changed.length > 0) upsertSearchAttributes(changed as typeof updates);
    for (const { key, value } of changed) published.attributes[key.name] = JSON.stringify(value);
    if (summary !== published.summary) upsertMemo({ summary });
    published.summary = summary;
  };
}
