/**
 * The declarative table of every move: which event is valid in which stages, where it
 * leads and which gates guard it. The machine is generated from this table, and
 * `applyEvent`/`explain` read it to name unmet gates, so there is one source of truth.
 *
 * - `gates`: gates that depend on the context alone (`explain` evaluates them).
 * - `payloadGates`: gates the event's own payload (or actor) can satisfy; only
 *   `applyEvent` can evaluate them.
 */
import type { GuardedGate } from './gates';
import {
  DISCOVERY_FACTS,
  HANDOFF_CONTEXT_FACTS,
  HANDOFF_FACTS,
  OPEN_STAGES,
  PROPOSAL_SECTIONS,
  QUALIFICATION_FACTS,
  STAGES,
  SUMMARY_DRAFT_GATES,
  type EventType,
  type Stage,
} from './vocabulary';

export interface Move {
  event: EventType;
  from: readonly Stage[];
  /** `null`: the event stays in its stage. */
  to: Stage | null;
  gates: readonly GuardedGate[];
  payloadGates: readonly GuardedGate[];
}

/** Stages where a deal is still being worked: everything but `handed_off` and `lost`. */
const WORKING: readonly Stage[] = [...OPEN_STAGES, 'won'];
const AUDIT_ONWARDS: readonly Stage[] = ['audit', 'proposal', 'approval', 'sent', 'contract'];
const HANDING_OVER: readonly Stage[] = ['contract', 'won'];
const E1: readonly GuardedGate[] = ['next_action'];
/** Four eyes (AP1): an ops or admin approver who neither submitted nor wrote any of the text approved. */
const APPROVER: readonly GuardedGate[] = ['approver_role', 'approver_not_submitter', 'approver_not_author'];
/** Proposal work stops while audit evidence, scope, timeline or decision path is not verified (P1). */
const PROPOSAL_WORK: readonly GuardedGate[] = ['proposal_work_paused'];

const move = (
  event: EventType,
  from: readonly Stage[],
  to: Stage | null,
  gates: readonly GuardedGate[] = [],
  payloadGates: readonly GuardedGate[] = E1,
): Move => ({ event, from, to, gates, payloadGates });

