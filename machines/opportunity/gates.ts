/**
 * One check per gate code: `true` when the gate is met. The machine registers each one as
 * a named guard of the same name, and `applyEvent`/`explain` call the same functions to
 * name every unmet gate, so the refusals and the machine can never disagree.
 *
 * A check receives the event when there is one; `explain` passes `null` and only asks
 * about gates that depend on the context alone (see `moves.ts`).
 */
import {
  followUpPauseReasons,
  handoffContextRecorded,
  openObjections,
  proposalAuthors,
  proposalPauseReasons,
  type ContractFacts,
  type DealContext,
} from './context';
import type { DealEvent } from './events';
import {
  APPROVER_ROLES,
  DISCOVERY_FACTS,
  EVIDENCE_BOUND_SECTIONS,
  GATE_CODES,
  HANDOFF_CONTEXT_FACTS,
  HANDOFF_RECORDS,
  LOST_REASONS_NEEDING_DETAIL,
  PROPOSAL_SECTIONS,
  QUALIFICATION_FACTS,
  REASSIGNER_ROLES,
  STAGE_CHANGING_EVENTS,
  SUMMARY_KINDS,
  summaryDraftGate,
  type GateCode,
  type HandoffContextFact,
  type SummaryKind,
} from './vocabulary';

/** Every gate code except `stage`, which is structural (the event has no transition in this stage). */
export type GuardedGate = Exclude<GateCode, 'stage'>;
export const GUARDED_GATES = GATE_CODES.filter((g): g is GuardedGate => g !== 'stage');

export type GateCheck = (context: DealContext, event: DealEvent | null) => boolean;

const has = (value: string | null | undefined): boolean => typeof value === 'string' && value.trim().length > 0;

const isStageChanging = (event: DealEvent): boolean =>
  (STAGE_CHANGING_EVENTS as readonly string[]).includes(event.type);

/** The contract facts as they would be after this event (RECORD_CONTRACT in `won` must keep W2 intact). */
export function contractAfter(context: DealContext, event: DealEvent | null): ContractFacts {
  if (event?.type !== 'RECORD_CONTRACT') return context.contract;
  const c = context.contract;
  return {
    contractState: event.contractState ?? c.contractState,
    paymentState: event.paymentState ?? c.paymentState,
    kickoffDate: event.kickoffDate ?? c.kickoffDate,
    onboardingOwner: event.onboardingOwner ?? c.onboardingOwner,
    launchBlockers: event.launchBlockers ?? c.launchBlockers,
  };
}

const fact =
  (read: (context: DealContext) => string | null): GateCheck =>
  (context) =>
    has(read(context));

const qualificationChecks = Object.fromEntries(
  QUALIFICATION_FACTS.map((f) => [f, fact((c) => c.qualification[f])]),
) as Record<(typeof QUALIFICATION_FACTS)[number], GateCheck>;

const discoveryChecks = Object.fromEntries(DISCOVERY_FACTS.map((f) => [f, fact((c) => c.discovery[f])])) as Record<
  (typeof DISCOVERY_FACTS)[number],
  GateCheck
>;

const sectionChecks = Object.fromEntries(
  PROPOSAL_SECTIONS.map((s): [string, GateCheck] => [s, (c) => c.proposal.sections[s] !== null]),
) as Record<(typeof PROPOSAL_SECTIONS)[number], GateCheck>;

const summaryDraftChecks = Object.fromEntries(
  SUMMARY_KINDS.map((kind): [string, GateCheck] => [
    summaryDraftGate(kind),
    (c) => c.proposal.summaries[kind] !== null,
  ]),
) as Record<ReturnType<typeof summaryDraftGate>, GateCheck>;

const handoffContextChecks = Object.fromEntries(
  HANDOFF_CONTEXT_FACTS.map((f): [string, GateCheck] => [f, (c) => handoffContextRecorded(c)[f]]),
) as Record<HandoffContextFact, GateCheck>;

