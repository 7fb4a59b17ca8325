/**
 * The public vocabulary of the opportunity path: stages and stage groups, events, roles,
 * gate codes, pause reasons, task kinds and what a client may see. The machine, the
 * workflow, the API schemas, the database enums and the docs all import these lists;
 * nothing else spells them out. A list with a database enum (db/schema/enums.ts) changes
 * only with a migration: `npm run db:generate`.
 */

/** Follow-ups are promised from qualification on; in `lead` consent and timing are still being gathered (Q1). */
export const FOLLOW_UP_STAGES = [
  'qualified',
  'discovery',
  'audit',
  'proposal',
  'approval',
  'sent',
  'contract',
] as const;

/** Stages a deal can be lost from (everything still in play), in path order. */
export const OPEN_STAGES = ['lead', ...FOLLOW_UP_STAGES] as const;
export type OpenStage = (typeof OPEN_STAGES)[number];

export const STAGES = [...OPEN_STAGES, 'won', 'handed_off', 'lost'] as const;
export type Stage = (typeof STAGES)[number];

/** Proposal work happens in these stages; before them a proposal-work pause holds nothing up. */
export const PROPOSAL_WORK_STAGES = ['audit', 'proposal', 'approval', 'sent'] as const satisfies readonly OpenStage[];

export const FOLLOW_UP_PAUSE_REASONS = ['consent', 'timing', 'source_context', 'decision_path'] as const;
export type FollowUpPauseReason = (typeof FOLLOW_UP_PAUSE_REASONS)[number];

export const PROPOSAL_PAUSE_REASONS = ['audit_evidence', 'scope', 'timeline', 'decision_path'] as const;
export type ProposalPauseReason = (typeof PROPOSAL_PAUSE_REASONS)[number];

/**
 * The moves of the stage path a rep, ops or the system makes. Most change the stage;
 * `STAGE_KEEPING_MOVES` name the ones that stay in their stage.
 */
