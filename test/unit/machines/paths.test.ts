/**
 * Path tests generated with `xstate/graph`: traversing the machine itself with a fixed set
 * of well-formed events reaches every stage, and no event leads to an undefined state.
 *
 * Vertices are keyed by the state value plus the unmet gates `explain` reports, so
 * recording a fact is progress (it changes what is allowed) while cycles (revise, reject,
 * lose and reactivate) still close.
 */
import { getAdjacencyMap, getShortestPaths, type TraversalOptions } from 'xstate/graph';
import type { SnapshotFrom } from 'xstate';
import {
  applyEvent,
  createDeal,
  dealMachine,
  eventSchemas,
  DISCOVERY_FACTS,
  explain,
  followUpPauseReasons,
  HANDOFF_CONTEXT_FACTS,
  fromSnapshot,
  isFinalStage,
  proposalPauseReasons,
  PROPOSAL_SECTION_KINDS,
  QUALIFICATION_FACTS,
  STAGES,
  SUMMARY_DRAFT_GATES,
  SUMMARY_KINDS,
  type DealEvent,
  type DealState,
  moveFor,
  toSnapshot,
  unmetGates,
  type Stage,
} from '../../../machines/opportunity';
import { allFacts, allHandoffRecords, at, FIRST_APPROVAL, nextActionAt, ops, rep } from './support';

type Snap = SnapshotFrom<typeof dealMachine>;

const input = { opportunityId: 'opp-graph', ownerId: 'rep-1', source: 'web', at: at(0) };
const common = { actor: rep, at: at(1), nextAction: nextActionAt(1) };
const raw: Record<string, unknown>[] = [
  { type: 'RECORD_QUALIFICATION', facts: allFacts(QUALIFICATION_FACTS) },
  {
    type: 'RECORD_CONSENT',
    consent: 'granted',
    contactTimingValid: true,
    sourceContextValid: true,
    decisionPathVerified: true,
  },
  { type: 'RECORD_CONSENT', consent: 'withdrawn' },
  { type: 'RECORD_VERIFICATION', scopeVerified: true, timelineVerified: true, decisionPathVerified: true },
  { type: 'RECORD_VERIFICATION', scopeVerified: false },
  { type: 'RECORD_FOLLOW_UP' },
  { type: 'RECORD_DISCOVERY', facts: allFacts(DISCOVERY_FACTS) },
  { type: 'RECORD_AUDIT_EVIDENCE', evidenceId: 'ev-1', summary: 'audit' },
  ...PROPOSAL_SECTION_KINDS.map((section) => ({ type: 'RECORD_PROPOSAL_SECTION', section })),
  ...SUMMARY_KINDS.map((kind) => ({ type: 'RECORD_CLIENT_SAFE_SUMMARY', kind })),
  { type: 'QUALIFY' },
  { type: 'START_DISCOVERY' },
  { type: 'START_AUDIT' },
  { type: 'START_PROPOSAL' },
  { type: 'SUBMIT_FOR_APPROVAL' },
  { type: 'APPROVE', actor: ops },
  { type: 'APPROVE', actor: rep },
  { type: 'APPROVE_CLIENT_SAFE_SUMMARY', actor: ops, ...FIRST_APPROVAL },
  // After one revision: the same drafts, approved for version 2.
  { type: 'APPROVE_CLIENT_SAFE_SUMMARY', actor: ops, ...FIRST_APPROVAL, proposalVersion: 2 },
  { type: 'REJECT', actor: ops, reason: 'rework' },
  { type: 'SEND_PROPOSAL', probability: 50 },
  { type: 'RECORD_VIEW' },
  { type: 'RECORD_OBJECTION', objectionId: 'o-1', summary: 'price' },
  { type: 'RESOLVE_OBJECTION', objectionId: 'o-1' },
  { type: 'REVISE_PROPOSAL', reason: 'change' },
  { type: 'ACCEPT' },
  {
    type: 'RECORD_CONTRACT',
    contractState: 'signed',
    paymentState: 'invoiced',
    kickoffDate: '2025-02-03',
    onboardingOwner: 'onb',
    launchBlockers: [],
  },
  { type: 'RECORD_CONTRACT', paymentState: 'not_invoiced' },
  // The handoff context MARK_WON waits for (HO1); the data source names the connector recorded before it.
  { type: 'RECORD_HANDOFF_CLIENT', name: 'Acme Plumbing', domain: 'acme.example' },
  { type: 'RECORD_PORTAL_CONTACTS', contacts: [{ name: 'Dana Office', email: 'dana@acme.example' }] },
  {
    type: 'RECORD_CONNECTOR_ACCOUNT',
    connectorId: 'hubspot',
    provider: 'HubSpot',
    accountRef: 'p-1',
    access: 'granted',
  },
  { type: 'RECORD_DATA_SOURCE', sourceId: 'crm', kind: 'crm', name: 'HubSpot leads', connectorId: 'hubspot' },
  {
    type: 'RECORD_REPORTING_BASELINE',
    figures: [{ metric: 'monthly_leads', value: 120, unit: 'leads', period: '2025-01', measuredIn: 'HubSpot' }],
  },
  { type: 'RECORD_SERVICES_SOLD', serviceIds: ['0f0e0d0c-0b0a-4909-8807-060504030201'] },
  { type: 'MARK_WON' },
  { type: 'COMPLETE_HANDOFF', records: { ...allHandoffRecords, portal: false } },
  { type: 'COMPLETE_HANDOFF', records: allHandoffRecords },
  { type: 'MARK_LOST', reason: 'no_fit', detail: 'wrong market', reactivateAt: at(90_000) },
  { type: 'MARK_LOST' },
  { type: 'REACTIVATE' },
  { type: 'SET_NEXT_ACTION' },
];
const events: DealEvent[] = raw.map((e) => eventSchemas().dealEvent.parse({ ...common, ...e }));

