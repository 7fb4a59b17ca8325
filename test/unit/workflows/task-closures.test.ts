import { FOLLOW_UP_PAUSE_REASONS, TASK_KINDS, type DealState } from '../../../machines/opportunity';
import { tasksClosedBy } from '../../../workflows/deal/event-tasks';
import { accept, day, dealAt, eventsLeaving, newLead, ops, PAUSES, readyToWin, rep, step } from './support';

/** What the workflow closes for an event the machine accepts (rep-1 at day 2 unless the event says otherwise). */
function closedBy(state: DealState, event: Record<string, unknown>) {
  const { event: accepted, before, after } = step(state, { actor: rep, at: day(2), ...event });
  return tasksClosedBy(accepted, before, after);
}
const reasons = (closures: ReturnType<typeof closedBy>) => closures.map((closure) => closure.reason);

const NEXT = { description: 'Call about the proposal', dueAt: day(9), ownerId: 'rep-2' };
const NEXT_ACTION_KINDS = ['follow_up', 'next_action', 'next_action_overdue', 'escalation'];
const superseded = (type: string, by: string = rep.id) => ({
  kinds: NEXT_ACTION_KINDS,
  status: 'cancelled',
  reason: 'superseded',
  note: `by ${type}`,
  closedBy: by,
});
/** Every kind but the two a closed deal keeps open: its win-back and delivery's own tasks. */
const ALL_BUT_WIN_BACK_AND_DELIVERY = TASK_KINDS.filter((kind) => kind !== 'win_back' && kind !== 'delivery');
const SALES_KINDS = TASK_KINDS.filter((kind) => kind !== 'delivery');
const lose = { type: 'MARK_LOST', reason: 'no_decision', reactivateAt: day(100) };

