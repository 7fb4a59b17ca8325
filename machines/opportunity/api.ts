/**
 * The pure API the workflow and the REST API share. A deal's state is plain JSON
 * (`DealState`); every call restores the machine snapshot from it with
 * `machine.resolveState`, computes with the pure `initialTransition`/`transition`, and
 * returns plain JSON again. Deterministic: time only comes from the events' `at`.
 */
import { initialTransition, transition, type StateValue } from 'xstate';
import { followUpPauseReasons, proposalPauseReasons, type CreateDealInput, type DealContext } from './context';
import { parseDealEvent, type DealEvent, type EventIssue } from './events';
import { GATE_CHECKS, type GuardedGate } from './gates';
import { dealMachine, type DealStateValue } from './machine';
import { FORWARD_EVENT, moveFor, movesOf, type Move } from './moves';
import {
  CALLER_EVENTS,
  STAGES,
  type EventType,
  type FollowUpPauseReason,
  type GateCode,
  type ProposalPauseReason,
  type Stage,
} from './vocabulary';

export type DealState = {
  stage: Stage;
  /** The XState state value, e.g. `{ stage: 'lead', followUp: 'paused', proposalWork: 'paused' }`. */
  value: unknown;
  context: DealContext;
};

export type ApplyResult =
  | { ok: true; state: DealState; event: DealEvent; stageBefore: Stage; stageAfter: Stage; changed: boolean }
  | { ok: false; code: 'invalid_event'; issues: EventIssue[] }
  | { ok: false; code: 'gates_unmet'; stage: Stage; unmetGates: GateCode[] };

export interface Explanation {
  stage: Stage;
  pauses: {
    followUp: { paused: boolean; reasons: FollowUpPauseReason[] };
    proposalWork: { paused: boolean; reasons: ProposalPauseReason[] };
  };
  /** Events a person may send now: their context-dependent gates are all met (system events are never listed). */
  allowedEvents: EventType[];
  /** Every other event a person sends, with its unmet context gates (`stage` first when not valid in this stage). */
  refusedEvents: Partial<Record<EventType, GateCode[]>>;
  /** The forward stage of the happy path (`lead` from `lost`, `null` once handed off). */
  nextStage: Stage | null;
  /**
   * What the move to `nextStage` still needs: its unmet context gates, then the gates its event must
   * satisfy itself (e.g. `next_action`: a stage change brings its own next action, E1).
   */
  nextStageGates: GateCode[];
}

/** A deep copy that is plain JSON (no shared references with xstate's snapshot). */
const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

type Snapshot = ReturnType<typeof dealMachine.resolveState>;

function toDealState(snapshot: Snapshot): DealState {
  const value = plain(snapshot.value) as unknown as DealStateValue;
  return { stage: value.stage, value, context: plain(snapshot.context) };
}

/** The xstate snapshot of a stored deal state (the inverse of the JSON form). */
export function toSnapshot(state: DealState): Snapshot {
  // No copy needed: xstate never mutates the context it is given, and results are copied out by `toDealState`.
  return dealMachine.resolveState({ value: state.value as StateValue, context: state.context });
}

/** The JSON form of an xstate snapshot of the deal machine. */
export function fromSnapshot(snapshot: Snapshot): DealState {
  return toDealState(snapshot);
}

/** A new deal at `lead`, both pauses on until their facts are recorded. */
export function createDeal(input: CreateDealInput): DealState {
  const [snapshot] = initialTransition(dealMachine, {
    ...input,
    source: input.source ?? null,
    nextAction: input.nextAction ?? null,
  });
  return toDealState(snapshot);
}

export function isFinalStage(stage: Stage): boolean {
  return stage === 'handed_off';
}

function stageOf(state: DealState): Stage | null {
  const value = state.value as Partial<DealStateValue> | null;
  const stage = typeof value === 'object' && value !== null ? value.stage : undefined;
  return (STAGES as readonly string[]).includes(stage as string) && stage === state.stage ? (stage as Stage) : null;
}

const unmet = (codes: readonly GuardedGate[], context: DealContext, event: DealEvent | null): GateCode[] => [
  ...new Set(codes.filter((code) => !GATE_CHECKS[code](context, event))),
];

