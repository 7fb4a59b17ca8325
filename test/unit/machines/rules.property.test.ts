/**
 * Property tests of the rules of issue 17 over random event sequences through the pure machine:
 * sequences start at a random stage of the happy path and mix consent and verification changes,
 * sections, summaries and the message written by random people (a rep, two ops users, an admin),
 * submissions, approvals naming the current or a stale text, sends, revisions, rejections, losses
 * and reactivations. Each `it` checks one rule after every event, and counts the situations it
 * met so that a generator that stopped reaching them fails the test instead of passing it empty.
 */
import fc from 'fast-check';
import {
  applyEvent,
  APPROVER_ROLES,
  CLIENT_CONTACT_TASK_KINDS,
  deepEqual,
  DISCOVERY_FACTS,
  explain,
  FORWARD_EVENT,
  HANDOFF_FACTS,
  moveFor,
  PROPOSAL_SECTION_KINDS,
  PROPOSAL_SECTIONS,
  QUALIFICATION_FACTS,
  SUMMARY_KINDS,
  summaryDraftGate,
  type ApplyResult,
  type DealContext,
  type DealEvent,
  type DealState,
  type EventType,
  type GateCode,
  type Stage,
} from '../../../machines/opportunity';
import { tasksForEvent } from '../../../workflows/deal/event-tasks';
import { propertyRuns } from '../../support/kit';
import { allFacts, at, currentText, dealAt } from './support';

const ACTORS = [
  { id: 'rep-1', role: 'rep' },
  { id: 'ops-1', role: 'ops' },
  { id: 'ops-2', role: 'ops' },
  { id: 'admin-1', role: 'admin' },
] as const;

/** Where a sequence starts: a fresh lead, or a deal walked along the happy path (computed once), proposal work favoured. */
const START_STAGES: Stage[] = [
  'lead',
  'qualified',
  'audit',
  'proposal',
  'proposal',
  'approval',
  'approval',
  'sent',
  'sent',
];
const STARTS: DealState[] = START_STAGES.map((stage) => dealAt(stage));

type Kind =
  | 'forward'
  | 'consent'
  | 'verification'
  | 'evidence'
  | 'section'
  | 'summary'
  | 'message'
  | 'submit'
  | 'approve'
  | 'approveText'
  | 'reject'
  | 'send'
  | 'revise'
  | 'accept'
  | 'lose'
  | 'reactivate';

const WEIGHTS: Record<Kind, number> = {
  forward: 20,
  consent: 3,
  verification: 3,
  evidence: 1,
  section: 2,
  summary: 3,
  message: 2,
  submit: 2,
  approve: 3,
  approveText: 4,
  reject: 1,
  send: 3,
  revise: 2,
  accept: 1,
  lose: 1,
  reactivate: 1,
};

interface Step {
  kind: Kind;
  /** 0..19: who sends it, read through `actorFor` (writers are mostly the rep, approvers mostly ops). */
  actor: number;
  withNextAction: boolean;
  /** Small numbers (0..9) that pick among the variants of an event. */
  r: number[];
}

const stepArb: fc.Arbitrary<Step> = fc.record({
  kind: fc.oneof(
    ...(Object.entries(WEIGHTS) as [Kind, number][]).map(([kind, weight]) => ({
      arbitrary: fc.constant(kind),
      weight,
    })),
  ),
  actor: fc.nat(19),
  withNextAction: fc.nat(9).map((n) => n < 9),
  r: fc.array(fc.nat(9), { minLength: 2, maxLength: 2 }),
});

const sequenceArb = fc.record({
  start: fc.nat(STARTS.length - 1),
  steps: fc.array(stepArb, { minLength: 30, maxLength: 100, size: 'max' }),
});

type Payload = { type: EventType } & Record<string, unknown>;

