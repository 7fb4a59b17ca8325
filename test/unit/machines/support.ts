/** Helpers for the machine's unit tests: deterministic clocks, event builders, a happy path. */
import { handoffContextEvents } from '../../../fixtures/deal-events';
import {
  applyEvent,
  createDeal,
  DISCOVERY_FACTS,
  PROPOSAL_SECTIONS,
  QUALIFICATION_FACTS,
  SUMMARY_KINDS,
  type DealState,
  type GateCode,
  type Stage,
  type SummaryKind,
} from '../../../machines/opportunity';

export const rep = { id: 'rep-1', role: 'rep' } as const;
export const ops = { id: 'ops-1', role: 'ops' } as const;
export const admin = { id: 'admin-1', role: 'admin' } as const;
export const system = { id: 'workflow', role: 'system' } as const;

const BASE = Date.UTC(2025, 0, 6, 9, 0, 0);
/** A deterministic ISO datetime `n` minutes after the test epoch. */
export const at = (n: number): string => new Date(BASE + n * 60_000).toISOString();

/** A next action on the test clock, due a day after minute `n` (integration tests use real time: fixtures/deal-events.ts). */
export const nextActionAt = (n = 0) => ({ description: `Follow up #${n}`, dueAt: at(n + 1_440), ownerId: 'rep-1' });

let clock = 0;
/** A well-formed event of `type` with the common fields (a fresh `at` and a next action) plus `extra`. */
export function ev(type: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  clock += 1;
  return { type, actor: rep, at: at(clock), nextAction: nextActionAt(clock), ...extra };
}
/** The same, without a next action. */
export function bare(type: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const { nextAction: _omit, ...rest } = ev(type, extra);
  return rest;
}

export const newDeal = (): DealState =>
  createDeal({ opportunityId: 'opp-1', ownerId: 'rep-1', source: 'referral', at: at(0) });

