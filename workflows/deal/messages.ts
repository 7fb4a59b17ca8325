/**
 * The deal workflow's public surface: its input, updates and queries. The API and the
 * tests import this module, never the workflow code itself.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { DealState, explain, HandoffBlocker, NextAction } from '../../machines/opportunity';
import type { DealPolicy } from './policy';

export const DEAL_WORKFLOW_TYPE = 'dealWorkflow';

export const dealWorkflowId = (opportunityId: string): string => `opportunity-${opportunityId}`;
/** The handoff child of a deal; a retry after a failed run is a new child (`-2`, `-3`, ...). */
export const handoffWorkflowId = (opportunityId: string, attempt = 1): string =>
  attempt === 1 ? `handoff-${opportunityId}` : `handoff-${opportunityId}-${attempt}`;

export type Explanation = ReturnType<typeof explain>;

export interface DealFlags {
  overdue: boolean;
  escalated: boolean;
  decisionOverdue: boolean;
  dormant: boolean;
}

export interface TimerState {
  /** Identifies the next action that was flagged overdue, so a new one starts clean. */
  overdueFor: string | null;
  escalatedFor: string | null;
  followUpsSent: number;
  /** The sent version (`<version>|<sentAt>`) the follow-up count and anchor belong to. */
  followUpsFor: string | null;
  /** The next proposal follow-up falls one cadence after this: the send, the last follow-up, or a lifted pause (F1). */
  followUpAnchor: string | null;
  decisionFlaggedFor: string | null;
  winBackFor: string | null;
  dormantSince: string | null;
}

/**
 * The won-deal handoff (W1, HO1): whether it ran and finished, and what holds it up. Blockers come
 * from the deal's facts (a context fact missing, access not granted) and from its own runs (a
 * step that failed past its retries, a record written without its required fields).
 */
export interface HandoffStatus {
  started: boolean;
  completed: boolean;
  records: HandoffRecords | null;
  /** Runs of the handoff child workflow so far (each retry is a new child). */
  attempts: number;
  /** What the runs found wrong; cleared by a person's event in `won` or a reminder, which retry. */
  failures: HandoffBlocker[];
  /** The blockers as last published (read model, ops tasks, Temporal UI). */
  blockers: HandoffBlocker[];
  /** How often each blocker (`code:ref`) has opened, so one that opens again gets a new task. */
  openings: Record<string, number>;
  /** Since when the handoff waits on blockers; reminders count from here. */
  waitingSince: string | null;
  reminders: number;
}

export interface HandoffRecords {
  client: boolean;
  project: boolean;
  tasks: boolean;
  portal: boolean;
  connectors: boolean;
  reporting: boolean;
}

/** Why the database refused a write for good (not an outage): for ops, the API and the Temporal UI. */
export interface WriteRejection {
  /** `sqlstate_<SQLSTATE>` for a database refusal, `invalid_value` for a value code could not write. */
  code: string;
  detail: string;
}

/** A deal whose last write was refused for good: flagged for ops until the next accepted event. */
export interface DealBlock extends WriteRejection {
  at: string;
  /** What was being written: an event type, or a timer's or the handoff's work. */
  what: string;
}

/** Everything the workflow carries across continue-as-new: plain JSON only. */
export interface CarriedState {
  deal: DealState;
  /** The deal's state version: one more with every accepted event (the API's ETag). */
  version: number;
  /** Rows the deal's event log holds: events and the workflow's own notes, each at its own position. */
  logPosition: number;
  blocked: DealBlock | null;
  recorded: boolean;
  lastActivityAt: string;
  timers: TimerState;
  flags: DealFlags;
  handoff: HandoffStatus;
  /** Update ids already applied, so a retried request has its effect once across runs. */
  appliedUpdateIds: string[];
}

export interface DealWorkflowInput {
  opportunityId: string;
  title: string;
  company: string;
  ownerId: string;
  /** The owner's name, when the API knows it: shown in the Temporal UI beside the id. */
  ownerName?: string | null;
  source: string | null;
  createdAt: string;
  nextAction: NextAction | null;
  policy: DealPolicy;
  carried?: CarriedState;
}

/** What an update answers with: the deal as the event left it. */
export interface DealOutcome {
  opportunityId: string;
  workflowId: string;
  version: number;
  state: DealState;
  flags: DealFlags;
  blocked: DealBlock | null;
  handoff: HandoffStatus;
  lastActivityAt: string;
}

/**
 * What the query answers with: the outcome and what the machine says of it. An update's result
 * leaves the explanation out: it is recorded in history with every event, and whoever shows it
 * derives it from the state (a pure function of it).
 */
export interface DealView extends DealOutcome {
  explanation: Explanation;
}

export interface ApplyDealEventInput {
  /** A machine event (validated by the machine's zod schema in the validator). */
  event: unknown;
  /** When set, the event is refused unless the deal is still at this version (If-Match). */
  expectedVersion?: number;
  /**
   * Bulky records the event brings (section text, line items, evidence, notes), written in
   * the same transaction as the event so a refused event writes nothing. Plain JSON.
   */
  attachments?: Record<string, unknown>;
}

/** Failure types an update can answer with; the API maps them to problem+json. */
export const DEAL_FAILURES = {
  gatesUnmet: 'GatesUnmet',
  invalidEvent: 'InvalidEvent',
  versionMismatch: 'VersionMismatch',
  /** The database refused the event's write for good; nothing of it was applied. */
  writeRejected: 'WriteRejected',
} as const;

export const openDeal = defineUpdate<DealOutcome, [Record<string, never>]>('openDeal');
export const applyDealEvent = defineUpdate<DealOutcome, [ApplyDealEventInput]>('applyDealEvent');
export const getDeal = defineQuery<DealView>('getDeal');
