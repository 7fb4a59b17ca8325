/**
 * The machine's context: every fact a deal has collected, as plain JSON (no Map, Set,
 * Date or class; absent facts are `null`, never `undefined`). Also the two pauses, which
 * are derived from these facts and never stored on their own.
 */
import {
  DISCOVERY_FACTS,
  FOLLOW_UP_STAGES,
  HANDOFF_RECORDS,
  PROPOSAL_SECTION_KINDS,
  PROPOSAL_WORK_STAGES,
  QUALIFICATION_FACTS,
  SUMMARY_KINDS,
  type ConnectorAccess,
  type ConsentState,
  type ContractState,
  type DiscoveryFact,
  type FollowUpPauseReason,
  type HandoffBlockerCode,
  type HandoffContextFact,
  type HandoffRecord,
  type LostReason,
  type OpenStage,
  type PaymentState,
  type ProposalPauseReason,
  type ProposalSectionKind,
  type QualificationFact,
  type Stage,
  type SummaryKind,
} from './vocabulary';

export interface NextAction {
  description: string;
  /** ISO datetime. */
  dueAt: string;
  ownerId: string;
}

export interface AuditEvidence {
  evidenceId: string;
  summary: string;
  recordedAt: string;
  recordedBy: string;
}

export interface ProposalSectionRecord {
  sectionId: string | null;
  /** The proposal version the section was recorded for. */
  version: number;
  recordedAt: string;
  recordedBy: string;
}

/** A client-safe text draft (a summary, the proposal message): its text is in the database; `revision` grows with every edit. */
export interface SummaryDraft {
  revision: number;
  recordedAt: string;
  recordedBy: string;
}

export interface Objection {
  objectionId: string;
  summary: string;
  raisedAt: string;
  raisedBy: string;
  resolvedAt: string | null;
  resolvedBy: string | null;
}

/** What was sent of an earlier proposal version, kept when the proposal is revised (R1, T1). */
export interface ProposalVersionRecord {
  version: number;
  sentAt: string | null;
  firstViewedAt: string | null;
  lastViewedAt: string | null;
  probability: number | null;
  decisionDeadline: string | null;
  revisedAt: string;
  revisedBy: string;
  reason: string;
}

export interface ProposalRejection {
  version: number;
  reason: string;
  at: string;
  by: string;
}

export interface ProposalFacts {
  /** Starts at 1; REVISE_PROPOSAL adds one (R1). */
  version: number;
  sections: Record<ProposalSectionKind, ProposalSectionRecord | null>;
  submittedBy: string | null;
  submittedAt: string | null;
  approvedBy: string | null;
  approvedAt: string | null;
  clientSafeSummaryApprovedBy: string | null;
  clientSafeSummaryApprovedAt: string | null;
  /** The summary revisions the client-safe approval covers; void when any of them changes (AP1). */
  approvedSummaries: Partial<Record<SummaryKind, number>> | null;
  /** The message revision the client-safe approval covers. */
  approvedMessage: number | null;
  summaries: Record<SummaryKind, SummaryDraft | null>;
  /** The message the proposal is sent with (its text is in the database). */
  message: SummaryDraft | null;
  sentAt: string | null;
  firstViewedAt: string | null;
  lastViewedAt: string | null;
  viewCount: number;
  lastFollowUpAt: string | null;
  probability: number | null;
  decisionDeadline: string | null;
  acceptedAt: string | null;
  objections: Objection[];
  rejections: ProposalRejection[];
  previousVersions: ProposalVersionRecord[];
}

export interface FollowUpFacts {
  consent: ConsentState;
  contactTimingValid: boolean | null;
  sourceContextValid: boolean | null;
  lastFollowUpAt: string | null;
  followUpCount: number;
}

/** Facts the proposal-work pause reads; the decision path is shared with the follow-up pause. */
export interface VerificationFacts {
  scopeVerified: boolean | null;
  timelineVerified: boolean | null;
  decisionPathVerified: boolean | null;
}

export interface ContractFacts {
  contractState: ContractState | null;
  paymentState: PaymentState | null;
  /** ISO date (YYYY-MM-DD). */
  kickoffDate: string | null;
  onboardingOwner: string | null;
  /** `null` until recorded; an empty list records "no blockers". */
  launchBlockers: string[] | null;
}

/** The client a won deal is handed to: an existing one (`clientId`) or a new one created at handoff. */
export interface HandoffClient {
  clientId: string | null;
  name: string;
  /** Lower-case host name without `www.`; with the normalised name, what makes a client the same client. */
  domain: string | null;
}

/** A person at the client who will log in to the portal. */
export interface PortalContact {
  name: string;
  email: string;
}

/** A provider account delivery must connect, and where access to it stands. */
export interface ConnectorAccountFact {
  connectorId: string;
  provider: string;
  accountRef: string;
  access: ConnectorAccess;
  recordedAt: string;
  recordedBy: string;
}

/** A data feed reporting reads, fed by one of the recorded connector accounts. */
export interface DataSourceFact {
  sourceId: string;
  kind: string;
  name: string;
  connectorId: string;
}