const ALL_VALID = {
  consent: 'granted',
  contactTimingValid: true,
  sourceContextValid: true,
  decisionPathVerified: true,
};
const ALL_VERIFIED = { scopeVerified: true, timelineVerified: true, decisionPathVerified: true };
const CONTRACT = {
  contractState: 'signed',
  paymentState: 'invoiced',
  kickoffDate: '2025-04-01',
  onboardingOwner: 'onb-1',
  launchBlockers: [],
};

/** An approval of the current text (mostly), or of a stale revision, a wrong version, a missing kind or message. */
function approveText(state: DealState, r: number): Payload {
  const current = currentText(state);
  const type = 'APPROVE_CLIENT_SAFE_SUMMARY';
  const kinds = Object.keys(current.summaries) as (keyof typeof current.summaries)[];
  if (kinds.length === 0) return { type, proposalVersion: current.proposalVersion, summaries: { audit_findings: 1 } };
  const kind = kinds[r % kinds.length];
  if (r < 5) return { type, ...current };
  if (r === 5)
    return { type, ...current, summaries: { ...current.summaries, [kind]: (current.summaries[kind] ?? 0) + 1 } };
  if (r === 6) return { type, ...current, proposalVersion: current.proposalVersion + 1 };
  if (r === 7 && kinds.length > 1) {
    const { [kind]: _dropped, ...rest } = current.summaries;
    return { type, ...current, summaries: rest };
  }
  if (r === 8) return { type, ...current, message: (current.message ?? 0) + 1 };
  const { message: _m, ...withoutMessage } = current;
  return { type, ...withoutMessage };
}

/**
 * The fact or move that meets one unmet gate of the forward move, or the forward move itself (a sent
 * proposal is revised as often as it is accepted, so revisions and re-sends are common).
 */
function forward(state: DealState, r: number): Payload {
  const gates = explain(state).nextStageGates.filter((g) => g !== 'next_action');
  const gate: GateCode | undefined = gates[r % Math.max(1, gates.length)];
  const move = state.stage === 'sent' && r < 5 ? 'REVISE_PROPOSAL' : (FORWARD_EVENT[state.stage] ?? 'SET_NEXT_ACTION');
  if (move === 'REVISE_PROPOSAL') return { type: move, reason: 'Client asked for changes' };
  if (gate === undefined) return { type: move };
  if ((QUALIFICATION_FACTS as readonly string[]).includes(gate))
    return { type: 'RECORD_QUALIFICATION', facts: allFacts(QUALIFICATION_FACTS) };
  if ((DISCOVERY_FACTS as readonly string[]).includes(gate))
    return { type: 'RECORD_DISCOVERY', facts: allFacts(DISCOVERY_FACTS) };
  if ((PROPOSAL_SECTIONS as readonly string[]).includes(gate))
    return { type: 'RECORD_PROPOSAL_SECTION', section: gate };
  if ((HANDOFF_FACTS as readonly string[]).includes(gate)) return { type: 'RECORD_CONTRACT', ...CONTRACT };
  const kind = SUMMARY_KINDS.find((k) => summaryDraftGate(k) === gate);
  if (kind) return { type: 'RECORD_CLIENT_SAFE_SUMMARY', kind };
  switch (gate) {
    case 'audit_evidence':
      return { type: 'RECORD_AUDIT_EVIDENCE', evidenceId: 'ev-1', summary: 'Audit finding' };
    case 'proposal_work_paused':
      return state.context.auditEvidence.length === 0
        ? { type: 'RECORD_AUDIT_EVIDENCE', evidenceId: 'ev-1', summary: 'Audit finding' }
        : { type: 'RECORD_VERIFICATION', ...ALL_VERIFIED };
    case 'follow_up_paused':
      return { type: 'RECORD_CONSENT', ...ALL_VALID };
    case 'approval':
      return { type: 'APPROVE' };
    case 'client_safe_summary':
      return approveText(state, 0);
    default:
      return { type: move };
  }
}