export const MOVES: readonly Move[] = [
  // The stage path.
  move('QUALIFY', ['lead'], 'qualified', QUALIFICATION_FACTS),
  move('START_DISCOVERY', ['qualified'], 'discovery'),
  move('START_AUDIT', ['discovery'], 'audit', DISCOVERY_FACTS),
  move('START_PROPOSAL', ['audit'], 'proposal', ['audit_evidence', 'proposal_work_paused']),
  move('SUBMIT_FOR_APPROVAL', ['proposal'], 'approval', [
    ...PROPOSAL_SECTIONS,
    ...SUMMARY_DRAFT_GATES,
    ...PROPOSAL_WORK,
  ]),
  move('APPROVE', ['approval'], null, PROPOSAL_WORK, [...APPROVER, 'next_action']),
  move('APPROVE_CLIENT_SAFE_SUMMARY', ['approval'], null, PROPOSAL_WORK, [
    ...APPROVER,
    'approves_current_text',
    'next_action',
  ]),
  move('REJECT', ['approval'], 'proposal'),
  // Sending contacts the client: it waits for both pauses (F1, P1).
  move('SEND_PROPOSAL', ['approval'], 'sent', [
    'approval',
    'client_safe_summary',
    ...PROPOSAL_WORK,
    'follow_up_paused',
  ]),
  move('RECORD_VIEW', ['sent', 'contract'], null),
  move('RECORD_OBJECTION', ['sent'], null),
  move('RESOLVE_OBJECTION', ['sent'], null, [], ['known_objection', 'next_action']),
  move('REVISE_PROPOSAL', ['sent'], 'proposal', PROPOSAL_WORK),
  move('ACCEPT', ['sent'], 'contract', ['objection_open']),
  move('MARK_WON', ['contract'], 'won', [...HANDOFF_FACTS, ...HANDOFF_CONTEXT_FACTS]),
  move('COMPLETE_HANDOFF', ['won'], 'handed_off', [], ['handoff_complete']),
  move('MARK_LOST', OPEN_STAGES, 'lost', [], ['lost_reason', 'reactivation_window']),
  move('REACTIVATE', ['lost'], 'lead'),

  // Facts, recorded without changing stage.
  move('RECORD_QUALIFICATION', OPEN_STAGES, null),
  move('RECORD_CONSENT', WORKING, null),
  move('RECORD_CONSENT', ['lost'], null, [], []),
  move('RECORD_VERIFICATION', OPEN_STAGES, null),
  move('RECORD_FOLLOW_UP', OPEN_STAGES, null, ['follow_up_paused']),
  move('RECORD_FOLLOW_UP', ['lost'], null, ['follow_up_paused'], []),
  move('RECORD_DISCOVERY', OPEN_STAGES, null),
  move('RECORD_AUDIT_EVIDENCE', AUDIT_ONWARDS, null),
  move('RECORD_PROPOSAL_SECTION', ['proposal'], null, PROPOSAL_WORK, ['audit_evidence', 'next_action']),
  move('RECORD_CLIENT_SAFE_SUMMARY', ['proposal'], null, PROPOSAL_WORK),
  move('RECORD_PROPOSAL_MESSAGE', ['proposal'], null, PROPOSAL_WORK),
  move('RECORD_CONTRACT', ['contract'], null),
  // In `won` a contract update may not undo the W2 facts the win was gated on.
  move('RECORD_CONTRACT', ['won'], null, [], [...HANDOFF_FACTS, 'next_action']),
  // The handoff context (HO1): gathered in `contract`, corrected by ops in `won` while the handoff waits.
  move('RECORD_HANDOFF_CLIENT', HANDING_OVER, null),
  move('RECORD_PORTAL_CONTACTS', HANDING_OVER, null),
  move('RECORD_CONNECTOR_ACCOUNT', HANDING_OVER, null),
  move('RECORD_DATA_SOURCE', HANDING_OVER, null, [], ['known_connector', 'next_action']),
  move('RECORD_REPORTING_BASELINE', HANDING_OVER, null),
  move('RECORD_SERVICES_SOLD', HANDING_OVER, null),
  move('SET_NEXT_ACTION', WORKING, null),
  move('SET_NEXT_ACTION', ['lost'], null, [], []),
  // Daily pipeline work (OW1): on any deal still in sales hands, won and lost ones included.
  move('REASSIGN', WORKING, null, [], ['may_reassign', 'next_action']),
  move('REASSIGN', ['lost'], null, [], ['may_reassign']),
  ...(['RECORD_NOTE', 'UPDATE_DEAL', 'CREATE_TASK', 'ASSIGN_TASK', 'CANCEL_TASK'] as const).flatMap((event) => [
    move(event, WORKING, null),
    move(event, ['lost'], null, [], []),
  ]),
  move('COMPLETE_TASK', [...WORKING, 'lost'], null, [], []),
];

/** Every move of an event, in whichever stage. */
export function movesOf(event: EventType): Move[] {
  return MOVES.filter((m) => m.event === event);
}

/** The move an event makes in a stage, or `undefined` when the event is not valid there (gate `stage`). */
export function moveFor(event: EventType, stage: Stage): Move | undefined {
  return MOVES.find((m) => m.event === event && m.from.includes(stage));
}

/** Every move valid in a stage. */
export function movesFrom(stage: Stage): Move[] {
  return MOVES.filter((m) => m.from.includes(stage));
}

/** The forward move of the happy path from each stage (`lost` goes forward by reactivating). */
export const FORWARD_EVENT: Record<Stage, EventType | null> = {
  lead: 'QUALIFY',
  qualified: 'START_DISCOVERY',
  discovery: 'START_AUDIT',
  audit: 'START_PROPOSAL',
  proposal: 'SUBMIT_FOR_APPROVAL',
  approval: 'SEND_PROPOSAL',
  sent: 'ACCEPT',
  contract: 'MARK_WON',
  won: 'COMPLETE_HANDOFF',
  handed_off: null,
  lost: 'REACTIVATE',
};

// Each event is valid at most once per stage (checked when the module loads, so a bad edit fails every test).
for (const stage of STAGES) {
  const events = movesFrom(stage).map((m) => m.event);
  if (new Set(events).size !== events.length) throw new Error(`moves: duplicate event in stage ${stage}`);
}
