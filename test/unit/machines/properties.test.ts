/**
 * Property tests: thousands of random event sequences, mostly well-formed events with
 * random facts (picked among the moves valid in the current stage, the forward move
 * favoured, so deep stages are reached), some of any type and some junk.
 */
import fc from 'fast-check';
import {
  applyEvent,
  CONTRACT_STATES,
  createDeal,
  deepEqual,
  DISCOVERY_FACTS,
  EVENT_TYPES,
  explain,
  followUpPauseReasons,
  FORWARD_EVENT,
  fromSnapshot,
  HANDOFF_FACTS,
  HANDOFF_RECORDS,
  handoffContextRecorded,
  INDIRECT_EVENTS,
  LOST_REASONS,
  LOST_REASONS_NEEDING_DETAIL,
  moveFor,
  movesFrom,
  movesOf,
  PAYMENT_STATES,
  PROPOSAL_SECTION_KINDS,
  proposalAuthors,
  proposalPauseReasons,
  QUALIFICATION_FACTS,
  STAGES,
  SUMMARY_KINDS,
  summaryDraftGate,
  toSnapshot,
  type ApplyResult,
  type DealState,
  type EventType,
  type Stage,
} from '../../../machines/opportunity';
import { propertyRuns } from '../../support/kit';
import { at, currentText } from './support';

const ACTORS = [
  { id: 'rep-1', role: 'rep' },
  { id: 'rep-2', role: 'rep' },
  { id: 'ops-1', role: 'ops' },
  { id: 'ops-2', role: 'ops' },
  { id: 'admin-1', role: 'admin' },
  { id: 'client-1', role: 'portal' },
  { id: 'workflow', role: 'system' },
] as const;

/** Randomness for one step; `buildEvent` turns it into an event for the current state. */
interface Step {
  /** forward: work towards the next stage; stage: any move valid here; any: any type; junk: malformed. */
  mode: 'forward' | 'stage' | 'any' | 'junk';
  pick: number;
  actor: number;
  withNextAction: boolean;
  /** Small numbers (0..9) read as weighted coins: `n < 8` is an 80% coin. */
  r: number[];
  junk: unknown;
}

const stepArb: fc.Arbitrary<Step> = fc.record({
  mode: fc.constantFrom<Step['mode']>(
    ...Array<Step['mode']>(12).fill('forward'),
    ...Array<Step['mode']>(5).fill('stage'),
    'any',
    'any',
    'junk',
  ),
  pick: fc.nat(9_999),
  actor: fc.nat(ACTORS.length - 1),
  withNextAction: fc.nat(9).map((n) => n < 9),
  r: fc.array(fc.nat(9), { minLength: 12, maxLength: 12 }),
  junk: fc.oneof(fc.constant(null), fc.string(), fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 })),
});

/** Weighted choice among the events valid in `stage`: the forward move is favoured, losing is rare. */
function pickStageEvent(stage: Stage, pick: number): EventType {
  const weighted: [EventType, number][] = [...new Set(movesFrom(stage).map((m) => m.event))].map((type) => [
    type,
    type === FORWARD_EVENT[stage] ? 8 : type === 'MARK_LOST' ? 0.4 : type === 'SET_NEXT_ACTION' ? 0.5 : 2,
  ]);
  if (weighted.length === 0) return EVENT_TYPES[pick % EVENT_TYPES.length];
  const total = weighted.reduce((sum, [, w]) => sum + w, 0);
  let x = (pick / 10_000) * total;
  for (const [type, w] of weighted) {
    if (x < w) return type;
    x -= w;
  }
  return weighted[weighted.length - 1][0];
}

/** The fact event that works on an unmet gate of the forward move (the payload stays random). */
const HELPER: Partial<Record<string, EventType>> = {
  ...Object.fromEntries(QUALIFICATION_FACTS.map((f) => [f, 'RECORD_QUALIFICATION'])),
  ...Object.fromEntries(DISCOVERY_FACTS.map((f) => [f, 'RECORD_DISCOVERY'])),
  ...Object.fromEntries(PROPOSAL_SECTION_KINDS.map((f) => [f, 'RECORD_PROPOSAL_SECTION'])),
  ...Object.fromEntries(HANDOFF_FACTS.map((f) => [f, 'RECORD_CONTRACT'])),
  ...Object.fromEntries(SUMMARY_KINDS.map((kind) => [summaryDraftGate(kind), 'RECORD_CLIENT_SAFE_SUMMARY'])),
  audit_evidence: 'RECORD_AUDIT_EVIDENCE',
  proposal_work_paused: 'RECORD_VERIFICATION',
  follow_up_paused: 'RECORD_CONSENT',
  approval: 'APPROVE',
  client_safe_summary: 'APPROVE_CLIENT_SAFE_SUMMARY',
  objection_open: 'RESOLVE_OBJECTION',
  // HO1
  handoff_client: 'RECORD_HANDOFF_CLIENT',
  portal_contacts: 'RECORD_PORTAL_CONTACTS',
  connector_accounts: 'RECORD_CONNECTOR_ACCOUNT',
  data_sources: 'RECORD_DATA_SOURCE',
  reporting_baseline: 'RECORD_REPORTING_BASELINE',
  services_sold: 'RECORD_SERVICES_SOLD',
};

