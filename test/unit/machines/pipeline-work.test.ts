/**
 * Daily pipeline work (OW1) in the machine alone: who may hand a deal over, what a new owner
 * takes with it, how edits and clears read, and which events a task by hand must name.
 */
import { applyEvent, parseDealEvent, type DealState } from '../../../machines/opportunity';
import { accept, admin, bare, dealAt, ops, refuse, rep } from './support';

const otherRep = { id: 'rep-2', role: 'rep' } as const;

describe('[OW1] REASSIGN', () => {
  it('is refused with may_reassign for a rep who does not own the deal, and accepted from the owner, ops and admin', () => {
    const deal = dealAt('proposal');
    expect(refuse(deal, bare('REASSIGN', { actor: otherRep, ownerId: 'rep-2' }))).toEqual(['may_reassign']);
    for (const actor of [rep, ops, admin]) {
      const moved = accept(deal, bare('REASSIGN', { actor, ownerId: 'rep-3', ownerName: 'Ravi Rep' }));
      expect([moved.context.ownerId, moved.context.ownerName]).toEqual(['rep-3', 'Ravi Rep']);
    }
  });

  it('moves the next action the previous owner held, and leaves one someone else holds', () => {
    const deal = dealAt('proposal');
    expect(deal.context.nextAction?.ownerId).toBe('rep-1');
    const moved = accept(deal, bare('REASSIGN', { actor: ops, ownerId: 'rep-3' }));
    expect(moved.context.nextAction).toEqual({ ...deal.context.nextAction, ownerId: 'rep-3' });
    const heldByOps: DealState = {
      ...deal,
      context: { ...deal.context, nextAction: { ...deal.context.nextAction!, ownerId: 'ops-1' } },
    };
    expect(accept(heldByOps, bare('REASSIGN', { actor: ops, ownerId: 'rep-3' })).context.nextAction?.ownerId).toBe(
      'ops-1',
    );
  });

  it('works on a lost deal without a next action, and is refused once delivery owns the deal', () => {
    expect(accept(dealAt('lost'), bare('REASSIGN', { actor: ops, ownerId: 'rep-3' })).context.ownerId).toBe('rep-3');
    // Stage first, then what the move would still miss: a handed-off deal has no next action.
    expect(refuse(dealAt('handed_off'), bare('REASSIGN', { actor: ops, ownerId: 'rep-3' }))).toEqual([
      'stage',
      'next_action',
    ]);
  });
});

describe('[OW1] UPDATE_DEAL', () => {
  it('replaces the fields it names, keeps the others, and clears one given as null', () => {
    const deal = dealAt('qualified');
    const valued = accept(
      deal,
      bare('UPDATE_DEAL', {
        value: { amountCents: 1_250_000, currency: 'EUR' },
        expectedCloseDate: '2027-03-31',
        contact: { name: 'Dana Office', email: 'Dana@Acme.example' },
      }),
    );
    expect(valued.context.details).toMatchObject({
      value: { amountCents: 1_250_000, currency: 'EUR' },
      expectedCloseDate: '2027-03-31',
      contact: { name: 'Dana Office', email: 'dana@acme.example', phone: null },
      probability: null,
    });
    const cleared = accept(valued, bare('UPDATE_DEAL', { value: null, probability: 40 }));
    expect([cleared.context.details.value, cleared.context.details.probability]).toEqual([null, 40]);
    expect(cleared.context.details.expectedCloseDate).toBe('2027-03-31');
  });

  it('refuses what a person cannot mean, naming the field', () => {
    const issues = (extra: Record<string, unknown>) => {
      const parsed = parseDealEvent(bare('UPDATE_DEAL', extra));
      return parsed.ok ? [] : parsed.issues.map((i) => i.path);
    };
    expect(issues({ value: { amountCents: 100, currency: 'eur' } })).toEqual(['value.currency']);
    expect(issues({ value: { amountCents: 100, currency: 'XYZ' } })).toEqual(['value.currency']);
    expect(issues({ value: { amountCents: -1, currency: 'EUR' } })).toEqual(['value.amountCents']);
    expect(issues({ probability: 101 })).toEqual(['probability']);
    expect(issues({ title: 'a\u0000b' })).toEqual(['title']);
    expect(issues({})).toEqual(['(event)']);
  });
});

describe('[OW1] tasks by hand', () => {
  const TASK = '00000000-0000-4000-8000-000000000009';
  it('a task made or assigned by hand names exactly one of a person or a queue', () => {
    const ok = (extra: Record<string, unknown>) => parseDealEvent(bare('CREATE_TASK', extra)).ok;
    const base = { taskId: TASK, title: 'Send the case study', dueAt: '2027-01-05T10:00:00Z' };
    expect(ok({ ...base, ownerId: 'rep-1' })).toBe(true);
    expect(ok({ ...base, queue: 'ops' })).toBe(true);
    expect(ok({ ...base, ownerId: 'rep-1', queue: 'ops' })).toBe(false);
    expect(ok(base)).toBe(false);
    expect(parseDealEvent(bare('ASSIGN_TASK', { taskId: TASK })).ok).toBe(false);
  });

  it('changes nothing of the deal itself: the task is the database’s record', () => {
    const deal = dealAt('audit');
    const result = applyEvent(deal, bare('CANCEL_TASK', { taskId: TASK, note: 'Not needed' }));
    expect(result.ok && result.state.context).toEqual({ ...deal.context, lastActivityAt: expect.any(String) });
  });
});