/**
 * Every unmet gate of `event` in `stage` (context and payload). An event not valid in this stage
 * names `stage` first, then whatever else its moves elsewhere would still refuse, so a caller
 * learns everything that stands in the way at once.
 */
export function unmetGates(state: DealState, event: DealEvent): GateCode[] {
  const move = moveFor(event.type, state.stage);
  if (move) return unmet([...move.gates, ...move.payloadGates], state.context, event);
  const elsewhere = movesOf(event.type).flatMap((m) => [...m.gates, ...m.payloadGates]);
  return ['stage', ...unmet(elsewhere, state.context, event)];
}

/** `unmetGates` from the context alone, for `explain` (payload gates are the event's to meet). */
function unmetFromContext(state: DealState, type: EventType): GateCode[] {
  const move = moveFor(type, state.stage);
  if (move) return unmet(move.gates, state.context, null);
  return [
    'stage',
    ...unmet(
      movesOf(type).flatMap((m) => m.gates),
      state.context,
      null,
    ),
  ];
}

/**
 * Applies an event: validates it, names every unmet gate, or returns the next state.
 * Never throws; a refused event leaves the input state untouched.
 */
export function applyEvent(state: DealState, input: unknown): ApplyResult {
  const parsed = parseDealEvent(input);
  if (!parsed.ok) return { ok: false, code: 'invalid_event', issues: parsed.issues };
  const event = parsed.event;
  const stage = stageOf(state);
  if (stage === null) {
    return {
      ok: false,
      code: 'invalid_event',
      issues: [{ path: '(state)', message: 'the deal state is not a state of the deal machine' }],
    };
  }
  try {
    const gates = unmetGates(state, event);
    if (gates.length > 0) return { ok: false, code: 'gates_unmet', stage, unmetGates: gates };
    const [snapshot] = transition(dealMachine, toSnapshot(state), event);
    const next = toDealState(snapshot);
    const expected = (moveFor(event.type, stage) as Move).to ?? stage;
    if (next.stage !== expected) {
      // Unreachable while the machine is generated from the move table; a loud tripwire, not a throw.
      return {
        ok: false,
        code: 'invalid_event',
        issues: [
          { path: '(machine)', message: `${event.type} from ${stage} reached ${next.stage}, expected ${expected}` },
        ],
      };
    }
    return {
      ok: true,
      state: next,
      event,
      stageBefore: stage,
      stageAfter: next.stage,
      changed: !deepEqual(state, next),
    };
  } catch (error) {
    return {
      ok: false,
      code: 'invalid_event',
      issues: [{ path: '(state)', message: `the deal state could not be restored: ${String(error)}` }],
    };
  }
}

/** What may happen next, and why not, from the context alone (payload gates are `applyEvent`'s). */
export function explain(state: DealState): Explanation {
  const { stage, context } = state;
  const allowedEvents: EventType[] = [];
  const refusedEvents: Partial<Record<EventType, GateCode[]>> = {};
  for (const type of CALLER_EVENTS) {
    const gates = unmetFromContext(state, type);
    if (gates.length === 0) allowedEvents.push(type);
    else refusedEvents[type] = gates;
  }
  const forward = FORWARD_EVENT[stage];
  const forwardMove = forward ? moveFor(forward, stage) : undefined;
  const followUp = followUpPauseReasons(context);
  const proposalWork = proposalPauseReasons(context);
  return {
    stage,
    pauses: {
      followUp: { paused: followUp.length > 0, reasons: followUp },
      proposalWork: { paused: proposalWork.length > 0, reasons: proposalWork },
    },
    allowedEvents,
    refusedEvents,
    nextStage: forwardMove?.to ?? null,
    nextStageGates: forwardMove
      ? [...new Set([...unmet(forwardMove.gates, context, null), ...forwardMove.payloadGates])]
      : [],
  };
}

/** Structural equality of plain JSON values (key order does not matter, e.g. after a jsonb round trip). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  return (
    ka.length === kb.length &&
    ka.every(
      (k) =>
        Object.prototype.hasOwnProperty.call(b, k) &&
        deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
    )
  );
}