/** The event type to try, and the section or summary kind a helper event records. */
interface Pick {
  type: EventType;
  section?: string;
  kind?: string;
}

function forwardEvent(state: DealState, s: Step): Pick {
  // The forward move brings its own next action (a payload gate `explain` lists too): work on the others.
  const gates = explain(state).nextStageGates.filter((g) => g !== 'next_action');
  const gate = gates[s.pick % Math.max(1, gates.length)];
  const forward = FORWARD_EVENT[state.stage];
  if (gate === undefined || forward === null) return { type: forward ?? pickStageEvent(state.stage, s.pick) };
  if (gate === 'proposal_work_paused' && proposalPauseReasons(state.context).includes('audit_evidence')) {
    return { type: 'RECORD_AUDIT_EVIDENCE' };
  }
  // A data source names a recorded connector account (known_connector): record one first.
  if (gate === 'data_sources' && state.context.handoffContext.connectors.length === 0) {
    return { type: 'RECORD_CONNECTOR_ACCOUNT' };
  }
  const helper = HELPER[gate] ?? pickStageEvent(state.stage, s.pick);
  if (helper === 'RECORD_CLIENT_SAFE_SUMMARY') return { type: helper, kind: gate.replace(/_summary$/, '') };
  return helper === 'RECORD_PROPOSAL_SECTION' ? { type: helper, section: gate } : { type: helper };
}

const subset = <K extends string>(keys: readonly K[], r: number[]): Partial<Record<K, string>> => {
  const chosen = keys.filter((_k, i) => r[i % r.length] < 8);
  return Object.fromEntries((chosen.length ? chosen : [keys[0]]).map((k) => [k, `${k} note`])) as Partial<
    Record<K, string>
  >;
};

/** An approval of the current text (mostly), or of a stale revision, a wrong version or a missing summary. */
function summaryApprovalPayload(state: DealState, r: number[]): Record<string, unknown> {
  const current = currentText(state);
  const named = Object.keys(current.summaries);
  if (named.length === 0) return { proposalVersion: current.proposalVersion, summaries: { audit_findings: 1 } };
  if (r[0] < 7) return current;
  const kind = named[r[1] % named.length] as keyof typeof current.summaries;
  if (r[0] < 8) return { ...current, summaries: { ...current.summaries, [kind]: (current.summaries[kind] ?? 1) + 1 } };
  if (r[0] < 9) return { ...current, proposalVersion: current.proposalVersion + 1 };
  const { [kind]: _dropped, ...rest } = current.summaries;
  return { ...current, summaries: Object.keys(rest).length > 0 ? rest : { [kind]: 99 } };
}

