/**
 * The public vocabulary of the opportunity path: stages, events, gate codes and pause
 * reasons. The machine, the workflow, the API schemas, the database enums and the docs
 * all import these lists; nothing else spells them out.
 */

export const STAGES = [
  'lead',
  'qualified',
  'discovery',
  'audit',
  'proposal',
  'approval',
  'sent',
  'contract',
  'won',
  'handed_off',
  'lost',
] as const;
export type Stage = (typeof STAGES)[number];

/** Stages a deal can be lost from (everything still in play). */
export const OPEN_STAGES = [
  'lead',
  'qualified',
  'discovery',
  'audit',
  'proposal',
  'approval',
  'sent',
  'contract',
] as const satisfies readonly Stage[];
export type OpenStage = (typeof OPEN_STAGES)[number];

export const FOLLOW_UP_PAUSE_REASONS = ['consent', 'timing', 'source_context', 'decision_path'] as const;
export type FollowUpPauseReason = (typeof FOLLOW_UP_PAUSE_REASONS)[number];

export const PROPOSAL_PAUSE_REASONS = ['audit_evidence', 'scope', 'timeline', 'decision_path'] as const;
export type ProposalPauseReason = (typeof PROPOSAL_PAUSE_REASONS)[number];

export const PAUSE_KINDS = ['follow_up', 'proposal_work'] as const;
export type PauseKind = (typeof PAUSE_KINDS)[number];

/**
 * The moves of the stage path a rep, ops or the system makes. Most change the stage;
 * APPROVE, RECORD_VIEW and RECORD_OBJECTION are moves that stay in their stage
 * (`STAGE_CHANGING_EVENTS` lists the ones that change it).
 */
export const TRANSITION_EVENTS = [
  'QUALIFY',
  'START_DISCOVERY',
  'START_AUDIT',
  'START_PROPOSAL',
  'SUBMIT_FOR_APPROVAL',
  'APPROVE',
  'REJECT',
  'SEND_PROPOSAL',
  'RECORD_VIEW',
  'RECORD_OBJECTION',
  'ACCEPT',
  'MARK_WON',
  'MARK_LOST',
  'REACTIVATE',
  'COMPLETE_HANDOFF',
  'REVISE_PROPOSAL',
] as const;
export type TransitionEventType = (typeof TRANSITION_EVENTS)[number];

/** Events that move a deal to another stage; they must carry their own next action (E1). */
export const STAGE_CHANGING_EVENTS = [
  'QUALIFY',
  'START_DISCOVERY',
  'START_AUDIT',
  'START_PROPOSAL',
  'SUBMIT_FOR_APPROVAL',
  'REJECT',
  'SEND_PROPOSAL',
  'REVISE_PROPOSAL',
  'ACCEPT',
  'MARK_WON',
  'COMPLETE_HANDOFF',
  'MARK_LOST',
  'REACTIVATE',
] as const satisfies readonly TransitionEventType[];
export type StageChangingEventType = (typeof STAGE_CHANGING_EVENTS)[number];

/** Events that record facts without changing stage. */
export const FACT_EVENTS = [
  'RECORD_QUALIFICATION',
  'RECORD_CONSENT',
  'RECORD_VERIFICATION',
  'RECORD_FOLLOW_UP',
  'RECORD_DISCOVERY',
  'RECORD_AUDIT_EVIDENCE',
  'RECORD_PROPOSAL_SECTION',
  'APPROVE_CLIENT_SAFE_SUMMARY',
  'RESOLVE_OBJECTION',
  'RECORD_CONTRACT',
  'SET_NEXT_ACTION',
] as const;
export type FactEventType = (typeof FACT_EVENTS)[number];

export const EVENT_TYPES = [...TRANSITION_EVENTS, ...FACT_EVENTS] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Who sends an event. Approvals need `ops` or `admin` (AP1). */
export const ACTOR_ROLES = ['admin', 'ops', 'rep', 'portal', 'system'] as const;
export type ActorRole = (typeof ACTOR_ROLES)[number];
export const APPROVER_ROLES = ['admin', 'ops'] as const satisfies readonly ActorRole[];