const CONSENT_VARIANTS: Record<string, unknown>[] = [
  { consent: 'withdrawn' },
  { consent: 'withdrawn' },
  { consent: 'granted' },
  ALL_VALID,
  ALL_VALID,
  ALL_VALID,
  { contactTimingValid: false },
  { sourceContextValid: false },
  { decisionPathVerified: false },
  { decisionPathVerified: true },
];
const VERIFICATION_VARIANTS: Record<string, unknown>[] = [
  ...Array<Record<string, unknown>>(6).fill(ALL_VERIFIED),
  { scopeVerified: false },
  { timelineVerified: false },
  { decisionPathVerified: false },
  { scopeVerified: true },
];

function payload(state: DealState, s: Step, i: number): Payload {
  const [r0, r1] = s.r;
  switch (s.kind) {
    case 'forward':
      return forward(state, r0);
    case 'consent':
      return { type: 'RECORD_CONSENT', ...CONSENT_VARIANTS[r0] };
    case 'verification':
      return { type: 'RECORD_VERIFICATION', ...VERIFICATION_VARIANTS[r0] };
    case 'evidence':
      return { type: 'RECORD_AUDIT_EVIDENCE', evidenceId: `ev-${r0 % 2}`, summary: 'Audit finding' };
    case 'section':
      return { type: 'RECORD_PROPOSAL_SECTION', section: PROPOSAL_SECTION_KINDS[r0 % PROPOSAL_SECTION_KINDS.length] };
    case 'summary':
      return { type: 'RECORD_CLIENT_SAFE_SUMMARY', kind: SUMMARY_KINDS[r0 % SUMMARY_KINDS.length] };
    case 'message':
      return { type: 'RECORD_PROPOSAL_MESSAGE' };
    case 'submit':
      return { type: 'SUBMIT_FOR_APPROVAL' };
    case 'approve':
      return { type: 'APPROVE' };
    case 'approveText':
      return approveText(state, r0);
    case 'reject':
      return { type: 'REJECT', reason: 'Needs changes' };
    case 'send':
      return { type: 'SEND_PROPOSAL', probability: 50, ...(r0 < 5 ? { decisionDeadline: at(i + 20_000 + r1) } : {}) };
    case 'revise':
      return { type: 'REVISE_PROPOSAL', reason: 'Scope change' };
    case 'accept':
      return { type: 'ACCEPT' };
    case 'lose':
      return { type: 'MARK_LOST', reason: 'timing', reactivateAt: at(i + 90_000) };
    case 'reactivate':
      return { type: 'REACTIVATE' };
  }
}

/** Minutes on the test clock: after everything the happy-path prefixes recorded. */
const minute = (i: number) => 10_000 + i;

const WRITES: readonly EventType[] = [
  'RECORD_PROPOSAL_SECTION',
  'RECORD_CLIENT_SAFE_SUMMARY',
  'RECORD_PROPOSAL_MESSAGE',
];
const APPROVES: readonly EventType[] = ['APPROVE', 'APPROVE_CLIENT_SAFE_SUMMARY'];

/**
 * Who sends an event of `type`: text is mostly written by the rep, now and then by ops-1 or the admin
 * (who then may not approve it); ops-2 never writes, so some approver is always left. Approvals mostly
 * come from ops or the admin, the rep now and then.
 */
function actorFor(type: EventType, n: number): (typeof ACTORS)[number] {
  const [rep, ops1, ops2, admin] = ACTORS;
  if (WRITES.includes(type)) return n < 17 ? rep : n < 19 ? ops1 : admin;
  if (APPROVES.includes(type)) return n < 3 ? rep : n < 10 ? ops1 : n < 16 ? ops2 : admin;
  return ACTORS[n % ACTORS.length];
}

function buildEvent(state: DealState, s: Step, i: number): Record<string, unknown> {
  const p = payload(state, s, minute(i));
  const event: Record<string, unknown> = { actor: actorFor(p.type, s.actor), at: at(minute(i)), ...p };
  if (s.withNextAction) event.nextAction = { description: `Next ${i}`, dueAt: at(minute(i) + 1_440), ownerId: 'rep-1' };
  return event;
}