function payload(type: EventType, s: Step, i: number, state: DealState, pick: Pick): Record<string, unknown> {
  const r = s.r;
  const section = pick.section;
  switch (type) {
    case 'RECORD_QUALIFICATION':
      return { facts: subset(QUALIFICATION_FACTS, r) };
    case 'RECORD_DISCOVERY':
      return { facts: subset(DISCOVERY_FACTS, r) };
    case 'RECORD_CONSENT':
      return {
        consent: r[0] < 8 ? 'granted' : r[0] < 9 ? 'withdrawn' : undefined,
        contactTimingValid: r[1] < 8 ? true : r[1] < 9 ? false : undefined,
        sourceContextValid: r[2] < 8 ? true : r[2] < 9 ? false : undefined,
        decisionPathVerified: r[3] < 9,
      };
    case 'RECORD_VERIFICATION':
      return {
        scopeVerified: r[0] < 9,
        timelineVerified: r[1] < 9 ? true : undefined,
        decisionPathVerified: r[2] < 9 ? true : r[2] < 9.5 ? false : undefined,
      };
    case 'RECORD_FOLLOW_UP':
      return r[0] < 5 ? { note: 'Checked in' } : {};
    case 'RECORD_AUDIT_EVIDENCE':
      return { evidenceId: `ev-${r[0] % 3}`, summary: 'Audit finding' };
    case 'RECORD_PROPOSAL_SECTION':
      return {
        section: section ?? PROPOSAL_SECTION_KINDS[s.pick % PROPOSAL_SECTION_KINDS.length],
        ...(r[0] < 3 ? { sectionId: `sec-${r[1]}` } : {}),
      };
    case 'RECORD_CLIENT_SAFE_SUMMARY':
      return { kind: pick.kind ?? SUMMARY_KINDS[s.pick % SUMMARY_KINDS.length] };
    case 'APPROVE_CLIENT_SAFE_SUMMARY':
      return summaryApprovalPayload(state, r);
    case 'REJECT':
    case 'REVISE_PROPOSAL':
      return { reason: 'Needs changes' };
    case 'SEND_PROPOSAL':
      return { probability: (r[0] * 11) % 101, ...(r[1] < 7 ? { decisionDeadline: at(i + 10_000) } : {}) };
    case 'RECORD_OBJECTION':
      return { objectionId: `o-${r[0] % 3}`, summary: 'Concern' };
    case 'RESOLVE_OBJECTION':
      return { objectionId: `o-${r[0] % 4}` };
    case 'RECORD_CONTRACT': {
      const fields = {
        contractState: r[0] < 6 ? 'signed' : CONTRACT_STATES[r[0] % CONTRACT_STATES.length],
        paymentState: PAYMENT_STATES[r[1] % PAYMENT_STATES.length],
        kickoffDate: '2025-04-01',
        onboardingOwner: 'onb-1',
        launchBlockers: r[2] < 6 ? [] : ['Portal access pending'],
      };
      const chosen = Object.entries(fields).filter((_e, k) => r[k + 3] < 7);
      return Object.fromEntries(chosen.length ? chosen : [Object.entries(fields)[0]]);
    }
    case 'RECORD_HANDOFF_CLIENT':
      return r[0] < 2
        ? { clientId: `00000000-0000-4000-8000-00000000000${r[1]}` }
        : { name: `Client ${r[1]}`, ...(r[2] < 7 ? { domain: `client-${r[1]}.example` } : {}) };
    case 'RECORD_PORTAL_CONTACTS':
      return {
        contacts: [
          { name: 'Dana', email: 'dana@client.example' },
          ...(r[0] < 3 ? [{ name: 'Lee', email: 'lee@client.example' }] : []),
        ],
      };
    case 'RECORD_CONNECTOR_ACCOUNT':
      return {
        connectorId: `conn-${r[0] % 3}`,
        provider: 'HubSpot',
        accountRef: `account ${r[1]}`,
        access: r[2] < 7 ? 'granted' : r[2] < 9 ? 'requested' : 'refused',
      };
    case 'RECORD_DATA_SOURCE': {
      // Mostly a recorded connector, sometimes one never recorded (refused: known_connector).
      const known = state.context.handoffContext.connectors.map((c) => c.connectorId);
      const connectorId = known.length > 0 && r[1] < 8 ? known[r[2] % known.length] : `conn-unknown-${r[2]}`;
      return { sourceId: `src-${r[0] % 3}`, kind: 'crm', name: 'Leads', connectorId };
    }
    case 'RECORD_REPORTING_BASELINE':
      return {
        figures: [{ metric: 'monthly_leads', value: r[0] * 10, unit: 'leads', period: '2025-01', measuredIn: 'CRM' }],
      };
    case 'RECORD_SERVICES_SOLD':
      return { serviceIds: [`00000000-0000-4000-8000-00000000010${r[0]}`] };
    case 'COMPLETE_HANDOFF':
      return { records: Object.fromEntries(HANDOFF_RECORDS.map((rec, k) => [rec, r[k] < 9])) };
    case 'MARK_LOST':
      return {
        reason: r[0] < 9 ? LOST_REASONS[r[1] % LOST_REASONS.length] : undefined,
        detail: r[2] < 7 ? 'Context of the loss' : undefined,
        reactivateAt: r[3] < 9 ? at(i + (r[4] < 8 ? 60_000 : -1)) : undefined,
      };
    case 'SET_NEXT_ACTION':
      return { nextAction: { description: 'Set explicitly', dueAt: at(i + 500), ownerId: 'rep-1' } };
    case 'REASSIGN':
      return { ownerId: `rep-${1 + (r[0] % 3)}` };
    case 'UPDATE_DEAL':
      return r[0] < 5 ? { probability: r[1] * 10 } : { value: { amountCents: r[1] * 100_000, currency: 'EUR' } };
    case 'CREATE_TASK':
      return {
        taskId: `00000000-0000-4000-8000-00000000020${r[0]}`,
        title: 'By hand',
        dueAt: at(i + 60),
        queue: 'ops',
      };
    case 'ASSIGN_TASK':
      return { taskId: `00000000-0000-4000-8000-00000000020${r[0]}`, ownerId: 'rep-2' };
    case 'CANCEL_TASK':
      return { taskId: `00000000-0000-4000-8000-00000000020${r[0]}` };
    default:
      return {};
  }
}

