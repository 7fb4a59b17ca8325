/**
 * The worker shares the machine module between all cached workflows (infra/worker.ts,
 * SHARED_WORKFLOW_MODULES), and the SDK deep-freezes what it shares: the module and the
 * libraries it loads. Here the same modules are frozen the same way before first use, and
 * the machine must still walk, refuse and validate exactly as it does unfrozen.
 */
import * as xstate from 'xstate';
import * as zod from 'zod';
import * as machine from '../../../machines/opportunity';
import { SHARED_WORKFLOW_MODULES } from '../../../infra/worker';
import { dealAt, ev, HAPPY_PATH, newDeal, refuse } from './support';

/**
 * The SDK's deepFreeze (reusable-vm.js): reads every property, then freezes bottom-up. The SDK
 * walks every shared module separately; here one walk goes on through objects already frozen
 * (zod's namespaces) to reach what those modules export, such as zod's regexes.
 */
function deepFreeze(object: unknown, visited = new WeakSet<object>()): void {
  if (object == null || (typeof object !== 'object' && typeof object !== 'function')) return;
  if (visited.has(object)) return;
  visited.add(object);
  if (typeof object === 'object') {
    for (const name of [...Object.getOwnPropertyNames(object), ...Object.getOwnPropertySymbols(object)]) {
      try {
        deepFreeze((object as Record<string | symbol, unknown>)[name], visited);
      } catch {
        // As in the SDK: some objects (typed arrays) cannot be frozen.
      }
    }
  }
  Object.freeze(object);
}

beforeAll(() => {
  for (const shared of [machine, xstate, zod]) deepFreeze(shared);
});

describe('the machine module, shared and deep-frozen as the worker shares it', () => {
  it('is the module the worker shares', () => {
    expect(SHARED_WORKFLOW_MODULES).toEqual([require.resolve('../../../machines/opportunity')]);
    expect(Object.isFrozen(machine.dealMachine)).toBe(true);
    expect(Object.isFrozen(zod.regexes.date)).toBe(true);
    // The schemas sit behind a function, so freezing the module's exports does not reach them.
    expect(Object.isFrozen(machine.eventSchemas().dealEvent)).toBe(false);
  });

  it('walks the whole happy path to handed_off', () => {
    expect(dealAt('handed_off').stage).toBe('handed_off');
    expect(HAPPY_PATH.length).toBeGreaterThan(5);
  });

  it('refuses a move naming every unmet gate', () => {
    expect(refuse(newDeal(), ev('QUALIFY')).length).toBeGreaterThan(1);
  });

  it('rejects a malformed event with the field named', () => {
    const result = machine.applyEvent(newDeal(), {
      type: 'RECORD_QUALIFICATION',
      actor: { id: 'rep-1', role: 'rep' },
      at: 'yesterday',
      facts: {},
    });
    expect(result.ok).toBe(false);
    if (result.ok || result.code !== 'invalid_event') throw new Error('expected invalid_event');
    expect(result.issues.map((issue) => issue.path)).toContain('at');
  });

  it('[IN1] refuses bad input of every kind with issues, never a thrown error', () => {
    const actor = { id: 'rep-1', role: 'rep' };
    const at = new Date(0).toISOString();
    const bad: [Record<string, unknown>, string][] = [
      [{ type: 'RECORD_CONTRACT', actor, at, kickoffDate: '2025-02-30' }, 'kickoffDate'],
      [{ type: 'RECORD_CONTRACT', actor, at, contractState: 'maybe' }, 'contractState'],
      [{ type: 'RECORD_QUALIFICATION', actor, at, facts: { source: ' ' } }, 'facts.source'],
      [{ type: 'QUALIFY', actor, at, extra: 1 }, 'extra'],
      [{ type: 'SEND_PROPOSAL', actor, at, probability: 101 }, 'probability'],
      [
        { type: 'SET_NEXT_ACTION', actor, at, nextAction: { description: 'x', dueAt: 'soon', ownerId: 'rep-1' } },
        'nextAction.dueAt',
      ],
      [{ type: 'NOT_AN_EVENT', actor, at }, 'type'],
      [{ type: 'RECORD_QUALIFICATION', actor, at, facts: { source: 'nul \u0000' } }, 'facts.source'],
      [{ type: 'RECORD_QUALIFICATION', actor, at, facts: { source: 'a\udc00b' } }, 'facts.source'],
      [
        {
          type: 'SET_NEXT_ACTION',
          actor,
          at,
          nextAction: { description: 'x', dueAt: '0000-01-01T00:00:00Z', ownerId: 'rep-1' },
        },
        'nextAction.dueAt',
      ],
      [{ type: 'RECORD_CONTRACT', actor, at, kickoffDate: '2201-01-01' }, 'kickoffDate'],
    ];
    for (const [event, field] of bad) {
      const result = machine.applyEvent(newDeal(), event);
      if (result.ok || result.code !== 'invalid_event')
        throw new Error(`expected invalid_event for ${JSON.stringify(event)}`);
      expect(result.issues.map((issue) => issue.path)).toContain(field);
    }
  });

  it('explains a deal: what is allowed, what is refused and why, the next stage', () => {
    const explanation = machine.explain(dealAt('sent'));
    expect(explanation.allowedEvents).toContain('RECORD_OBJECTION');
    // A view is recorded by opening the proposal link, never sent by a person.
    expect(explanation.allowedEvents).not.toContain('RECORD_VIEW');
    expect(explanation.refusedEvents.RECORD_VIEW).toBeUndefined();
    expect(explanation.refusedEvents.QUALIFY).toEqual(['stage']);
    expect(explanation.nextStage).toBe('contract');
  });
});