describe('[TK1] tasksClosedBy: each task closes itself when what it was for happens or stops mattering', () => {
  it("a new next action supersedes the earlier one's task and what its deadline raised; no next action, nothing", () => {
    const qualified = dealAt('qualified');
    expect(closedBy(qualified, { type: 'SET_NEXT_ACTION', nextAction: NEXT })).toStrictEqual([
      superseded('SET_NEXT_ACTION'),
    ]);
    expect(closedBy(qualified, { type: 'START_DISCOVERY', actor: ops, nextAction: NEXT })).toStrictEqual([
      superseded('START_DISCOVERY', ops.id),
    ]);
    expect(closedBy(qualified, { type: 'RECORD_DISCOVERY', facts: { pain_points: 'Missed calls' } })).toEqual([]);
  });

  it('APPROVE and REJECT close the proposal review as done, closed by the approver', () => {
    const approval = dealAt('approval');
    const decided = (by: string) => ({
      kinds: ['proposal_review'],
      status: 'done',
      reason: 'proposal_decided',
      note: null,
      closedBy: by,
    });
    expect(closedBy(approval, { type: 'APPROVE', actor: ops })).toStrictEqual([decided('ops-1')]);
    const reject = { type: 'REJECT', actor: { id: 'ops-2', role: 'ops' }, reason: 'Pricing unclear', nextAction: NEXT };
    expect(closedBy(approval, reject)).toStrictEqual([superseded('REJECT', 'ops-2'), decided('ops-2')]);
  });

  it('leaving `sent` (accepted, revised or lost) ends the decision deadline task; staying or arriving does not', () => {
    const sent = dealAt('sent', { send: { decisionDeadline: day(10) } });
    const ended = { kinds: ['decision_deadline'], status: 'cancelled', reason: 'deadline_ended', note: null };
    expect(closedBy(sent, { type: 'ACCEPT', nextAction: NEXT })).toStrictEqual([
      superseded('ACCEPT'),
      { ...ended, closedBy: rep.id },
    ]);
    expect(closedBy(sent, { type: 'REVISE_PROPOSAL', reason: 'New scope', nextAction: NEXT })).toStrictEqual([
      superseded('REVISE_PROPOSAL'),
      { ...ended, closedBy: rep.id },
    ]);
    expect(reasons(closedBy(sent, lose))).toEqual(['deadline_ended', 'deal_lost']);
    expect(closedBy(sent, { type: 'RECORD_OBJECTION', objectionId: 'o-1', summary: 'Price' })).toEqual([]);
    // Arriving in `sent`: the approvals of the happy path, then its SEND_PROPOSAL.
    const [approve, approveText, send] = eventsLeaving('approval');
    const ready = [approve, approveText].reduce<DealState>(
      (state, event) => accept(state, { ...event, at: day(1) }),
      dealAt('approval'),
    );
    expect(reasons(closedBy(ready, { ...send, at: day(2) }))).toEqual(['superseded']);
  });

  it('MARK_WON closes the contract step as done', () => {
    const ready = readyToWin();
    expect(closedBy(ready, { type: 'MARK_WON', nextAction: NEXT })).toStrictEqual([
      superseded('MARK_WON'),
      { kinds: ['contract_step'], status: 'done', reason: 'deal_won', note: null, closedBy: rep.id },
    ]);
  });

  it('a loss cancels every open task but the win-back and delivery; reactivating closes only what its next action supersedes', () => {
    const lost = { kinds: ALL_BUT_WIN_BACK_AND_DELIVERY, status: 'cancelled', reason: 'deal_lost', note: null };
    expect(closedBy(dealAt('qualified'), lose)).toStrictEqual([{ ...lost, closedBy: rep.id }]);
    const lostDeal = accept(dealAt('qualified'), { ...lose, actor: rep, at: day(1) });
    // The win-back did its job: the deal is back in play.
    expect(closedBy(lostDeal, { type: 'REACTIVATE', nextAction: NEXT })).toStrictEqual([
      superseded('REACTIVATE'),
      { kinds: ['win_back'], status: 'done', reason: 'reactivated', note: null, closedBy: rep.id },
    ]);
  });

  it('handing off closes the onboarding handoff as done first, then cancels every other sales task (win-back included) but keeps delivery', () => {
    const records = { client: true, project: true, tasks: true, portal: true, connectors: true, reporting: true };
    expect(closedBy(dealAt('won'), { type: 'COMPLETE_HANDOFF', records })).toStrictEqual([
      { kinds: ['onboarding_handoff'], status: 'done', reason: 'handed_off', note: null, closedBy: rep.id },
      { kinds: SALES_KINDS, status: 'cancelled', reason: 'handed_off', note: null, closedBy: rep.id },
    ]);
  });

  it.each(FOLLOW_UP_PAUSE_REASONS)(
    'a follow-up pause starting (%s) cancels the open client-contact tasks, noting the reason',
    (reason) => {
      expect(closedBy(dealAt('qualified'), PAUSES[reason][0])).toStrictEqual([
        {
          kinds: ['follow_up', 'win_back'],
          status: 'cancelled',
          reason: 'follow_up_paused',
          note: reason,
          closedBy: rep.id,
        },
      ]);
    },
  );

  it('a pause starting for several reasons notes them all; one already on closes nothing more', () => {
    const twoReasons = { type: 'RECORD_CONSENT', consent: 'withdrawn', contactTimingValid: false };
    const closures = closedBy(dealAt('qualified'), twoReasons);
    expect(closures.map((closure) => [closure.reason, closure.note])).toEqual([
      ['follow_up_paused', 'consent, timing'],
    ]);
    const paused = accept(dealAt('qualified'), { ...PAUSES.consent[0], actor: rep, at: day(1) });
    expect(closedBy(paused, PAUSES.timing[0])).toEqual([]);
    expect(closedBy(paused, PAUSES.consent[1])).toEqual([]);
    // A new lead is paused from the start: nothing to cancel when it records more.
    expect(closedBy(newLead(), { type: 'RECORD_CONSENT', consent: 'granted' })).toEqual([]);
  });

  it('a pause starting on a lost deal cancels its win-back', () => {
    const lostDeal = accept(dealAt('qualified'), { ...lose, actor: rep, at: day(1) });
    expect(closedBy(lostDeal, PAUSES.consent[0])).toStrictEqual([
      {
        kinds: ['follow_up', 'win_back'],
        status: 'cancelled',
        reason: 'follow_up_paused',
        note: 'consent',
        closedBy: rep.id,
      },
    ]);
  });

  it('COMPLETE_TASK closes that task, by id, as done and completed by the person, with their note', () => {
    const taskId = '7f1c2b9e-3a4d-4e5f-8a6b-1c2d3e4f5a6b';
    expect(closedBy(dealAt('proposal'), { type: 'COMPLETE_TASK', taskId, note: 'Called Dana' })).toStrictEqual([
      { taskId, status: 'done', reason: 'completed', note: 'Called Dana', closedBy: rep.id },
    ]);
    const lostDeal = accept(dealAt('qualified'), { ...lose, actor: rep, at: day(1) });
    expect(closedBy(lostDeal, { type: 'COMPLETE_TASK', actor: ops, taskId })).toStrictEqual([
      { taskId, status: 'done', reason: 'completed', note: null, closedBy: ops.id },
    ]);
  });
});