function buildEvent(state: DealState, s: Step, i: number): unknown {
  if (s.mode === 'junk') {
    // Malformed input: arbitrary values, or a real event with one field broken.
    const base = { type: 'RECORD_QUALIFICATION', actor: ACTORS[0], at: at(i), facts: { source: 'x' } };
    const broken = [
      s.junk,
      { ...base, at: 'not a date' },
      { ...base, extra: s.junk },
      { ...base, type: 'NOPE' },
      { ...base, actor: { id: 'x', role: 'root' } },
    ];
    return broken[s.pick % broken.length];
  }
  const pick: Pick =
    s.mode === 'forward'
      ? forwardEvent(state, s)
      : { type: s.mode === 'stage' ? pickStageEvent(state.stage, s.pick) : EVENT_TYPES[s.pick % EVENT_TYPES.length] };
  const type = pick.type;
  const event: Record<string, unknown> = {
    type,
    actor: ACTORS[s.actor],
    at: at(i),
    ...payload(type, s, i, state, pick),
  };
  if (s.withNextAction && type !== 'SET_NEXT_ACTION')
    event.nextAction = { description: `Next ${i}`, dueAt: at(i + 1_440), ownerId: 'rep-1' };
  for (const key of Object.keys(event)) if (event[key] === undefined) delete event[key];
  return event;
}

/** Every stage a deal reaches only through QUALIFY: all but lead and lost (a lost deal may never have qualified). */
const PAST_QUALIFIED: Stage[] = STAGES.filter((stage) => stage !== 'lead' && stage !== 'lost');
const PAST_SENT: Stage[] = ['sent', 'contract', 'won', 'handed_off'];

/** A cheap assertion for the hot loop (`expect` costs ~30µs a call); fast-check reports the failing sequence. */
function check(condition: boolean, message: string, detail?: unknown): void {
  if (!condition) throw new Error(`${message}${detail === undefined ? '' : `: ${JSON.stringify(detail)}`}`);
}
const isText = (v: unknown): boolean => typeof v === 'string' && v.trim().length > 0;