/** One lead-flow figure from the audit: the reporting baseline delivery is measured against. */
export interface BaselineFigure {
  metric: string;
  value: number;
  unit: string;
  period: string;
  measuredIn: string;
}

/** What delivery needs from sales, recorded in `contract` (and corrected in `won`) (HO1). */
export interface HandoffContextFacts {
  client: HandoffClient | null;
  portalContacts: PortalContact[];
  connectors: ConnectorAccountFact[];
  dataSources: DataSourceFact[];
  baseline: BaselineFigure[];
  /** Catalogue services sold (S2); the scope comes from the approved proposal. */
  serviceIds: string[];
}

export interface LostRecord {
  reason: LostReason;
  detail: string | null;
  /** ISO datetime when the reactivation window opens. */
  reactivateAt: string;
  lostAt: string;
  lostBy: string;
  fromStage: OpenStage;
  reactivatedAt: string | null;
  /** The qualification facts the deal had when it was reactivated: stale, so they are confirmed again (Q1). */
  qualificationBeforeReactivation: Record<QualificationFact, string | null> | null;
}

/** The deal's primary contact at the company. */
export interface DealContact {
  name: string;
  email: string | null;
  phone: string | null;
}

/** What the deal is worth, in minor units of an ISO 4217 currency. */
export interface DealValue {
  amountCents: number;
  currency: string;
}

/** The deal's own fields (OW1): named at creation, corrected with UPDATE_DEAL. */
export interface DealDetails {
  title: string;
  company: string;
  contact: DealContact | null;
  value: DealValue | null;
  /** ISO date (YYYY-MM-DD). */
  expectedCloseDate: string | null;
  /** 0–100: how likely the rep thinks the deal closes; the sent proposal's probability until set. */
  probability: number | null;
}

export interface DealContext {
  opportunityId: string;
  ownerId: string;
  /** The owner's name when the API knew it, for people reading the Temporal UI (ids stay the key). */
  ownerName: string | null;
  details: DealDetails;
  source: string | null;
  createdAt: string;
  lastActivityAt: string;
  /** When the current stage was entered. */
  stageEnteredAt: string;
  nextAction: NextAction | null;
  qualification: Record<QualificationFact, string | null>;
  followUp: FollowUpFacts;
  verification: VerificationFacts;
  discovery: Record<DiscoveryFact, string | null>;
  auditEvidence: AuditEvidence[];
  proposal: ProposalFacts;
  contract: ContractFacts;
  handoffContext: HandoffContextFacts;
  wonAt: string | null;
  handoff: Record<HandoffRecord, boolean>;
  handedOffAt: string | null;
  lost: LostRecord | null;
  lostHistory: LostRecord[];
}

export interface CreateDealInput {
  opportunityId: string;
  ownerId: string;
  ownerName?: string | null;
  title?: string;
  company?: string;
  source?: string | null;
  /** ISO datetime of creation. */
  at: string;
  /** The lead's first next action (E1), when the creator gives one. */
  nextAction?: NextAction | null;
}

/** Each of `keys` with no value yet. */
export const nulls = <K extends string>(keys: readonly K[]): Record<K, null> =>
  Object.fromEntries(keys.map((k) => [k, null])) as Record<K, null>;

/** A proposal's approval fields before its first submission. */
const NO_APPROVALS = {
  submittedBy: null,
  submittedAt: null,
  approvedBy: null,
  approvedAt: null,
  clientSafeSummaryApprovedBy: null,
  clientSafeSummaryApprovedAt: null,
  approvedSummaries: null,
  approvedMessage: null,
} as const satisfies Partial<ProposalFacts>;

/** Approvals belong to one submission of one version: they are cleared whenever the proposal goes back to work. */
export function withoutApprovals(p: ProposalFacts): ProposalFacts {
  return { ...p, ...NO_APPROVALS };
}

/** A deal before anything of its handoff context is recorded (and one won before HO1). */
export const NO_HANDOFF_CONTEXT: HandoffContextFacts = {
  client: null,
  portalContacts: [],
  connectors: [],
  dataSources: [],
  baseline: [],
  serviceIds: [],
};

