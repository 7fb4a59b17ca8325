/**
 * The gate catalogue (GC1) against the move table: every code a move can refuse with is listed
 * once, with its requirement and the moves it guards, and every code `unmetGates` returns in
 * sampled deal states (each stage of the happy path and the states between, every event type)
 * is listed.
 */
import { eventsUpTo } from '../../../fixtures/deal-events';
import {
  applyEvent,
  CONTRACT_STATES,
  createDeal,
  EVENT_TYPES,
  GATE_CODES,
  gateCatalogue,
  GATE_CHECKS,
  HANDOFF_RECORDS,
  MOVES,
  parseDealEvent,
  PAYMENT_STATES,
  PROPOSAL_SECTION_KINDS,
  STAGES,
  SUMMARY_KINDS,
  unmetGates,
  type DealState,
  type EventType,
  type GateCode,
  type GuardedGate,
  type Stage,
} from '../../../machines/opportunity';
import { accept, at, ops, rep } from './support';

const catalogue = gateCatalogue();
const byCode = new Map(catalogue.map((entry) => [entry.code, entry]));

describe('[GC1] the gate catalogue', () => {
  it('lists every code of the move table, plus stage, exactly once, and nothing else', () => {
    const codes = catalogue.map((entry) => entry.code);
    expect(new Set(codes).size).toBe(codes.length);
    const fromMoves = new Set<string>(['stage', ...MOVES.flatMap((m) => [...m.gates, ...m.payloadGates])]);
    for (const code of fromMoves) expect([code, codes.filter((c) => c === code).length]).toEqual([code, 1]);
    expect([...codes].sort()).toEqual([...GATE_CODES].sort());
    expect([...codes].sort()).toEqual([...fromMoves].sort());
  });

  it('gives every gate but stage a requirement ID and a guard, and says what satisfies and records it', () => {
    for (const entry of catalogue) {
      expect([entry.code, entry.satisfiedBy.trim().length > 0]).toEqual([entry.code, true]);
      expect([entry.code, entry.recordedBy.length > 0]).toEqual([entry.code, true]);
      for (const requirement of entry.requirements) expect(requirement).toMatch(/^[A-Z]+\d+$/);
      if (entry.code === 'stage') continue;
      expect([entry.code, entry.requirements.length > 0]).toEqual([entry.code, true]);
      expect([entry.code, entry.guards.length > 0]).toEqual([entry.code, true]);
    }
  });

  it('names only guards that are moves of the table, and every move that checks the gate', () => {
    for (const entry of catalogue) {
      for (const guard of entry.guards) {
        const move = MOVES.find(
          (m) =>
            m.event === guard.event &&
            m.from.length === guard.stages.length &&
            m.from.every((stage) => guard.stages.includes(stage)),
        );
        expect([entry.code, guard.event, guard.stages, move !== undefined]).toEqual([
          entry.code,
          guard.event,
          guard.stages,
          true,
        ]);
        if (entry.code !== 'stage')
          expect([
            entry.code,
            guard.event,
            [...move!.gates, ...move!.payloadGates].includes(entry.code as never),
          ]).toEqual([entry.code, guard.event, true]);
      }
      const guarding = MOVES.filter(
        (m) => entry.code === 'stage' || [...m.gates, ...m.payloadGates].includes(entry.code as never),
      );
      expect([entry.code, entry.guards.length]).toEqual([entry.code, guarding.length]);
    }
  });

  it('names the values that satisfy contract_state (signed) and payment_state (every state after invoicing)', () => {
    // What the gate checks accept, read from the machine, and named in the catalogue's text.
    const context = sampleStates().find((s) => s.stage === 'contract')!.context;
    const accepted = <K extends 'contractState' | 'paymentState'>(
      code: GateCode,
      field: K,
      values: readonly string[],
    ) =>
      values.filter((value) =>
        GATE_CHECKS[code as GuardedGate]({ ...context, contract: { ...context.contract, [field]: value } }, null),
      );
    const named = (text: string, value: string) => new RegExp(`(^|[^a-z_])${value}([^a-z_]|$)`).test(text);

    const contract = byCode.get('contract_state')!;
    expect(accepted('contract_state', 'contractState', CONTRACT_STATES)).toEqual(['signed']);
    expect(contract.satisfiedBy).toMatch(/is `signed`/);
    expect(contract.requirements).toContain('W2');
    expect(contract.guards.map((g) => g.event)).toContain('MARK_WON');
    expect(contract.recordedBy).toContain('RECORD_CONTRACT');

    const payment = byCode.get('payment_state')!;
    const paid = accepted('payment_state', 'paymentState', PAYMENT_STATES);
    expect(paid).toEqual(['invoiced', 'deposit_paid', 'paid', 'overdue']);
    for (const state of paid) expect([state, named(payment.satisfiedBy, state)]).toEqual([state, true]);
    expect(payment.satisfiedBy).toContain('not `not_invoiced`');
    expect(payment.recordedBy).toContain('RECORD_CONTRACT');
  });
});