/** One event of a sequence: the state it met, and what the machine answered. */
interface Visit {
  before: DealState;
  event: Record<string, unknown>;
  result: ApplyResult;
  /** Who wrote the text the proposal holds before the event, kept by the test from the events it saw (AP1). */
  authors: ReadonlySet<string>;
}

/*
 * The test's own oracles, spelled from the requirements rather than taken from the machine, so a
 * machine that got them wrong could not also bless its own mistake.
 */

/** F1: follow-up is paused unless consent, contact timing, source context and decision path are all valid. */
const followUpPaused = (c: DealContext): boolean =>
  !(
    c.followUp.consent === 'granted' &&
    c.followUp.contactTimingValid === true &&
    c.followUp.sourceContextValid === true &&
    c.verification.decisionPathVerified === true
  );

/** P1: proposal work is paused unless audit evidence exists and scope, timeline and decision path are verified. */
const proposalWorkPaused = (c: DealContext): boolean =>
  !(
    c.auditEvidence.length > 0 &&
    c.verification.scopeVerified === true &&
    c.verification.timelineVerified === true &&
    c.verification.decisionPathVerified === true
  );

/** Each piece of text of a proposal (`section:scope`, `summary:revenue_proof`, `message`) and who wrote it last. */
type Authorship = Map<string, string>;

function authorshipOf(state: DealState): Authorship {
  const p = state.context.proposal;
  const slots: [string, { recordedBy: string } | null][] = [
    ...Object.entries(p.sections).map(([kind, r]): [string, { recordedBy: string } | null] => [`section:${kind}`, r]),
    ...Object.entries(p.summaries).map(([kind, r]): [string, { recordedBy: string } | null] => [`summary:${kind}`, r]),
    ['message', p.message],
  ];
  return new Map(slots.flatMap(([slot, r]) => (r ? [[slot, r.recordedBy] as [string, string]] : [])));
}

/** The text an accepted event writes, if any. */
function slotWritten(event: DealEvent): string | null {
  if (event.type === 'RECORD_PROPOSAL_SECTION') return `section:${event.section}`;
  if (event.type === 'RECORD_CLIENT_SAFE_SUMMARY') return `summary:${event.kind}`;
  if (event.type === 'RECORD_PROPOSAL_MESSAGE') return 'message';
  return null;
}

/** A cheap assertion for the hot loop; fast-check reports the failing sequence. */
function check(condition: boolean, message: string, detail?: unknown): void {
  if (!condition) throw new Error(`${message}${detail === undefined ? '' : `: ${JSON.stringify(detail)}`}`);
}

/** Runs random sequences, calling `visit` for every event; returns how many sequences ran. */
function walk(seed: number, visit: (v: Visit) => void): number {
  const runs = propertyRuns(400);
  fc.assert(
    fc.property(sequenceArb, ({ start, steps }) => {
      let state = STARTS[start];
      const authorship = authorshipOf(state);
      for (const [i, step] of steps.entries()) {
        const event = buildEvent(state, step, i);
        const result = applyEvent(state, event);
        check(result.ok || result.code === 'gates_unmet', 'a generated event was not well-formed', result);
        visit({ before: state, event, result, authors: new Set(authorship.values()) });
        if (result.ok) {
          state = result.state;
          const slot = slotWritten(result.event);
          if (slot) authorship.set(slot, result.event.actor.id);
        }
        if (state.stage === 'won') break;
      }
    }),
    { numRuns: runs, seed },
  );
  return runs;
}

const typeOf = (v: Visit): EventType => v.event.type as EventType;
const accepted = (v: Visit): v is Visit & { result: Extract<ApplyResult, { ok: true }> } => v.result.ok;
const refusedWith = (v: Visit, gate: GateCode): boolean =>
  !v.result.ok && v.result.code === 'gates_unmet' && v.result.unmetGates.includes(gate);
const validHere = (v: Visit): boolean => moveFor(typeOf(v), v.before.stage) !== undefined;

