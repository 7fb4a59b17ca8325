import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** What ops filter on in the Temporal UI (DL1): registered by the dev server at start. */
export const DEAL_STAGE = defineSearchAttributeKey('DealStage', SearchAttributeType.KEYWORD);
export const DEAL_OWNER = defineSearchAttributeKey('DealOwner', SearchAttributeType.KEYWORD);
export const NEXT_ACTION_DUE_AT = defineSearchAttributeKey('NextActionDueAt', SearchAttributeType.DATETIME);
export const DECISION_DEADLINE = defineSearchAttributeKey('DecisionDeadline', SearchAttributeType.DATETIME);
export const DEAL_OVERDUE = defineSearchAttributeKey('DealOverdue', SearchAttributeType.BOOL);
export const DEAL_PAUSED = defineSearchAttributeKey('DealPaused', SearchAttributeType.BOOL);
export const DEAL_DORMANT = defineSearchAttributeKey('DealDormant', SearchAttributeType.BOOL);
/** The code of a write refused for good (bad data), until the next accepted event: `DealBlocked IS NOT NULL` lists them. */
export const DEAL_BLOCKED = defineSearchAttributeKey('DealBlocked', SearchAttributeType.KEYWORD);

/** What holds a won deal's handoff up (HO1): `HandoffBlockers IS NOT NULL` lists every deal waiting on people. */
export const HANDOFF_BLOCKERS = defineSearchAttributeKey('HandoffBlockers', SearchAttributeType.KEYWORD_LIST);

export const DEAL_SEARCH_ATTRIBUTES = [
  DEAL_STAGE,
  DEAL_OWNER,
  NEXT_ACTION_DUE_AT,
  DECISION_DEADLINE,
  DEAL_OVERDUE,
  DEAL_PAUSED,
  DEAL_DORMANT,
  DEAL_BLOCKED,
  HANDOFF_BLOCKERS,
] as const;