/**
 * A vertex: the state value and the unmet gates of the events valid in its stage (an event refused
 * for `stage` also names what its moves elsewhere would still need, which would only multiply the
 * vertices). The four summary drafts are interchangeable here, so a vertex counts the missing ones
 * instead of naming them (16 combinations would become 5); so are the six handoff context facts
 * of HO1 (64 combinations become 7).
 */
const COUNTED: Record<'drafts' | 'context', readonly string[]> = {
  drafts: SUMMARY_DRAFT_GATES,
  context: HANDOFF_CONTEXT_FACTS,
};
const key = (snapshot: Snap): string => {
  const e = explain(fromSnapshot(snapshot));
  const refused = Object.entries(e.refusedEvents)
    .filter(([, gates]) => gates?.[0] !== 'stage')
    .map(([type, gates = []]) => {
      const drafts = gates.filter((g) => COUNTED.drafts.includes(g)).length;
      const context = gates.filter((g) => COUNTED.context.includes(g)).length;
      const rest = gates.filter((g) => !COUNTED.drafts.includes(g) && !COUNTED.context.includes(g));
      return [type, rest, drafts, context];
    });
  return JSON.stringify({ value: snapshot.value, refused });
};
const options: TraversalOptions<Snap, DealEvent, typeof input> = {
  input,
  events,
  serializeState: (snapshot) => key(snapshot),
};

const stageOf = (snapshot: Snap): Stage => (snapshot.value as { stage: Stage }).stage;

describe('paths generated with xstate/graph', () => {
  const paths = getShortestPaths(dealMachine, options);
  const adjacency = getAdjacencyMap(dealMachine, options);

  it('shortest paths reach every stage of the machine', () => {
    const reached = new Set(paths.map((p) => stageOf(p.state)));
    expect([...reached].sort()).toEqual([...STAGES].sort());
    expect(paths.length).toBeGreaterThan(STAGES.length);
  });

  it('[E1] replaying each shortest path through applyEvent reaches the same stage, with a next action wherever one is needed', () => {
    for (const path of paths) {
      let state: DealState = createDeal(input);
      for (const step of path.steps.slice(1)) {
        const result = applyEvent(state, step.event);
        if (!result.ok) throw new Error(`path step ${step.event.type} refused: ${JSON.stringify(result)}`);
        state = result.state;
        // The graph keeps one snapshot per vertex, so compare vertices (value + unmet gates), not whole contexts.
        expect(key(toSnapshot(state))).toBe(key(step.state));
        if (!isFinalStage(state.stage) && state.stage !== 'lost') expect(state.context.nextAction).not.toBeNull();
      }
      expect(state.stage).toBe(stageOf(path.state));
    }
  });

  type Edge = { event: DealEvent; state: Snap };
  const edges = (transitions: Record<string, unknown>): Edge[] => Object.values(transitions) as Edge[];

  it('no event leads to an undefined state: every reachable snapshot is a known stage with consistent pauses', () => {
    const entries = Object.values(adjacency);
    expect(entries.length).toBeGreaterThan(50);
    const bad: unknown[] = [];
    let checked = 0;
    for (const { state, transitions } of entries) {
      for (const to of [state, ...edges(transitions).map((e) => e.state)]) {
        checked += 1;
        const value = to.value as { stage: Stage; followUp: string; proposalWork: string };
        const ok =
          JSON.stringify(Object.keys(value).sort()) === '["followUp","proposalWork","stage"]' &&
          STAGES.includes(value.stage) &&
          value.followUp === (followUpPauseReasons(to.context).length > 0 ? 'paused' : 'active') &&
          value.proposalWork === (proposalPauseReasons(to.context).length > 0 ? 'paused' : 'active') &&
          to.status === 'active';
        if (!ok) bad.push(to.value);
      }
    }
    expect(bad).toEqual([]);
    // Every event was tried from every vertex.
    expect(checked).toBe(entries.length * (events.length + 1));
  });

  it('on every edge the machine agrees with the gate table: refused events leave the snapshot as it was, others go where the table says', () => {
    const wrong: string[] = [];
    for (const { state, transitions } of Object.values(adjacency)) {
      const from = fromSnapshot(state);
      for (const { event, state: to } of edges(transitions)) {
        const gates = unmetGates(from, event);
        const unchanged =
          JSON.stringify(to.value) === JSON.stringify(state.value) &&
          JSON.stringify(to.context) === JSON.stringify(state.context);
        const expected = moveFor(event.type, from.stage)?.to ?? from.stage;
        if (gates.length > 0 ? !unchanged : stageOf(to) !== expected)
          wrong.push(`${event.type} from ${JSON.stringify(state.value)}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
