/**
 * Deal states for the workflow's pure functions, built with the machine: the happy path of
 * fixtures/deal-events.ts on a fixed clock, and the events that pause and lift follow-up (F1).
 */
import { eventsUpTo, PATH_ORDER } from '../../../fixtures/deal-events';
import {
  applyEvent,
  createDeal,
  type DealEvent,
  type DealState,
  type FollowUpPauseReason,
  type OpenStage,
  type Stage,
} from '../../../machines/opportunity';

export const rep = { id: 'rep-1', role: 'rep' } as const;
export const ops = { id: 'ops-1', role: 'ops' } as const;
export const COMPANY = 'Acme';

const EPOCH = Date.UTC(2025, 0, 1);
/** The ISO datetime `n` days (fractions allowed) after 2025-01-01T00:00Z. */
export const day = (n: number): string => new Date(EPOCH + n * 86_400_000).toISOString();

/** One accepted event: as the machine parsed it, with the states on either side (what the workflow passes on). */
export interface Step {
  event: DealEvent;
  before: DealState;
  after: DealState;
}

/** Applies an event the machine must accept. */
export function step(state: DealState, event: Record<string, unknown>): Step {
  const result = applyEvent(state, event);
  if (!result.ok) throw new Error(`expected ${String(event.type)} to be accepted, got ${JSON.stringify(result)}`);
  return { event: result.event, before: state, after: result.state };
}

export const accept = (state: DealState, event: Record<string, unknown>): DealState => step(state, event).after;

/** A new lead: consent, timing, source context and decision path all unknown, so follow-up is paused. */
export const newLead = (at = day(0)): DealState =>
  createDeal({
    opportunityId: 'opp-1',
    ownerId: rep.id,
    source: 'referral',
    at,
    nextAction: { description: 'Qualify this lead', dueAt: day(7), ownerId: rep.id },
  });

/**
 * A deal walked along the happy path (every event on day 0, each next action due on day 7)
 * until it reaches `stage`; `send` adds fields to its SEND_PROPOSAL (a decision deadline).
 * The happy path records consent, timing, source context and decision path: follow-up is active.
 */
export function dealAt(stage: Stage, options: { send?: Record<string, unknown> } = {}): DealState {
  const [at, due] = [day(0), day(7)];
  let state = newLead(at);
  for (const event of eventsUpTo(stage, rep, ops)) {
    const timed = { ...event, at, ...(event.nextAction ? { nextAction: { ...event.nextAction, dueAt: due } } : {}) };
    state = accept(state, event.type === 'SEND_PROPOSAL' ? { ...timed, ...options.send } : timed);
  }
  return state;
}

/** The happy path's events that leave `stage` (to record a revised proposal again, for instance). */
export function eventsLeaving(stage: OpenStage): Record<string, unknown>[] {
  const next = PATH_ORDER[PATH_ORDER.indexOf(stage) + 1] ?? 'won';
  return eventsUpTo(next, rep, ops).slice(eventsUpTo(stage, rep, ops).length);
}

/** A deal in `contract` with every fact MARK_WON waits for (W2, HO1) recorded on day 1; `contract` overrides RECORD_CONTRACT's fields. */
export function readyToWin(contract: Record<string, unknown> = {}): DealState {
  return eventsLeaving('contract')
    .filter((event) => event.type !== 'MARK_WON')
    .reduce<DealState>(
      (state, event) => accept(state, { ...event, at: day(1), ...(event.type === 'RECORD_CONTRACT' ? contract : {}) }),
      dealAt('contract'),
    );
}

/**
 * For each reason follow-up can pause (F1), an event that starts that pause on a deal whose
 * follow-up is active, and one that lifts it again.
 */
export const PAUSES = {
  consent: [
    { type: 'RECORD_CONSENT', consent: 'withdrawn' },
    { type: 'RECORD_CONSENT', consent: 'granted' },
  ],
  timing: [
    { type: 'RECORD_CONSENT', contactTimingValid: false },
    { type: 'RECORD_CONSENT', contactTimingValid: true },
  ],
  source_context: [
    { type: 'RECORD_CONSENT', sourceContextValid: false },
    { type: 'RECORD_CONSENT', sourceContextValid: true },
  ],
  decision_path: [
    { type: 'RECORD_VERIFICATION', decisionPathVerified: false },
    { type: 'RECORD_VERIFICATION', decisionPathVerified: true },
  ],
} satisfies Record<FollowUpPauseReason, [Record<string, unknown>, Record<string, unknown>]>;