/** The invariants every reachable state keeps. */
function checkInvariants(state: DealState): void {
  const c = state.context;
  const value = state.value as { stage: Stage; followUp: string; proposalWork: string };
  check(STAGES.includes(state.stage) && value.stage === state.stage, 'unknown stage', state.value);
  check(
    value.followUp === (followUpPauseReasons(c).length > 0 ? 'paused' : 'active'),
    'follow-up pause out of sync',
    state.value,
  );
  check(
    value.proposalWork === (proposalPauseReasons(c).length > 0 ? 'paused' : 'active'),
    'proposal pause out of sync',
    state.value,
  );
  // Q1: at or past qualified, every qualification fact is there.
  if (PAST_QUALIFIED.includes(state.stage)) {
    for (const fact of QUALIFICATION_FACTS)
      check(isText(c.qualification[fact]), `Q1 fact ${fact} missing in ${state.stage}`);
  }
  // AP1: nothing is at or past sent without approval and client-safe summary approval, by someone other than the submitter.
  if (PAST_SENT.includes(state.stage)) {
    const p = c.proposal;
    check(p.approvedBy !== null && p.clientSafeSummaryApprovedBy !== null, `${state.stage} without approvals`, p);
    check(
      p.approvedBy !== p.submittedBy && p.clientSafeSummaryApprovedBy !== p.submittedBy,
      'self-approved proposal',
      p,
    );
    // The text cannot change once submitted, so its authors now are the authors when it was approved.
    const authors = proposalAuthors(c);
    check(
      !authors.includes(p.approvedBy ?? '') && !authors.includes(p.clientSafeSummaryApprovedBy ?? ''),
      'proposal approved by one of its authors',
      p,
    );
    check(p.sentAt !== null, 'sent without sentAt');
  }
  // W2: nothing is won without the contract facts.
  if (state.stage === 'won' || state.stage === 'handed_off') {
    const k = c.contract;
    check(k.contractState === 'signed', 'won without a signed contract', k);
    check(k.paymentState !== null && k.paymentState !== 'not_invoiced', 'won without payment state', k);
    check(
      isText(k.kickoffDate) && isText(k.onboardingOwner) && Array.isArray(k.launchBlockers),
      'won without W2 facts',
      k,
    );
  }
  // HO1: nothing is won without the handoff context, and every data source names a recorded connector account.
  if (state.stage === 'won' || state.stage === 'handed_off') {
    const recorded = handoffContextRecorded(c);
    check(Object.values(recorded).every(Boolean), 'won without the handoff context', recorded);
  }
  const connectorIds = new Set(c.handoffContext.connectors.map((k) => k.connectorId));
  check(
    c.handoffContext.dataSources.every((d) => connectorIds.has(d.connectorId)),
    'a data source names an unknown connector',
    c.handoffContext,
  );
  check(connectorIds.size === c.handoffContext.connectors.length, 'a connector recorded twice', c.handoffContext);
  // W1: handed off only with every record.
  if (state.stage === 'handed_off')
    check(
      HANDOFF_RECORDS.every((rec) => c.handoff[rec]),
      'handed off without every record',
      c.handoff,
    );
  // L1: lost always has a reason and a reactivation window after the loss; the history keeps it.
  if (state.stage === 'lost') {
    const lost = c.lost;
    check(lost !== null && LOST_REASONS.includes(lost.reason), 'lost without a reason', lost);
    check(
      lost !== null && Date.parse(lost.reactivateAt) > Date.parse(lost.lostAt),
      'lost without a reactivation window',
      lost,
    );
    if (lost && (LOST_REASONS_NEEDING_DETAIL as readonly string[]).includes(lost.reason))
      check(isText(lost.detail), 'lost without its context', lost);
    check(
      JSON.stringify(c.lostHistory[c.lostHistory.length - 1]) === JSON.stringify(lost),
      'lost missing from history',
    );
  } else {
    check(c.lost === null, 'a lost record outside lost');
  }
  // E1: a non-final stage other than lost always has a next action (a fresh lead has none yet).
  if (state.stage !== 'lost' && state.stage !== 'handed_off' && c.lastActivityAt !== c.createdAt) {
    check(c.nextAction !== null, `no next action in ${state.stage}`);
  }
}

