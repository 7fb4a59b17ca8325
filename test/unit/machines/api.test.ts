/** The pure API: createDeal, explain, isFinalStage, and the machine's shape (named guards, no timers). */
import {
  applyEvent,
  CALLER_EVENTS,
  createDeal,
  dealMachine,
  explain,
  FORWARD_EVENT,
  GATE_CODES,
  GUARDED_GATES,
  INDIRECT_EVENTS,
  isFinalStage,
  MOVES,
  QUALIFICATION_FACTS,
  STAGE_CHANGING_EVENTS,
  STAGES,
} from '../../../machines/opportunity';
import { accept, at, dealAt, ev, newDeal, qualificationFacts } from './support';

describe('createDeal', () => {
  it('starts at lead with owner, source and timestamps, no next action yet, both pauses on', () => {
    const deal = createDeal({ opportunityId: 'opp-9', ownerId: 'rep-9', at: at(0) });
    expect(deal.stage).toBe('lead');
    expect(deal.value).toEqual({ stage: 'lead', followUp: 'paused', proposalWork: 'paused' });
    expect(deal.context).toMatchObject({
      opportunityId: 'opp-9',
      ownerId: 'rep-9',
      source: null,
      createdAt: at(0),
      lastActivityAt: at(0),
      nextAction: null,
      lost: null,
      lostHistory: [],
    });
    expect(JSON.parse(JSON.stringify(deal))).toStrictEqual(deal);
    expect(createDeal({ opportunityId: 'opp-9', ownerId: 'rep-9', at: at(0) })).toStrictEqual(deal);
  });
});

describe('explain', () => {
  it('sorts every event a person sends into allowed or refused (never the indirect ones), and names the forward stage of each stage', () => {
    for (const stage of STAGES) {
      const e = explain(dealAt(stage));
      expect(e.stage).toBe(stage);
      const listed = [...e.allowedEvents, ...Object.keys(e.refusedEvents)];
      expect([...listed].sort()).toEqual([...CALLER_EVENTS].sort());
      for (const type of INDIRECT_EVENTS) expect(listed).not.toContain(type);
      for (const gates of Object.values(e.refusedEvents)) expect(gates?.length).toBeGreaterThan(0);
      const forward = FORWARD_EVENT[stage];
      expect(e.nextStage).toBe(forward ? MOVES.find((m) => m.event === forward)?.to : null);
    }
  });

  it('[Q1] the happy-path deal has only the next action its move brings left to meet once its facts are in', () => {
    expect(explain(dealAt('lead')).nextStageGates).toEqual([...QUALIFICATION_FACTS, 'next_action']);
    const e = explain(accept(newDeal(), qualificationFacts()));
    expect(e.nextStageGates).toEqual(['next_action']);
    expect(e.allowedEvents).toContain('QUALIFY');
  });

  it('[F1][P1] shows both pauses with their remaining reasons', () => {
    const deal = accept(newDeal(), ev('RECORD_CONSENT', { consent: 'granted', decisionPathVerified: true }));
    expect(explain(deal).pauses).toEqual({
      followUp: { paused: true, reasons: ['timing', 'source_context'] },
      proposalWork: { paused: true, reasons: ['audit_evidence', 'scope', 'timeline'] },
    });
  });
});

describe('applyEvent result', () => {
  it('reports `changed: false` when an event repeats exactly (a retried request)', () => {
    const e = ev('RECORD_QUALIFICATION', { facts: { source: 'Referral' } });
    const once = accept(newDeal(), e);
    const twice = applyEvent(once, e);
    expect(twice).toMatchObject({ ok: true, changed: false, stageBefore: 'lead', stageAfter: 'lead' });
  });

  it('only handed_off is final; lost can still be reactivated', () => {
    expect(STAGES.filter(isFinalStage)).toEqual(['handed_off']);
  });
});

describe('machine shape', () => {
  it('has one named guard per gate code and uses no timers or invoked actors', () => {
    const guards = Object.keys(dealMachine.implementations.guards);
    for (const gate of GUARDED_GATES) expect(guards).toContain(gate);
    expect([...GATE_CODES].sort()).toEqual([...GUARDED_GATES, 'stage'].sort());
    expect(Object.keys(dealMachine.implementations.delays)).toEqual([]);
    expect(Object.keys(dealMachine.implementations.actors)).toEqual([]);
    const config = JSON.stringify(dealMachine.definition);
    expect(config).not.toMatch(/"invoke":\[\{/);
    expect(config).not.toMatch(/xstate\.after/);
  });

  it('every gate code guards some move, and stage-changing events are exactly the moves with a target', () => {
    const used = new Set(MOVES.flatMap((m) => [...m.gates, ...m.payloadGates]));
    for (const gate of GUARDED_GATES) expect(used).toContain(gate);
    const withTarget = new Set(MOVES.filter((m) => m.to !== null).map((m) => m.event));
    expect([...withTarget].sort()).toEqual([...STAGE_CHANGING_EVENTS].sort());
  });
});