// ---- every code unmetGates returns is in the catalogue -------------------------------------

const PORTAL = { id: 'client-1', role: 'portal' } as const;
let clock = 0;
const tick = () => at((clock += 1));
const later = (minutes: number) => at(clock + minutes);

/** A well-formed payload for each event type: `full` tries to meet its payload gates, `bare` meets none it can avoid. */
function payload(type: EventType, full: boolean): Record<string, unknown> {
  switch (type) {
    case 'REJECT':
    case 'REVISE_PROPOSAL':
      return { reason: 'Needs changes' };
    case 'SEND_PROPOSAL':
      return { probability: 50 };
    case 'RECORD_OBJECTION':
      return { objectionId: 'o-1', summary: 'Price' };
    case 'RESOLVE_OBJECTION':
      return { objectionId: full ? 'o-1' : 'o-unknown' };
    case 'MARK_LOST':
      return full ? { reason: 'budget', detail: 'Frozen', reactivateAt: later(100_000) } : { reason: 'budget' };
    case 'COMPLETE_HANDOFF':
      return { records: Object.fromEntries(HANDOFF_RECORDS.map((r) => [r, full])) };
    case 'RECORD_QUALIFICATION':
      return { facts: { urgency: 'High' } };
    case 'RECORD_DISCOVERY':
      return { facts: { pain_points: 'Missed calls' } };
    case 'RECORD_CONSENT':
      return { consent: full ? 'granted' : 'withdrawn' };
    case 'RECORD_VERIFICATION':
      return { scopeVerified: full };
    case 'RECORD_FOLLOW_UP':
      return { note: 'Checked in' };
    case 'RECORD_AUDIT_EVIDENCE':
      return { evidenceId: 'ev-9', summary: 'Finding' };
    case 'RECORD_PROPOSAL_SECTION':
      return { section: PROPOSAL_SECTION_KINDS[full ? 0 : 1] };
    case 'RECORD_CLIENT_SAFE_SUMMARY':
      return { kind: SUMMARY_KINDS[0] };
    case 'APPROVE_CLIENT_SAFE_SUMMARY':
      return { proposalVersion: full ? 1 : 7, summaries: Object.fromEntries(SUMMARY_KINDS.map((k) => [k, 1])) };
    case 'COMPLETE_TASK':
      return { taskId: '00000000-0000-4000-8000-000000000001' };
    case 'RECORD_CONTRACT':
      return full ? { contractState: 'signed', paymentState: 'overdue' } : { contractState: 'drafted' };
    case 'RECORD_HANDOFF_CLIENT':
      return { name: 'Acme Plumbing', domain: 'acme.example' };
    case 'RECORD_PORTAL_CONTACTS':
      return { contacts: [{ name: 'Dana Office', email: 'dana@acme.example' }] };
    case 'RECORD_CONNECTOR_ACCOUNT':
      return { connectorId: 'hubspot', provider: 'HubSpot', accountRef: 'portal 4411', access: 'granted' };
    case 'RECORD_DATA_SOURCE':
      // The happy path records connector `hubspot`; an unknown one meets no known_connector.
      return { sourceId: 'crm-leads', kind: 'crm', name: 'Leads', connectorId: full ? 'hubspot' : 'no-such-connector' };
    case 'RECORD_REPORTING_BASELINE':
      return {
        figures: [{ metric: 'monthly_leads', value: 120, unit: 'leads', period: '2025-01', measuredIn: 'CRM' }],
      };
    case 'RECORD_SERVICES_SOLD':
      return { serviceIds: ['0f0e0d0c-0b0a-4909-8807-060504030201'] };
    case 'SET_NEXT_ACTION':
      return { nextAction: { description: 'Call', dueAt: later(1_440), ownerId: rep.id } };
    case 'REASSIGN':
      return { ownerId: 'rep-2' };
    case 'UPDATE_DEAL':
      return { value: { amountCents: 500_000, currency: 'EUR' } };
    case 'CREATE_TASK':
      return {
        taskId: '00000000-0000-4000-8000-000000000002',
        title: 'Send the case study',
        dueAt: later(60),
        queue: 'ops',
      };
    case 'ASSIGN_TASK':
      return { taskId: '00000000-0000-4000-8000-000000000002', ownerId: 'rep-2' };
    case 'CANCEL_TASK':
      return { taskId: '00000000-0000-4000-8000-000000000002' };
    default:
      return {};
  }
}