/** The same JSON with every object's keys reversed, as a jsonb column may hand it back. */
function reorderKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reorderKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .reverse()
        .map((k) => [k, reorderKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** Only null, booleans, finite numbers, strings, arrays and plain objects, with no `undefined` anywhere. */
function isPlainJson(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isPlainJson);
  if (typeof value === 'object') {
    return Object.getPrototypeOf(value) === Object.prototype && Object.values(value as object).every(isPlainJson);
  }
  return false;
}

/**
 * The round trip a stored deal makes (JSON text, or jsonb which reorders keys) changes
 * nothing: the state is plain JSON, equal to its copy, restores to the same xstate
 * snapshot, and the next event gives the same result on the copy as on the original.
 */
function checkRoundTrip(state: DealState, event: unknown, direct: ApplyResult): void {
  check(isPlainJson(state), 'state is not plain JSON');
  const viaJson = JSON.parse(JSON.stringify(state)) as DealState;
  check(deepEqual(viaJson, state), 'JSON round trip changed the state');
  check(
    JSON.stringify(fromSnapshot(toSnapshot(viaJson))) === JSON.stringify(state),
    'the xstate snapshot did not restore exactly',
  );
  check(
    JSON.stringify(applyEvent(viaJson, event)) === JSON.stringify(direct),
    'the round-tripped state answered differently',
    event,
  );
  const viaJsonb = reorderKeys(viaJson) as DealState;
  check(deepEqual(applyEvent(viaJsonb, event), direct), 'the key-reordered state answered differently', event);
}

const sequenceArb = fc.array(stepArb, { minLength: 1, maxLength: 120, size: 'max' });
const newDealState = () => createDeal({ opportunityId: 'opp-prop', ownerId: 'rep-1', source: null, at: at(0) });

describe('random event sequences', () => {
  it('[Q1][AP1][W2][HO1][W1][L1][E1] thousands of random sequences keep every invariant; refused events and JSON round trips change nothing', () => {
    const runs = propertyRuns(2_000);
    const reached = new Map<Stage, number>();
    let accepted = 0;
    let refused = 0;
    let roundTrips = 0;
    fc.assert(
      fc.property(sequenceArb, (steps) => {
        let state = newDealState();
        const seen = new Set<Stage>([state.stage]);
        for (const [index, step] of steps.entries()) {
          const i = index + 1;
          const event = buildEvent(state, step, i);
          const before = JSON.stringify(state);
          const explanation = explain(state);
          const result = applyEvent(state, event);
          check(JSON.stringify(state) === before, 'applyEvent touched its input'); // refused or not
          if (step.r[11] < 2) {
            roundTrips += 1;
            checkRoundTrip(state, event, result);
          }
          if (result.ok) {
            accepted += 1;
            const type = result.event.type;
            if ((INDIRECT_EVENTS as readonly string[]).includes(type)) {
              check(
                !explanation.allowedEvents.includes(type) && explanation.refusedEvents[type] === undefined,
                `explain lists ${type}, which no person sends`,
              );
            } else {
              check(
                explanation.allowedEvents.includes(type),
                `accepted ${type} that explain refused`,
                explanation.refusedEvents[type],
              );
            }
            check(result.stageBefore === state.stage, 'stageBefore');
            check(
              result.stageAfter === (moveFor(type, state.stage)?.to ?? state.stage),
              `${type} went to ${result.stageAfter}`,
            );
            state = result.state;
            checkInvariants(state);
            seen.add(state.stage);
          } else {
            refused += 1;
            if (result.code === 'gates_unmet') {
              const type = (event as { type: EventType }).type;
              const move = moveFor(type, state.stage);
              const contextGates = explanation.refusedEvents[type] ?? [];
              check(result.unmetGates.length > 0, 'refused without a gate');
              // Not valid here: `stage` first, then only gates of its moves elsewhere.
              const payloadGates: readonly string[] = move
                ? move.payloadGates
                : ['stage', ...movesOf(type).flatMap((m) => [...m.gates, ...m.payloadGates])];
              if (!move) check(result.unmetGates[0] === 'stage', 'stage gate not first', result.unmetGates);
              else check(!result.unmetGates.includes('stage'), 'stage gate in a valid stage', result.unmetGates);
              // explain's context gates are all named; anything more comes from the payload.
              for (const gate of contextGates)
                check(result.unmetGates.includes(gate), `explain gate ${gate} not named`, result);
              for (const gate of result.unmetGates) {
                if (!contextGates.includes(gate)) check(payloadGates.includes(gate), `unexpected gate ${gate}`, result);
              }
            } else {
              check(result.issues.length > 0, 'invalid_event without issues');
            }
          }
          if (state.stage === 'handed_off') break;
        }
        for (const stage of seen) reached.set(stage, (reached.get(stage) ?? 0) + 1);
      }),
      { numRuns: runs, seed: 20_250_106 },
    );
    expect(accepted).toBeGreaterThan(refused / 4);
    // Proportional to the run count: 5,000 round trips and every stage in more than 50 sequences at the default 2,000.
    expect(roundTrips).toBeGreaterThan(runs * 2.5);
    // The generator reaches every stage, the deep ones too.
    for (const stage of STAGES) expect(reached.get(stage) ?? 0).toBeGreaterThan(runs / 40);
  });

  it('a JSON round trip of every state along random sequences changes nothing', () => {
    fc.assert(
      fc.property(sequenceArb, (steps) => {
        let state = createDeal({ opportunityId: 'opp-rt', ownerId: 'rep-1', source: 'ads', at: at(0) });
        for (const [index, step] of steps.entries()) {
          const event = buildEvent(state, step, index + 1);
          const direct = applyEvent(state, event);
          checkRoundTrip(state, event, direct);
          if (direct.ok) state = direct.state;
          if (state.stage === 'handed_off') break;
        }
        checkRoundTrip(state, { type: 'SET_NEXT_ACTION' }, applyEvent(state, { type: 'SET_NEXT_ACTION' }));
      }),
      { numRuns: propertyRuns(300), seed: 424_242 },
    );
  });
});
