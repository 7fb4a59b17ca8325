import {
  CLIENT_CONTACT_TASK_KINDS,
  FOLLOW_UP_PAUSE_REASONS,
  type DealEvent,
  type DealState,
} from '../../../machines/opportunity';
import { nextActionTask, tasksForEvent } from '../../../workflows/deal/event-tasks';
import { accept, COMPANY, day, dealAt, eventsLeaving, newLead, PAUSES, readyToWin, rep, step } from './support';

const NEXT = { description: 'Call about the proposal', dueAt: day(5), ownerId: 'rep-2' };
/** The task of NEXT while follow-up is active: it may ask its owner to contact the client. */
const FOLLOW_UP = { kind: 'follow_up', title: 'Acme: Call about the proposal', ownerId: 'rep-2', dueAt: NEXT.dueAt };
const internal = (reasons: string) => ({
  kind: 'next_action',
  title: `Acme: Call about the proposal (internal only: follow-up is paused for ${reasons}; do not contact the client)`,
  ownerId: 'rep-2',
  dueAt: NEXT.dueAt,
});

/** The tasks the workflow opens for an event the machine accepts: from the event and the state after it. */
function tasksOf(state: DealState, event: Record<string, unknown>) {
  const { event: accepted, after } = step(state, { actor: rep, at: day(2), ...event });
  return tasksForEvent(accepted, state, after, COMPANY);
}

describe('tasksForEvent', () => {
  it('promises a follow-up task for a new next action while follow-up is active, owned and due as it says', () => {
    expect(tasksOf(dealAt('qualified'), { type: 'SET_NEXT_ACTION', nextAction: NEXT })).toEqual([FOLLOW_UP]);
  });

  it('[F1] makes the task of a new next action internal work while follow-up is paused', () => {
    const paused = accept(dealAt('qualified'), { ...PAUSES.consent[0], actor: rep, at: day(1) });
    expect(tasksOf(paused, { type: 'SET_NEXT_ACTION', nextAction: NEXT })).toEqual([internal('consent')]);
  });

  it('[F1] a pause that starts turns the current next action into internal work (its client-contact task is cancelled)', () => {
    const withNext = accept(dealAt('qualified'), { type: 'SET_NEXT_ACTION', actor: rep, at: day(1), nextAction: NEXT });
    expect(tasksOf(withNext, PAUSES.consent[0])).toEqual([internal('consent')]);
    // Already paused: a second reason adds no second task.
    const paused = accept(withNext, { ...PAUSES.consent[0], actor: rep, at: day(1) });
    expect(tasksOf(paused, PAUSES.timing[0])).toEqual([]);
  });

  it('opens no task for an event that promises nothing', () => {
    expect(tasksOf(dealAt('contract'), { type: 'RECORD_CONTRACT', contractState: 'signed' })).toEqual([]);
  });

  it('puts the review of a submitted proposal in the ops queue, naming its version, due with the next action', () => {
    // Sent, revised (version 2), its sections and summaries recorded again, submitted.
    const revise = { type: 'REVISE_PROPOSAL', actor: rep, at: day(1), reason: 'New scope', nextAction: NEXT };
    let state = accept(dealAt('sent'), revise);
    const drafts = eventsLeaving('proposal').filter((event) => event.type !== 'SUBMIT_FOR_APPROVAL');
    for (const event of drafts) state = accept(state, { ...event, at: day(1) });
    expect(tasksOf(state, { type: 'SUBMIT_FOR_APPROVAL', nextAction: NEXT })).toStrictEqual([
      FOLLOW_UP,
      {
        kind: 'proposal_review',
        title: 'Review and approve the proposal for Acme (v2)',
        queue: 'ops',
        dueAt: NEXT.dueAt,
      },
    ]);
  });

  it("gives the deal's owner the contract step of an accepted proposal, due with the next action", () => {
    expect(tasksOf(dealAt('sent'), { type: 'ACCEPT', nextAction: NEXT })).toEqual([
      FOLLOW_UP,
      { kind: 'contract_step', title: 'Draft the contract for Acme', ownerId: 'rep-1', dueAt: NEXT.dueAt },
    ]);
  });

  it('dates a promised task at the event when the event brings no next action', () => {
    // The machine makes every stage change bring a next action: only a hand-made event reaches this.
    const accepted = { type: 'ACCEPT', actor: rep, at: day(2) } as DealEvent;
    expect(tasksForEvent(accepted, dealAt('sent'), dealAt('sent'), COMPANY)).toEqual([
      { kind: 'contract_step', title: 'Draft the contract for Acme', ownerId: 'rep-1', dueAt: day(2) },
    ]);
  });

  it("hands a won deal to the contract's onboarding owner, else to the deal's owner", () => {
    const contract = readyToWin({ onboardingOwner: 'onboarding-1' });
    expect(tasksOf(contract, { type: 'MARK_WON', nextAction: NEXT })).toEqual([
      FOLLOW_UP,
      { kind: 'onboarding_handoff', title: 'Hand Acme over to delivery', ownerId: 'onboarding-1', dueAt: NEXT.dueAt },
    ]);
    // MARK_WON needs an onboarding owner (W2): without one is only reachable by hand.
    const won = dealAt('won');
    const noOwner = {
      ...won,
      context: { ...won.context, contract: { ...won.context.contract, onboardingOwner: null } },
    };
    const marked = { type: 'MARK_WON', actor: rep, at: day(2), nextAction: NEXT } as DealEvent;
    expect(tasksForEvent(marked, noOwner, noOwner, COMPANY)[1]).toEqual({
      kind: 'onboarding_handoff',
      title: 'Hand Acme over to delivery',
      ownerId: 'rep-1',
      dueAt: NEXT.dueAt,
    });
  });
});

describe('[F1] nextActionTask: client contact only while follow-up is active', () => {
  const active = dealAt('qualified');

  it('is a follow_up while consent, timing, source context and decision path are all valid', () => {
    expect(nextActionTask(active, NEXT, COMPANY)).toEqual(FOLLOW_UP);
  });

  it.each(FOLLOW_UP_PAUSE_REASONS)('is internal next_action work while follow-up is paused for %s', (reason) => {
    const [pauseEvent, liftEvent] = PAUSES[reason];
    const paused = accept(active, { ...pauseEvent, actor: rep, at: day(1) });
    const task = nextActionTask(paused, NEXT, COMPANY);
    expect(task).toEqual(internal(reason));
    expect(CLIENT_CONTACT_TASK_KINDS).not.toContain(task.kind);
    // Lifted again: a follow-up once more.
    expect(nextActionTask(accept(paused, { ...liftEvent, actor: rep, at: day(2) }), NEXT, COMPANY)).toEqual(FOLLOW_UP);
  });

  it("is internal work for a new lead's first next action, with every reason named (nothing is known yet)", () => {
    expect(nextActionTask(newLead(), NEXT, COMPANY)).toEqual(
      internal('consent, timing, source_context, decision_path'),
    );
  });
});