export const QUALIFICATION_FACTS = [
  'source',
  'service_fit',
  'urgency',
  'decision_owner',
  'contact_path',
  'budget_signal',
] as const;
export type QualificationFact = (typeof QUALIFICATION_FACTS)[number];

export const DISCOVERY_FACTS = [
  'discovery_notes',
  'pain_points',
  'current_lead_flow',
  'provider_stack',
  'decision_criteria',
] as const;
export type DiscoveryFact = (typeof DISCOVERY_FACTS)[number];

export const PROPOSAL_SECTIONS = ['scope', 'exclusions', 'assumptions', 'integrations', 'timeline', 'pricing'] as const;
export type ProposalSection = (typeof PROPOSAL_SECTIONS)[number];

/** Everything RECORD_PROPOSAL_SECTION accepts: the six S1 sections plus expected improvement. */
export const PROPOSAL_SECTION_KINDS = [...PROPOSAL_SECTIONS, 'expected_improvement'] as const;
export type ProposalSectionKind = (typeof PROPOSAL_SECTION_KINDS)[number];

/** Sections that name scope, price, timeline or expected improvement: they need audit evidence (A1). */
export const EVIDENCE_BOUND_SECTIONS = ['scope', 'pricing', 'timeline', 'expected_improvement'] as const satisfies readonly ProposalSectionKind[];
export type EvidenceBoundSection = (typeof EVIDENCE_BOUND_SECTIONS)[number];

export const HANDOFF_FACTS = [
  'contract_state',
  'payment_state',
  'kickoff_date',
  'onboarding_owner',
  'launch_blockers',
] as const;
export type HandoffFact = (typeof HANDOFF_FACTS)[number];

export const CONTRACT_STATES = ['not_started', 'drafted', 'sent', 'signed', 'cancelled'] as const;
export type ContractState = (typeof CONTRACT_STATES)[number];

export const PAYMENT_STATES = ['not_invoiced', 'invoiced', 'deposit_paid', 'paid', 'overdue'] as const;
export type PaymentState = (typeof PAYMENT_STATES)[number];

export const LOST_REASONS = ['competitor', 'budget', 'no_fit', 'no_decision', 'timing', 'other'] as const;
export type LostReason = (typeof LOST_REASONS)[number];
/** Lost reasons whose context (competitor, budget issue, no-fit reason) must be written down (L1). */
export const LOST_REASONS_NEEDING_DETAIL = ['competitor', 'budget', 'no_fit'] as const satisfies readonly LostReason[];

export const CONSENT_STATES = ['unknown', 'granted', 'withdrawn'] as const;
export type ConsentState = (typeof CONSENT_STATES)[number];

/** The records a won deal moves into before delivery starts (W1). */
export const HANDOFF_RECORDS = ['client', 'project', 'tasks', 'portal', 'connectors', 'reporting'] as const;
export type HandoffRecord = (typeof HANDOFF_RECORDS)[number];

/**
 * Every gate code a refused move can name. Grouped by the requirement that defines it.
 */
export const GATES = {
  Q1: [...QUALIFICATION_FACTS, 'next_action'],
  D1: [...DISCOVERY_FACTS],
  A1: ['audit_evidence'],
  S1: [...PROPOSAL_SECTIONS],
  P1: ['proposal_work_paused'],
  F1: ['follow_up_paused'],
  AP1: ['approval', 'client_safe_summary', 'approver_not_submitter', 'approver_role'],
  /** ACCEPT waits for every objection to be resolved; RESOLVE_OBJECTION needs a known objection. */
  T1: ['objection_open', 'known_objection'],
  W2: [...HANDOFF_FACTS],
  W1: ['handoff_complete'],
  L1: ['lost_reason', 'reactivation_window'],
  E1: ['next_action'],
  STAGE: ['stage'],
} as const;
export type GateCode = (typeof GATES)[keyof typeof GATES][number];
export const GATE_CODES = [...new Set(Object.values(GATES).flat())] as GateCode[];
