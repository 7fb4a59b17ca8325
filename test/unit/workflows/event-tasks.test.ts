import { createDeal, type DealEvent, type DealState, type EventType } from '../../../machines/opportunity';
import { tasksForEvent } from '../../../workflows/deal/event-tasks';

const AT = '2025-02-03T10:00:00.000Z';
const NEXT = { description: 'Call about the proposal', dueAt: '2025-02-05T09:00:00.000Z', ownerId: 'rep-2' };
const rep = { id: 'rep-1', role: 'rep' } as const;

/** A deal owned by rep-1 at proposal version 3, with the contract's onboarding owner when given. */
function deal(onboardingOwner: string | null = null): DealState {
  const base = createDeal({ opportunityId: 'opp-1', ownerId: 'rep-1', source: 'referral', at: AT });
  const context = base.context;
  return {
    ...base,
    context: {
      ...context,
      proposal: { ...context.proposal, version: 3 },
      contract: { ...context.contract, onboardingOwner },
    },
  };
}

const event = (type: EventType, nextAction?: typeof NEXT) =>
  ({ type, actor: rep, at: AT, ...(nextAction ? { nextAction } : {}) }) as DealEvent;

describe('tasksForEvent', () => {
  it('promises a follow-up task for a new next action, owned and due as the next action says', () => {
    expect(tasksForEvent(event('SET_NEXT_ACTION', NEXT), deal(), 'Acme')).toEqual([
      {
        kind: 'follow_up',
        title: 'Acme: Call about the proposal',
        ownerId: 'rep-2',
        dueAt: '2025-02-05T09:00:00.000Z',
      },
    ]);
  });

  it('opens no task for an event that promises nothing', () => {
    expect(tasksForEvent(event('RECORD_CONTRACT'), deal(), 'Acme')).toEqual([]);
  });

  it('asks ops to review a submitted proposal, naming its version, due with the next action', () => {
    expect(tasksForEvent(event('SUBMIT_FOR_APPROVAL', NEXT), deal(), 'Acme')).toEqual([
      { kind: 'follow_up', title: 'Acme: Call about the proposal', ownerId: 'rep-2', dueAt: NEXT.dueAt },
      {
        kind: 'proposal_review',
        title: 'Review and approve the proposal for Acme (v3)',
        ownerId: 'ops',
        dueAt: NEXT.dueAt,
      },
    ]);
  });

  it("gives the deal's owner the contract step of an accepted proposal, due at the event without a next action", () => {
    expect(tasksForEvent(event('ACCEPT'), deal(), 'Acme')).toEqual([
      { kind: 'contract_step', title: 'Draft and send the contract to Acme', ownerId: 'rep-1', dueAt: AT },
    ]);
  });

  it("hands a won deal to the contract's onboarding owner, else to the deal's owner", () => {
    expect(tasksForEvent(event('MARK_WON'), deal('onboarding-1'), 'Acme')).toEqual([
      { kind: 'onboarding_handoff', title: 'Hand Acme over to delivery', ownerId: 'onboarding-1', dueAt: AT },
    ]);
    expect(tasksForEvent(event('MARK_WON'), deal(), 'Acme')[0].ownerId).toBe('rep-1');
  });
});