/** Events that are proposal work (P1): each is refused while the proposal-work pause is on. */
const PROPOSAL_WORK_EVENTS: readonly EventType[] = [
  'START_PROPOSAL',
  'RECORD_PROPOSAL_SECTION',
  'RECORD_CLIENT_SAFE_SUMMARY',
  'RECORD_PROPOSAL_MESSAGE',
  'SUBMIT_FOR_APPROVAL',
  'APPROVE',
  'APPROVE_CLIENT_SAFE_SUMMARY',
  'SEND_PROPOSAL',
  'REVISE_PROPOSAL',
];

describe('issue 17 rules over random event sequences', () => {
  it('[F1] no proposal is sent while follow-up is paused, and no event makes a client-contact task while it is', () => {
    const seen = { sent: 0, refusedSends: 0, pausedNextActions: 0, followUps: 0 };
    const runs = walk(17_001, (v) => {
      const pausedBefore = followUpPaused(v.before.context);
      if (typeOf(v) === 'SEND_PROPOSAL' && validHere(v)) {
        if (v.result.ok) {
          seen.sent += 1;
          check(!pausedBefore, 'SEND_PROPOSAL accepted while follow-up is paused', v.before.context.followUp);
        } else if (pausedBefore) {
          seen.refusedSends += 1;
          check(refusedWith(v, 'follow_up_paused'), 'a paused send refused without follow_up_paused', v.result);
        }
      }
      if (!accepted(v)) return;
      const after = v.result.state;
      const tasks = tasksForEvent(v.result.event, v.before, after, 'Acme');
      if (followUpPaused(after.context)) {
        if (v.result.event.nextAction) seen.pausedNextActions += 1;
        const contact = tasks.filter((t) => (CLIENT_CONTACT_TASK_KINDS as readonly string[]).includes(t.kind));
        check(contact.length === 0, `${v.result.event.type} made a client-contact task while paused`, contact);
      } else if (tasks.some((t) => t.kind === 'follow_up')) {
        seen.followUps += 1;
      }
    });
    // Each situation is met often (about a third of these counts at the default run count), so the rule is exercised.
    expect(seen.sent).toBeGreaterThan(runs / 4);
    expect(seen.refusedSends).toBeGreaterThan(runs / 20);
    expect(seen.pausedNextActions).toBeGreaterThan(runs);
    expect(seen.followUps).toBeGreaterThan(runs);
  });

  it('[P1] no proposal work (approval, summary approval, send, revision included) is accepted while proposal work is paused', () => {
    const acceptedWork = new Map<EventType, number>();
    let refusedForPause = 0;
    const runs = walk(17_002, (v) => {
      const type = typeOf(v);
      if (!PROPOSAL_WORK_EVENTS.includes(type) || !validHere(v)) return;
      const paused = proposalWorkPaused(v.before.context);
      if (v.result.ok) {
        acceptedWork.set(type, (acceptedWork.get(type) ?? 0) + 1);
        check(!paused, `${type} accepted while proposal work is paused`, v.before.context.verification);
      } else if (paused) {
        refusedForPause += 1;
        check(refusedWith(v, 'proposal_work_paused'), `${type} refused without proposal_work_paused`, v.result);
      }
    });
    for (const type of ['APPROVE', 'APPROVE_CLIENT_SAFE_SUMMARY', 'SEND_PROPOSAL', 'REVISE_PROPOSAL'] as const)
      expect([type, (acceptedWork.get(type) ?? 0) > runs / 20]).toEqual([type, true]);
    expect(refusedForPause).toBeGreaterThan(runs / 4);
  });

  it('[AP1] every approval is by ops or admin, neither the submitter nor an author, and names at least one summary', () => {
    const seen = { approvals: 0, authorsRefused: 0, submitterRefused: 0, rolesRefused: 0 };
    const runs = walk(17_003, (v) => {
      const type = typeOf(v);
      if ((type !== 'APPROVE' && type !== 'APPROVE_CLIENT_SAFE_SUMMARY') || !validHere(v)) return;
      const p = v.before.context.proposal;
      const actor = v.event.actor as { id: string; role: string };
      if (!accepted(v)) {
        if (refusedWith(v, 'approver_not_author')) seen.authorsRefused += 1;
        if (refusedWith(v, 'approver_not_submitter')) seen.submitterRefused += 1;
        if (refusedWith(v, 'approver_role')) seen.rolesRefused += 1;
        return;
      }
      seen.approvals += 1;
      check((APPROVER_ROLES as readonly string[]).includes(actor.role), `${type} by a ${actor.role}`);
      check(actor.id !== p.submittedBy, `${type} by the submitter`, actor);
      check(!v.authors.has(actor.id), `${type} by an author`, { actor, authors: [...v.authors] });
      if (v.result.event.type === 'APPROVE_CLIENT_SAFE_SUMMARY')
        check(Object.keys(v.result.event.summaries).length > 0, 'a summary approval that names no summary');
    });
    expect(seen.approvals).toBeGreaterThan(runs / 2);
    expect(seen.authorsRefused).toBeGreaterThan(runs / 10);
    expect(seen.submitterRefused).toBeGreaterThan(runs / 10);
    expect(seen.rolesRefused).toBeGreaterThan(runs / 10);
  });

  it('[K1] submissions have every summary draft; approvals and sends cover exactly the current text', () => {
    const seen = { staleRefused: 0, sends: 0, messages: 0 };
    const runs = walk(17_004, (v) => {
      if (!validHere(v)) return;
      const type = typeOf(v);
      if (type === 'APPROVE_CLIENT_SAFE_SUMMARY' && refusedWith(v, 'approves_current_text')) seen.staleRefused += 1;
      if (!accepted(v)) return;
      const event: DealEvent = v.result.event;
      const before = v.before.context.proposal;
      const current = currentText(v.before);
      if (event.type === 'SUBMIT_FOR_APPROVAL')
        check(
          SUMMARY_KINDS.every((kind) => before.summaries[kind] !== null),
          'submitted without every summary draft',
          before.summaries,
        );
      if (event.type === 'APPROVE_CLIENT_SAFE_SUMMARY') {
        const named = { proposalVersion: event.proposalVersion, summaries: event.summaries, message: event.message };
        check(deepEqual(JSON.parse(JSON.stringify(named)), current), 'approved other than the current text', {
          named,
          current,
        });
      }
      if (event.type === 'SEND_PROPOSAL') {
        seen.sends += 1;
        if (current.message !== undefined) seen.messages += 1;
        const p = v.result.state.context.proposal;
        check(Object.keys(current.summaries).length === SUMMARY_KINDS.length, 'sent without every summary');
        check(deepEqual(p.approvedSummaries, current.summaries), 'sent with a stale summary approval', p);
        check(p.approvedMessage === (current.message ?? null), 'sent with a stale message approval', p);
      }
    });
    expect(seen.staleRefused).toBeGreaterThan(runs / 8);
    expect(seen.sends).toBeGreaterThan(runs / 4);
    expect(seen.messages).toBeGreaterThan(runs / 20);
  });

  it('[DL1] a revision leaves the new version without a decision deadline; the sent version keeps its own', () => {
    let revisionsWithDeadline = 0;
    const runs = walk(17_005, (v) => {
      if (!accepted(v) || v.result.event.type !== 'REVISE_PROPOSAL') return;
      const before = v.before.context.proposal;
      const after = v.result.state.context.proposal;
      if (before.decisionDeadline !== null) revisionsWithDeadline += 1;
      check(after.decisionDeadline === null, 'a revised proposal kept a decision deadline', after);
      check(after.version === before.version + 1, 'a revision without a new version', after);
      check(
        after.previousVersions.at(-1)?.decisionDeadline === before.decisionDeadline,
        'the sent version lost its deadline',
        after.previousVersions,
      );
    });
    expect(revisionsWithDeadline).toBeGreaterThan(runs / 30);
  });
});
