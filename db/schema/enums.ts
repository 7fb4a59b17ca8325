import { pgEnum } from 'drizzle-orm/pg-core';
import {
  CONTRACT_STATES,
  DISCOVERY_FACTS,
  LOST_REASONS,
  PAYMENT_STATES,
  PROPOSAL_SECTION_KINDS,
  STAGES,
  SUMMARY_KINDS,
  TASK_KINDS,
  USER_ROLES,
  VISIBILITIES,
} from '../../machines/opportunity/vocabulary';

export type {
  SummaryKind,
  TaskCloseReason,
  TaskKind,
  TaskQueue,
  UserRole,
  Visibility,
} from '../../machines/opportunity/vocabulary';

/*
 * Database enums. Lists that belong to the public vocabulary are imported from it; the
 * lists below them are the database's own (record states nobody else spells out).
 * Adding a value to any list needs a new migration: `npm run db:generate`.
 */

export const stageEnum = pgEnum('stage', STAGES);
export const lostReasonEnum = pgEnum('lost_reason', LOST_REASONS);
export const contractStateEnum = pgEnum('contract_state', CONTRACT_STATES);
export const paymentStateEnum = pgEnum('payment_state', PAYMENT_STATES);
export const proposalSectionEnum = pgEnum('proposal_section', PROPOSAL_SECTION_KINDS);
export const discoveryFactEnum = pgEnum('discovery_fact', DISCOVERY_FACTS);
export const userRoleEnum = pgEnum('user_role', USER_ROLES);
export const visibilityEnum = pgEnum('visibility', VISIBILITIES);
export const summaryKindEnum = pgEnum('summary_kind', SUMMARY_KINDS);
export const taskKindEnum = pgEnum('task_kind', TASK_KINDS);

export const PROPOSAL_STATUSES = ['draft', 'submitted', 'approved', 'sent', 'superseded'] as const;
export const proposalStatusEnum = pgEnum('proposal_status', PROPOSAL_STATUSES);

export const APPROVAL_KINDS = ['proposal', 'client_safe_summary'] as const;
export type ApprovalKind = (typeof APPROVAL_KINDS)[number];
export const approvalKindEnum = pgEnum('approval_kind', APPROVAL_KINDS);

export const APPROVAL_DECISIONS = ['approved', 'rejected'] as const;
export type ApprovalDecision = (typeof APPROVAL_DECISIONS)[number];
export const approvalDecisionEnum = pgEnum('approval_decision', APPROVAL_DECISIONS);

export const TASK_STATUSES = ['open', 'done', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export const taskStatusEnum = pgEnum('task_status', TASK_STATUSES);

export const AUTOMATION_RUN_STATUSES = ['succeeded', 'failed'] as const;
export type AutomationRunStatus = (typeof AUTOMATION_RUN_STATUSES)[number];
export const automationRunStatusEnum = pgEnum('automation_run_status', AUTOMATION_RUN_STATUSES);