/** The approval names the current proposal version and the current revision of every drafted text, and nothing else. */
function approvesCurrentText(context: DealContext, event: DealEvent | null): boolean {
  if (event?.type !== 'APPROVE_CLIENT_SAFE_SUMMARY') return false;
  const p = context.proposal;
  const drafted = SUMMARY_KINDS.filter((kind) => p.summaries[kind] !== null);
  const named = Object.keys(event.summaries) as SummaryKind[];
  return (
    event.proposalVersion === p.version &&
    named.length === drafted.length &&
    drafted.every((kind) => event.summaries[kind] === p.summaries[kind]?.revision) &&
    (event.message ?? null) === (p.message?.revision ?? null)
  );
}

export const GATE_CHECKS: Record<GuardedGate, GateCheck> = {
  // Q1
  ...qualificationChecks,
  next_action: (context, event) => {
    // E1: a move to another stage brings its own next action; a move within the stage may keep the current one.
    if (event === null) return context.nextAction !== null;
    if (isStageChanging(event)) return event.nextAction !== undefined;
    return event.nextAction !== undefined || context.nextAction !== null;
  },
  // D1
  ...discoveryChecks,
  // A1: evidence first; a section that names no scope, price, timeline or improvement needs none.
  audit_evidence: (context, event) => {
    if (
      event?.type === 'RECORD_PROPOSAL_SECTION' &&
      !(EVIDENCE_BOUND_SECTIONS as readonly string[]).includes(event.section)
    ) {
      return true;
    }
    return context.auditEvidence.length > 0;
  },
  // S1
  ...sectionChecks,
  // P1, F1
  proposal_work_paused: (context) => proposalPauseReasons(context).length === 0,
  follow_up_paused: (context) => followUpPauseReasons(context).length === 0,
  // K1
  ...summaryDraftChecks,
  // AP1
  approval: (context) => context.proposal.approvedBy !== null,
  client_safe_summary: (context) => context.proposal.clientSafeSummaryApprovedBy !== null,
  approver_not_submitter: (context, event) => event !== null && event.actor.id !== context.proposal.submittedBy,
  approver_not_author: (context, event) => event !== null && !proposalAuthors(context).includes(event.actor.id),
  approves_current_text: approvesCurrentText,
  approver_role: (_context, event) =>
    event !== null && (APPROVER_ROLES as readonly string[]).includes(event.actor.role),
  // T1 objections
  objection_open: (context) => openObjections(context).length === 0,
  known_objection: (context, event) =>
    event?.type === 'RESOLVE_OBJECTION' && context.proposal.objections.some((o) => o.objectionId === event.objectionId),
  // W2
  contract_state: (context, event) => contractAfter(context, event).contractState === 'signed',
  payment_state: (context, event) => {
    const payment = contractAfter(context, event).paymentState;
    return payment !== null && payment !== 'not_invoiced';
  },
  kickoff_date: (context, event) => has(contractAfter(context, event).kickoffDate),
  onboarding_owner: (context, event) => has(contractAfter(context, event).onboardingOwner),
  launch_blockers: (context, event) => contractAfter(context, event).launchBlockers !== null,
  // OW1: the owner hands over, or ops and admin reassign.
  may_reassign: (context, event) =>
    event !== null &&
    (event.actor.id === context.ownerId || (REASSIGNER_ROLES as readonly string[]).includes(event.actor.role)),
  // HO1
  ...handoffContextChecks,
  known_connector: (context, event) =>
    event?.type === 'RECORD_DATA_SOURCE' &&
    context.handoffContext.connectors.some((c) => c.connectorId === event.connectorId),
  // W1
  handoff_complete: (_context, event) =>
    event?.type === 'COMPLETE_HANDOFF' && HANDOFF_RECORDS.every((r) => event.records[r] === true),
  // L1
  lost_reason: (_context, event) => {
    if (event?.type !== 'MARK_LOST' || event.reason === undefined) return false;
    return !(LOST_REASONS_NEEDING_DETAIL as readonly string[]).includes(event.reason) || has(event.detail);
  },
  reactivation_window: (_context, event) => {
    if (event?.type !== 'MARK_LOST' || event.reactivateAt === undefined) return false;
    return Date.parse(event.reactivateAt) > Date.parse(event.at);
  },
};