export function initialContext(input: CreateDealInput): DealContext {
  return {
    opportunityId: input.opportunityId,
    ownerId: input.ownerId,
    ownerName: input.ownerName ?? null,
    details: {
      title: input.title ?? '',
      company: input.company ?? '',
      contact: null,
      value: null,
      expectedCloseDate: null,
      probability: null,
    },
    source: input.source ?? null,
    createdAt: input.at,
    lastActivityAt: input.at,
    stageEnteredAt: input.at,
    nextAction: input.nextAction ?? null,
    qualification: nulls(QUALIFICATION_FACTS),
    followUp: {
      consent: 'unknown',
      contactTimingValid: null,
      sourceContextValid: null,
      lastFollowUpAt: null,
      followUpCount: 0,
    },
    verification: { scopeVerified: null, timelineVerified: null, decisionPathVerified: null },
    discovery: nulls(DISCOVERY_FACTS),
    auditEvidence: [],
    proposal: {
      version: 1,
      sections: nulls(PROPOSAL_SECTION_KINDS),
      summaries: nulls(SUMMARY_KINDS),
      message: null,
      ...NO_APPROVALS,
      sentAt: null,
      firstViewedAt: null,
      lastViewedAt: null,
      viewCount: 0,
      lastFollowUpAt: null,
      probability: null,
      decisionDeadline: null,
      acceptedAt: null,
      objections: [],
      rejections: [],
      previousVersions: [],
    },
    contract: {
      contractState: null,
      paymentState: null,
      kickoffDate: null,
      onboardingOwner: null,
      launchBlockers: null,
    },
    handoffContext: NO_HANDOFF_CONTEXT,
    wonAt: null,
    handoff: Object.fromEntries(HANDOFF_RECORDS.map((r) => [r, false])) as Record<HandoffRecord, boolean>,
    handedOffAt: null,
    lost: null,
    lostHistory: [],
  };
}

/** Why follow-up is paused (F1): empty when consent, timing, source context and decision path are all valid. */
export function followUpPauseReasons(context: DealContext): FollowUpPauseReason[] {
  const reasons: FollowUpPauseReason[] = [];
  if (context.followUp.consent !== 'granted') reasons.push('consent');
  if (context.followUp.contactTimingValid !== true) reasons.push('timing');
  if (context.followUp.sourceContextValid !== true) reasons.push('source_context');
  if (context.verification.decisionPathVerified !== true) reasons.push('decision_path');
  return reasons;
}

/** Why proposal work is paused (P1): empty when audit evidence, scope, timeline and decision path are verified. */
export function proposalPauseReasons(context: DealContext): ProposalPauseReason[] {
  const reasons: ProposalPauseReason[] = [];
  if (context.auditEvidence.length === 0) reasons.push('audit_evidence');
  if (context.verification.scopeVerified !== true) reasons.push('scope');
  if (context.verification.timelineVerified !== true) reasons.push('timeline');
  if (context.verification.decisionPathVerified !== true) reasons.push('decision_path');
  return reasons;
}

/**
 * The pauses that hold a deal up in its stage: follow-up from qualification to contract, proposal
 * work from audit to sent. The stuck list and the Temporal UI's `DealPaused` read this; a lead
 * still gathering consent is not stuck, though nothing may contact it yet (F1).
 */
export function pausesHoldingUp(stage: Stage, context: DealContext): { followUp: boolean; proposalWork: boolean } {
  return {
    followUp: (FOLLOW_UP_STAGES as readonly Stage[]).includes(stage) && followUpPauseReasons(context).length > 0,
    proposalWork:
      (PROPOSAL_WORK_STAGES as readonly Stage[]).includes(stage) && proposalPauseReasons(context).length > 0,
  };
}

/** Everyone whose text the current proposal holds: its sections' and its summaries' authors (AP1). */
export function proposalAuthors(context: DealContext): string[] {
  const { sections, summaries, message } = context.proposal;
  const records = [...Object.values(sections), ...Object.values(summaries), message];
  return [...new Set(records.flatMap((r) => (r ? [r.recordedBy] : [])))];
}

/** Whether each handoff context fact is recorded (the HO1 gates of MARK_WON). */
export function handoffContextRecorded(context: DealContext): Record<HandoffContextFact, boolean> {
  const h = context.handoffContext;
  return {
    handoff_client: h.client !== null,
    portal_contacts: h.portalContacts.length > 0,
    connector_accounts: h.connectors.length > 0,
    data_sources: h.dataSources.length > 0,
    reporting_baseline: h.baseline.length > 0,
    services_sold: h.serviceIds.length > 0,
  };
}

/** One reason a won deal's handoff waits, with what it is about (a connector id, a step) when there is one. */
export interface HandoffBlocker {
  code: HandoffBlockerCode;
  ref: string | null;
  detail: string;
}

/**
 * What the deal's own facts say holds its handoff up (HO1): a context fact missing, or a connector
 * whose access is not granted. The workflow adds the steps that failed.
 */
export function contextBlockers(context: DealContext): HandoffBlocker[] {
  const missing = Object.entries(handoffContextRecorded(context))
    .filter(([, recorded]) => !recorded)
    .map(([code]): HandoffBlocker => ({
      code: code as HandoffContextFact,
      ref: null,
      detail: `no ${code.replace(/_/g, ' ')} recorded`,
    }));
  const access = context.handoffContext.connectors
    .filter((c) => c.access !== 'granted')
    .map((c): HandoffBlocker => ({
      code: 'connector_access',
      ref: c.connectorId,
      detail: `access to ${c.provider} account ${c.accountRef} is ${c.access}`,
    }));
  return [...missing, ...access];
}

export function openObjections(context: DealContext): Objection[] {
  return context.proposal.objections.filter((o) => o.resolvedAt === null);
}