/** Applies an event that must be accepted. */
export function accept(state: DealState, event: unknown): DealState {
  const result = applyEvent(state, event);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(event)} to be accepted, got ${JSON.stringify(result)}`);
  return result.state;
}

/** Applies an event that must be refused by gates, and returns the unmet gates. */
export function refuse(state: DealState, event: unknown): GateCode[] {
  const before = JSON.stringify(state);
  const result = applyEvent(state, event);
  if (result.ok || result.code !== 'gates_unmet')
    throw new Error(`expected gates_unmet for ${JSON.stringify(event)}, got ${JSON.stringify(result)}`);
  if (JSON.stringify(state) !== before) throw new Error('a refused event changed its input state');
  return result.unmetGates;
}

export const allFacts = <K extends string>(keys: readonly K[]) =>
  Object.fromEntries(keys.map((k) => [k, `${k} confirmed`]));

export const qualificationFacts = () => ev('RECORD_QUALIFICATION', { facts: allFacts(QUALIFICATION_FACTS) });
export const followUpValid = () =>
  ev('RECORD_CONSENT', {
    consent: 'granted',
    contactTimingValid: true,
    sourceContextValid: true,
    decisionPathVerified: true,
  });
export const discoveryFacts = () => ev('RECORD_DISCOVERY', { facts: allFacts(DISCOVERY_FACTS) });
export const evidence = (id = 'ev-1') => ev('RECORD_AUDIT_EVIDENCE', { evidenceId: id, summary: 'Lead flow audit' });
export const verified = () =>
  ev('RECORD_VERIFICATION', { scopeVerified: true, timelineVerified: true, decisionPathVerified: true });
export const section = (s: string) => ev('RECORD_PROPOSAL_SECTION', { section: s });
/** A client-safe summary draft of `kind` (its text is an attachment the machine never sees). */
export const summary = (kind: SummaryKind, extra: Record<string, unknown> = {}) =>
  ev('RECORD_CLIENT_SAFE_SUMMARY', { kind, ...extra });
/** The four summary drafts a submission needs (K1). */
export const allSummaries = () => SUMMARY_KINDS.map((kind) => summary(kind));
/**
 * What an approval of the deal's current text names: its proposal version, every drafted
 * summary at its current revision and the message's revision when one is drafted (AP1).
 */
export function currentText(state: DealState): {
  proposalVersion: number;
  summaries: Partial<Record<SummaryKind, number>>;
  message?: number;
} {
  const p = state.context.proposal;
  const summaries = Object.fromEntries(
    SUMMARY_KINDS.flatMap((kind) => {
      const draft = p.summaries[kind];
      return draft ? [[kind, draft.revision]] : [];
    }),
  ) as Partial<Record<SummaryKind, number>>;
  return { proposalVersion: p.version, summaries, ...(p.message ? { message: p.message.revision } : {}) };
}
/** APPROVE_CLIENT_SAFE_SUMMARY naming the current text of `state` (an ops approver unless `extra` says otherwise). */
export const summaryApproval = (state: DealState, extra: Record<string, unknown> = {}) =>
  ev('APPROVE_CLIENT_SAFE_SUMMARY', { actor: ops, ...currentText(state), ...extra });
export const contractFacts = () =>
  ev('RECORD_CONTRACT', {
    contractState: 'signed',
    paymentState: 'deposit_paid',
    kickoffDate: '2025-02-03',
    onboardingOwner: 'onboarding-1',
    launchBlockers: [],
  });
/** The handoff context (HO1) as machine events at this clock, every connector's access granted. */
export const handoffContext = (): Record<string, unknown>[] =>
  handoffContextEvents(rep, { name: 'Acme Plumbing', domain: 'acme.example' }).map((e) =>
    bare(String(e.type), without(e)),
  );
const without = ({ type: _type, actor: _actor, at: _at, ...rest }: Record<string, unknown>) => rest;
export const allHandoffRecords = {
  client: true,
  project: true,
  tasks: true,
  portal: true,
  connectors: true,
  reporting: true,
};
export const lostEvent = (extra: Record<string, unknown> = {}) =>
  bare('MARK_LOST', { reason: 'budget', detail: 'Budget frozen until Q3', reactivateAt: at(100_000), ...extra });

/** What an approval of the happy path's text names: version 1, each summary at its first revision. */
export const FIRST_APPROVAL = {
  proposalVersion: 1,
  summaries: Object.fromEntries(SUMMARY_KINDS.map((kind) => [kind, 1])),
};

/** The events that lead from the previous stage of the happy path into each stage. */
export const HAPPY_PATH: [Stage, () => Record<string, unknown>[]][] = [
  ['qualified', () => [qualificationFacts(), followUpValid(), ev('QUALIFY')]],
  ['discovery', () => [ev('START_DISCOVERY')]],
  ['audit', () => [discoveryFacts(), ev('START_AUDIT')]],
  ['proposal', () => [evidence(), verified(), ev('START_PROPOSAL')]],
  ['approval', () => [...PROPOSAL_SECTIONS.map(section), ...allSummaries(), ev('SUBMIT_FOR_APPROVAL')]],
  [
    'sent',
    () => [
      ev('APPROVE', { actor: ops }),
      ev('APPROVE_CLIENT_SAFE_SUMMARY', { actor: ops, ...FIRST_APPROVAL }),
      ev('SEND_PROPOSAL', { probability: 60, decisionDeadline: at(50_000) }),
    ],
  ],
  ['contract', () => [ev('RECORD_VIEW', { actor: { id: 'client-1', role: 'portal' } }), ev('ACCEPT')]],
  ['won', () => [contractFacts(), ...handoffContext(), ev('MARK_WON')]],
  ['handed_off', () => [bare('COMPLETE_HANDOFF', { records: allHandoffRecords })]],
];

/** A deal walked along the happy path until it reaches `stage` (`lost`: lost from lead). */
export function dealAt(stage: Stage): DealState {
  let state = newDeal();
  if (stage === 'lead') return state;
  if (stage === 'lost') return accept(state, lostEvent());
  for (const [target, events] of HAPPY_PATH) {
    for (const e of events()) state = accept(state, e);
    if (target === stage) return state;
  }
  throw new Error(`no happy path to ${stage}`);
}