const TRANSITION_EVENTS = [
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

/** The moves that stay in their stage. */
const STAGE_KEEPING_MOVES = [
  'APPROVE',
  'RECORD_VIEW',
  'RECORD_OBJECTION',
] as const satisfies readonly TransitionEventType[];
type StageChangingEvent = Exclude<TransitionEventType, (typeof STAGE_KEEPING_MOVES)[number]>;

/** Events that move a deal to another stage; they must carry their own next action (E1). */
export const STAGE_CHANGING_EVENTS: readonly StageChangingEvent[] = TRANSITION_EVENTS.filter(
  (type): type is StageChangingEvent => !(STAGE_KEEPING_MOVES as readonly string[]).includes(type),
);

/** Events that record facts without changing stage. */
const FACT_EVENTS = [
  'RECORD_QUALIFICATION',
  'RECORD_CONSENT',
  'RECORD_VERIFICATION',
  'RECORD_FOLLOW_UP',
  'RECORD_DISCOVERY',
  'RECORD_AUDIT_EVIDENCE',
  'RECORD_PROPOSAL_SECTION',
  'RECORD_CLIENT_SAFE_SUMMARY',
  'RECORD_PROPOSAL_MESSAGE',
  'APPROVE_CLIENT_SAFE_SUMMARY',
  'RESOLVE_OBJECTION',
  'RECORD_CONTRACT',
  'RECORD_HANDOFF_CLIENT',
  'RECORD_PORTAL_CONTACTS',
  'RECORD_CONNECTOR_ACCOUNT',
  'RECORD_DATA_SOURCE',
  'RECORD_REPORTING_BASELINE',
  'RECORD_SERVICES_SOLD',
  'SET_NEXT_ACTION',
  'REASSIGN',
  'RECORD_NOTE',
  'UPDATE_DEAL',
  'CREATE_TASK',
  'ASSIGN_TASK',
  'CANCEL_TASK',
  'COMPLETE_TASK',
] as const;

export const EVENT_TYPES = [...TRANSITION_EVENTS, ...FACT_EVENTS] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/**
 * Events that reach a deal another way than `POST /v1/opportunities/{id}/events`: the workflow
 * completes a handoff, a proposal link records a view, the task routes create, assign, cancel
 * and complete tasks (`POST /v1/opportunities/{id}/tasks`, `POST /v1/tasks/{id}/...`).
 */
export const INDIRECT_EVENTS = [
  'COMPLETE_HANDOFF',
  'RECORD_VIEW',
  'CREATE_TASK',
  'ASSIGN_TASK',
  'CANCEL_TASK',
  'COMPLETE_TASK',
] as const satisfies readonly EventType[];

/** The events a person sends to a deal's event endpoint. */
export const CALLER_EVENTS = EVENT_TYPES.filter((type) => !(INDIRECT_EVENTS as readonly string[]).includes(type));

/** The roles of people who sign in (a user's role, a token's role). */
export const USER_ROLES = ['admin', 'ops', 'rep', 'portal'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** Who sends an event: a person, or the deal's own workflow. Approvals need `ops` or `admin` (AP1). */
export const ACTOR_ROLES = [...USER_ROLES, 'system'] as const;
export type ActorRole = (typeof ACTOR_ROLES)[number];
export const APPROVER_ROLES = ['admin', 'ops'] as const satisfies readonly ActorRole[];
/** Who may hand a deal to another owner besides its current owner (OW1). */
export const REASSIGNER_ROLES = ['admin', 'ops'] as const satisfies readonly ActorRole[];
/** Who may own a deal: a person who works the pipeline (an active user of these roles, checked by the API). */
export const OWNER_ROLES = ['rep', 'ops'] as const satisfies readonly UserRole[];

/** The facts each stage's record event gathers: qualification (Q1), discovery (D1), handoff readiness (W2). */
const FACTS = {
  qualification: ['source', 'service_fit', 'urgency', 'decision_owner', 'contact_path', 'budget_signal'],
  discovery: ['discovery_notes', 'pain_points', 'current_lead_flow', 'provider_stack', 'decision_criteria'],
  handoff: ['contract_state', 'payment_state', 'kickoff_date', 'onboarding_owner', 'launch_blockers'],
} as const;

export const QUALIFICATION_FACTS = FACTS.qualification;
export type QualificationFact = (typeof QUALIFICATION_FACTS)[number];

export const DISCOVERY_FACTS = FACTS.discovery;
export type DiscoveryFact = (typeof DISCOVERY_FACTS)[number];

export const PROPOSAL_SECTIONS = ['scope', 'exclusions', 'assumptions', 'integrations', 'timeline', 'pricing'] as const;

/** Everything RECORD_PROPOSAL_SECTION accepts: the six S1 sections plus expected improvement. */
export const PROPOSAL_SECTION_KINDS = [...PROPOSAL_SECTIONS, 'expected_improvement'] as const;
export type ProposalSectionKind = (typeof PROPOSAL_SECTION_KINDS)[number];

/** Sections that name scope, price, timeline or expected improvement: they need audit evidence (A1). */
export const EVIDENCE_BOUND_SECTIONS: readonly ProposalSectionKind[] = [
  'scope',
  'pricing',
  'timeline',
  'expected_improvement',
];

export const HANDOFF_FACTS = FACTS.handoff;

/**
 * What delivery needs, gathered in `contract` before the win (HO1): the client (never a
 * duplicate), who logs in to the portal, the provider accounts delivery connects, the data
 * sources that feed reporting, the audit's lead-flow baseline, and the services sold.
 */
export const HANDOFF_CONTEXT_FACTS = [
  'handoff_client',
  'portal_contacts',
  'connector_accounts',
  'data_sources',
  'reporting_baseline',
  'services_sold',
] as const;
export type HandoffContextFact = (typeof HANDOFF_CONTEXT_FACTS)[number];

/** Where delivery's access to a client's provider account stands; only `granted` lets the handoff run. */
export const CONNECTOR_ACCESS_STATES = ['requested', 'granted', 'refused'] as const;
export type ConnectorAccess = (typeof CONNECTOR_ACCESS_STATES)[number];

/** The deal's own fields people correct with UPDATE_DEAL (OW1); each change keeps its before and after. */
export const DEAL_FIELDS = ['title', 'company', 'contact', 'value', 'expectedCloseDate', 'probability'] as const;
export type DealField = (typeof DEAL_FIELDS)[number];

/**
 * Why a won deal's handoff waits (HO1): a context fact missing, a connector whose access is not
 * granted, a step that failed past its retries, or a record written without its required fields.
 */
export const HANDOFF_BLOCKER_CODES = [
  ...HANDOFF_CONTEXT_FACTS,
  'connector_access',
  'handoff_step_failed',
  'handoff_record_incomplete',
] as const;
export type HandoffBlockerCode = (typeof HANDOFF_BLOCKER_CODES)[number];

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

/** Text that may reach a client is `client_safe` only once approved for the current version (K1). */
export const VISIBILITIES = ['internal', 'client_safe'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

/** The client-safe summaries a client may read once approved (K1). */
export const SUMMARY_KINDS = ['audit_findings', 'revenue_proof', 'provider_caveats', 'launch_blockers'] as const;
export type SummaryKind = (typeof SUMMARY_KINDS)[number];

/** The gate of each summary draft a submission needs: `audit_findings_summary`, … (K1). */
export type SummaryDraftGate = `${SummaryKind}_summary`;
export const summaryDraftGate = (kind: SummaryKind): SummaryDraftGate => `${kind}_summary`;
export const SUMMARY_DRAFT_GATES: readonly SummaryDraftGate[] = SUMMARY_KINDS.map(summaryDraftGate);

/**
 * The tasks an accepted event promises (TK1): a follow-up for every new next action (`next_action`,
 * internal work, while follow-up is paused), the review of a submitted proposal, the contract step
 * of an accepted one, the handoff of a win.
 */
export const EVENT_TASK_KINDS = [
  'follow_up',
  'next_action',
  'proposal_review',
  'contract_step',
  'onboarding_handoff',
] as const;
export type EventTaskKind = (typeof EVENT_TASK_KINDS)[number];

/**
 * Every task kind: the events' promises, then the workflow's own (timers, a revision's retest, a
 * refused write) and the handoff's tasks for delivery (kickoff, launch blockers), which outlive the deal.
 */
export const TASK_KINDS = [
  ...EVENT_TASK_KINDS,
  'next_action_overdue',
  'escalation',
  'decision_deadline',
  'win_back',
  'retest',
  'write_blocked',
  'handoff_blocker',
  'delivery',
  'webhook_failing',
  'other',
] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

/** Tasks that ask someone to contact the client: none is created while follow-up is paused (F1). */
export const CLIENT_CONTACT_TASK_KINDS = ['follow_up', 'win_back'] as const satisfies readonly TaskKind[];

/** Named queues a task can wait in until a person takes it. */
export const TASK_QUEUES = ['ops'] as const;
export type TaskQueue = (typeof TASK_QUEUES)[number];

/** Why a task closed: done by a person, or no longer needed (closed by the deal's workflow). */
export const TASK_CLOSE_REASONS = [
  'completed',
  'superseded',
  'proposal_decided',
  'deadline_ended',
  'follow_up_paused',
  'deal_won',
  'deal_lost',
  'handed_off',
  'reactivated',
  'unblocked',
  'cancelled',
] as const;
export type TaskCloseReason = (typeof TASK_CLOSE_REASONS)[number];

/**
 * Which of a deal's open tasks an event closes, and how: by id (a person completing one) or by
 * kind (what they were for happened or stopped mattering). `closedBy` becomes the owner of a
 * queued task a person closes, so the queue shows who took it.
 */
export interface TaskClosure {
  taskId?: string;
  kinds?: readonly TaskKind[];
  status: 'done' | 'cancelled';
  reason: TaskCloseReason;
  note?: string | null;
  closedBy: string;
}

/**
 * What a person's event does to the deal's tasks besides closing some (OW1), written in the
 * event's transaction: a task made by hand (its id chosen by the API), a task given to another
 * person or queue, and the open tasks of a previous owner moving with a reassigned deal.
 */
export interface TaskChanges {
  create: {
    taskId: string;
    title: string;
    dueAt: string;
    ownerId: string | null;
    queue: TaskQueue | null;
    note: string | null;
    createdBy: string;
  }[];
  assign: { taskId: string; ownerId: string | null; queue: TaskQueue | null }[];
  moveOwner: { from: string; to: string } | null;
}

/** One field an event changed, before and after, for the timeline (OW1). */
export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
}

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
  /** The four client-safe summaries exist as drafts before a proposal is submitted. */
  K1: SUMMARY_DRAFT_GATES,
  AP1: [
    'approval',
    'client_safe_summary',
    'approver_not_submitter',
    'approver_not_author',
    'approver_role',
    'approves_current_text',
  ],
  /** ACCEPT waits for every objection to be resolved; RESOLVE_OBJECTION needs a known objection. */
  T1: ['objection_open', 'known_objection'],
  W2: [...HANDOFF_FACTS],
  /** The handoff context MARK_WON waits for; a data source must name a recorded connector account. */
  HO1: [...HANDOFF_CONTEXT_FACTS, 'known_connector'],
  W1: ['handoff_complete'],
  L1: ['lost_reason', 'reactivation_window'],
  E1: ['next_action'],
  /** A deal changes hands by its owner, or by ops or admin. */
  OW1: ['may_reassign'],
  STAGE: ['stage'],
} as const;
export type GateCode = (typeof GATES)[keyof typeof GATES][number];
export const GATE_CODES = [...new Set(Object.values(GATES).flat())] as GateCode[];
