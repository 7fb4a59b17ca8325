/**
 * The deal machine (XState v5). A parallel machine with three regions:
 *
 * - `stage`: lead → qualified → discovery → audit → proposal → approval → sent →
 *   contract → won → handed_off, `lost` from every open stage and back to `lead`.
 *   Generated from the move table (`moves.ts`); every guarded transition uses
 *   `and([...])` of named guards, one per gate code (`gates.ts`).
 * - `followUp` and `proposalWork`: `active` | `paused`, switched by eventless (`always`)
 *   transitions from the facts in the context, so a pause lifts itself as soon as its
 *   facts are valid (F1, P1).
 *
 * No `invoke`, no `after`, no I/O: timers belong to the workflow.
 */
import { and, assign, not, setup, type GuardPredicate } from 'xstate';
import {
  followUpPauseReasons,
  initialContext,
  proposalPauseReasons,
  type CreateDealInput,
  type DealContext,
} from './context';
import type { DealEvent } from './events';
import { GATE_CHECKS, GUARDED_GATES, type GuardedGate } from './gates';
import { movesFrom } from './moves';
import { recordEvent, type MoveParams } from './record';
import { STAGES, type Stage } from './vocabulary';

type Guard = GuardPredicate<DealContext, DealEvent, undefined, never>;

/** One named guard per gate code, named after the code, true when the gate is met. */
const gateGuards = Object.fromEntries(
  GUARDED_GATES.map((code) => [code, (({ context, event }) => GATE_CHECKS[code](context, event)) as Guard]),
) as Record<GuardedGate, Guard>;

const dealSetup = setup({
  types: {
    context: {} as DealContext,
    events: {} as DealEvent,
    input: {} as CreateDealInput,
  },
  guards: {
    ...gateGuards,
    followUpShouldPause: ({ context }) => followUpPauseReasons(context).length > 0,
    proposalWorkShouldPause: ({ context }) => proposalPauseReasons(context).length > 0,
  },
  actions: {
    /** Writes an accepted event into the context (see `record.ts`). */
    record: assign(({ context, event }, params: MoveParams) => recordEvent(context, event, params)),
  },
});

function stageNode(stage: Stage) {
  const on: Record<string, unknown> = {};
  for (const m of movesFrom(stage)) {
    const codes = [...m.gates, ...m.payloadGates];
    const params: MoveParams = { from: stage, to: m.to };
    on[m.event] = {
      ...(m.to !== null ? { target: m.to } : {}),
      ...(codes.length > 0 ? { guard: and(codes) } : {}),
      actions: [{ type: 'record', params }],
    };
  }
  return stage === 'handed_off' ? { type: 'final' as const } : { on };
}

const stageStates = Object.fromEntries(STAGES.map((s) => [s, stageNode(s)])) as Record<
  Stage,
  ReturnType<typeof stageNode>
>;

export const dealMachine = dealSetup.createMachine({
  id: 'opportunity',
  type: 'parallel',
  context: ({ input }) => initialContext(input),
  states: {
    stage: {
      initial: 'lead',
      states: stageStates,
    },
    followUp: {
      initial: 'paused',
      states: {
        active: { always: { target: 'paused', guard: 'followUpShouldPause' } },
        paused: { always: { target: 'active', guard: not('followUpShouldPause') } },
      },
    },
    proposalWork: {
      initial: 'paused',
      states: {
        active: { always: { target: 'paused', guard: 'proposalWorkShouldPause' } },
        paused: { always: { target: 'active', guard: not('proposalWorkShouldPause') } },
      },
    },
  },
});

export type DealMachine = typeof dealMachine;

/** The machine's state value, as stored in `DealState.value`. */
export interface DealStateValue {
  stage: Stage;
  followUp: 'active' | 'paused';
  proposalWork: 'active' | 'paused';
}