/** The variants tried for each event type: with a next action as ops, and as a rep or a portal user without one. */
function variants(type: EventType): Record<string, unknown>[] {
  const nextAction = { description: 'Next', dueAt: later(1_440), ownerId: rep.id };
  return [
    { type, actor: ops, at: tick(), nextAction, ...payload(type, true) },
    { type, actor: rep, at: tick(), ...payload(type, false) },
    { type, actor: PORTAL, at: tick(), ...payload(type, false) },
  ];
}

/** Deal states to sample: after every event of the happy path up to `won`, handed off, with an open objection, lost and reactivated. */
function sampleStates(): DealState[] {
  const states: DealState[] = [];
  let state = createDeal({
    opportunityId: 'opp-gc1',
    ownerId: rep.id,
    source: null,
    at: at(0),
    nextAction: nextAt(),
  });
  states.push(state);
  for (const event of eventsUpTo('won', rep, ops)) {
    state = accept(state, { ...event, at: tick() });
    states.push(state);
  }
  states.push(accept(state, { type: 'COMPLETE_HANDOFF', actor: rep, at: tick(), records: allRecords() }));
  const sent = states.find((s) => s.stage === 'sent')!;
  states.push(accept(sent, { type: 'RECORD_OBJECTION', actor: rep, at: tick(), objectionId: 'o-1', summary: 'Price' }));
  for (const from of [states[0], states.find((s) => s.stage === 'sent')!]) {
    const lost = accept(from, {
      type: 'MARK_LOST',
      actor: rep,
      at: tick(),
      reason: 'no_decision',
      reactivateAt: later(10),
    });
    states.push(lost, accept(lost, { type: 'REACTIVATE', actor: rep, at: later(20), nextAction: nextAt() }));
  }
  return states;
}
const allRecords = () => Object.fromEntries(HANDOFF_RECORDS.map((r) => [r, true]));
const nextAt = () => ({ description: 'Requalify', dueAt: later(2_000), ownerId: rep.id });

describe('[GC1] every code a refusal returns is in the catalogue', () => {
  const states = sampleStates();

  it('samples a deal in every stage', () => {
    expect([...new Set(states.map((s) => s.stage))].sort()).toEqual([...STAGES].sort());
  });

  it('for every sampled state and every event type, unmetGates names only catalogued codes', () => {
    const seen = new Set<GateCode>();
    const unknown: string[] = [];
    for (const state of states) {
      for (const type of EVENT_TYPES) {
        for (const event of variants(type)) {
          const parsed = parseDealEvent(event);
          expect([type, parsed.ok]).toEqual([type, true]);
          if (!parsed.ok) continue;
          const codes = unmetGates(state, parsed.event);
          const result = applyEvent(state, event);
          if (!result.ok && result.code === 'gates_unmet') expect(result.unmetGates).toEqual(codes);
          for (const code of codes) {
            seen.add(code);
            if (!byCode.has(code)) unknown.push(`${state.stage} ${type}: ${code}`);
          }
        }
      }
    }
    expect(unknown).toEqual([]);
    // The sample is wide enough that some refusal names each code of the catalogue.
    expect(GATE_CODES.filter((code) => !seen.has(code))).toEqual([]);
  });

  it('names stage and audit_evidence for a proposal section in audit without evidence, both catalogued', () => {
    const inAudit = sampleStates().find((s) => s.stage === 'audit')!;
    const parsed = parseDealEvent({ type: 'RECORD_PROPOSAL_SECTION', actor: rep, at: tick(), section: 'scope' });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    const codes = unmetGates(inAudit, parsed.event);
    expect(codes).toEqual(expect.arrayContaining(['stage', 'audit_evidence']));
    for (const code of codes) expect(byCode.has(code)).toBe(true);
    expect(byCode.get('stage')!.guards.length).toBe(MOVES.length);
    const guarded: Stage[] = byCode.get('audit_evidence')!.guards.flatMap((g) => g.stages);
    expect(guarded).toEqual(expect.arrayContaining(['audit', 'proposal']));
  });
});
