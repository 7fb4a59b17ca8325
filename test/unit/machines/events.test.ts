/** Bad events are refused as `invalid_event`, naming the field at fault, and change nothing. */
import { z } from 'zod';
import { applyEvent, eventSchemas, EVENT_TYPES, type DealState } from '../../../machines/opportunity';

const dealEventSchema = eventSchemas().dealEvent;
import { at, bare, dealAt, ev, newDeal, rep } from './support';

function invalid(state: DealState, event: unknown) {
  const before = JSON.stringify(state);
  const result = applyEvent(state, event);
  expect(JSON.stringify(state)).toBe(before);
  if (result.ok || result.code !== 'invalid_event')
    throw new Error(`expected invalid_event, got ${JSON.stringify(result)}`);
  for (const issue of result.issues) {
    expect(issue.path).toEqual(expect.any(String));
    expect(issue.message.length).toBeGreaterThan(0);
  }
  return result.issues;
}
const paths = (state: DealState, event: unknown) => invalid(state, event).map((i) => i.path);

describe('bad events', () => {
  const deal = newDeal();

  it.each([
    ['null', null],
    ['a string', 'QUALIFY'],
    ['an array', [{ type: 'QUALIFY' }]],
    ['a number', 42],
  ])('refuses %s as an event', (_name, input) => {
    expect(paths(deal, input)).toEqual(['(event)']);
  });

  it('refuses an unknown event type, naming `type`', () => {
    const issues = invalid(deal, ev('DELETE_OPPORTUNITY'));
    expect(issues).toEqual([{ path: 'type', message: expect.stringContaining('QUALIFY') }]);
    expect(paths(deal, { actor: rep, at: at(1) })).toEqual(['type']);
  });

  it('[E1] refuses missing or malformed common fields, naming each', () => {
    expect(paths(deal, { type: 'QUALIFY' }).sort()).toEqual(['actor', 'at']);
    expect(paths(deal, ev('QUALIFY', { actor: { id: 'x', role: 'boss' } }))).toEqual(['actor.role']);
    expect(paths(deal, ev('QUALIFY', { at: 'yesterday' }))).toEqual(['at']);
    expect(paths(deal, ev('QUALIFY', { nextAction: { description: '', dueAt: at(5), ownerId: 'rep-1' } }))).toEqual([
      'nextAction.description',
    ]);
    expect(
      paths(deal, ev('QUALIFY', { nextAction: { description: 'x'.repeat(501), dueAt: at(5), ownerId: 'rep-1' } })),
    ).toEqual(['nextAction.description']);
    expect(
      paths(deal, ev('QUALIFY', { nextAction: { description: 'Call', dueAt: 'soon', ownerId: 'rep-1' } })),
    ).toEqual(['nextAction.dueAt']);
  });

  it('refuses unknown fields instead of dropping them', () => {
    expect(paths(deal, ev('QUALIFY', { force: true }))).toEqual(['force']);
    expect(paths(deal, ev('QUALIFY', { actor: { ...rep, admin: true } }))).toEqual(['actor.admin']);
    expect(paths(deal, ev('RECORD_QUALIFICATION', { facts: { source: 'ads', mood: 'good' } }))).toEqual(['facts.mood']);
  });

  it('refuses wrong payloads, naming the field', () => {
    expect(paths(deal, ev('RECORD_QUALIFICATION', { facts: { source: '   ' } }))).toEqual(['facts.source']);
    expect(paths(deal, ev('RECORD_QUALIFICATION', { facts: {} }))).toEqual(['facts']);
    expect(paths(deal, ev('RECORD_QUALIFICATION'))).toEqual(['facts']);
    expect(paths(deal, ev('RECORD_CONSENT'))).toEqual(['(event)']);
    expect(paths(deal, ev('RECORD_CONSENT', { consent: 'maybe' }))).toEqual(['consent']);
    expect(paths(deal, ev('SEND_PROPOSAL', { probability: 101 }))).toEqual(['probability']);
    expect(paths(deal, ev('SEND_PROPOSAL', { decisionDeadline: '2025-13-01' }))).toEqual(['decisionDeadline']);
    expect(paths(deal, ev('MARK_LOST', { reason: 'bored' }))).toEqual(['reason']);
    expect(paths(deal, ev('RECORD_PROPOSAL_SECTION', { section: 'vibes' }))).toEqual(['section']);
    expect(paths(deal, ev('RECORD_CONTRACT', { kickoffDate: at(5) }))).toEqual(['kickoffDate']);
    expect(paths(deal, bare('COMPLETE_HANDOFF', { records: { client: true } })).sort()).toEqual([
      'records.connectors',
      'records.portal',
      'records.project',
      'records.reporting',
      'records.tasks',
    ]);
    expect(paths(deal, bare('SET_NEXT_ACTION'))).toEqual(['nextAction']);
    expect(paths(deal, ev('REJECT'))).toEqual(['reason']);
  });

  it('validation comes before gates: a bad event in the wrong stage is still invalid_event', () => {
    expect(paths(dealAt('sent'), ev('QUALIFY', { extra: 1 }))).toEqual(['extra']);
  });

  it('a corrupted stored state is refused, never thrown', () => {
    const broken = { stage: 'nowhere', value: { stage: 'nowhere' }, context: {} } as unknown as DealState;
    expect(paths(broken, ev('QUALIFY'))).toEqual(['(state)']);
    const noContext = { ...newDeal(), context: null } as unknown as DealState;
    expect(paths(noContext, ev('QUALIFY'))).toEqual(['(state)']);
  });

  it('the schema covers every event type and converts to JSON Schema for the API docs', () => {
    const types = dealEventSchema.options.map((o) => o.shape.type.value);
    expect([...types].sort()).toEqual([...EVENT_TYPES].sort());
    expect(() => z.toJSONSchema(dealEventSchema, { io: 'input' })).not.toThrow();
  });
});
