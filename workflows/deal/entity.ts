import { ApplicationFailure, condition, proxyActivities } from '@temporalio/workflow';
import type { DealActivities } from '../../activities';
import { applyEvent, createDeal, explain, type TaskClosure } from '../../machines/opportunity';
import { fieldChangesOf, nextActionTask, taskChangesOf, tasksClosedBy, tasksForEvent } from './event-tasks';
import { WriteLock } from './lock';
import {
  DEAL_FAILURES,
  type ApplyDealEventInput,
  type CarriedState,
  type DealFlags,
  type DealOutcome,
  type DealView,
  type DealWorkflowInput,
  type WriteRejection,
} from './messages';
import { timerFacts } from './deal-facts';
import { createPublisher } from './publish';
import { timersAfterEvent } from './timers';

const ACTIVITY_OPTIONS = {
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds' },
} as const;

export const dealActivities = proxyActivities<DealActivities>(ACTIVITY_OPTIONS);

/**
 * The same activities with a one-line summary the Temporal UI shows on the history event, so a
 * deal's history reads as its story ("QUALIFY by rep-1", "task: Call Dana").
 */
export const summarised = (summary: string) =>
  proxyActivities<DealActivities>({ ...ACTIVITY_OPTIONS, summary: summary.slice(0, 200) });

const APPLIED_IDS_KEPT = 2_000;
export const nowIso = (): string => new Date(Date.now()).toISOString();

type MachineResult = ReturnType<typeof applyEvent>;

function refuse(type: string, message: string, details: unknown): ApplicationFailure {
  return ApplicationFailure.create({ type, message, details: [details], nonRetryable: true });
}

/** The failure a refused machine event answers with, in the validator or in the handler. */
function refusalOf(result: Extract<MachineResult, { ok: false }>): ApplicationFailure {
  return result.code === 'gates_unmet'
    ? refuse(DEAL_FAILURES.gatesUnmet, `Refused: unmet gates ${result.unmetGates.join(', ')}`, {
        stage: result.stage,
        unmetGates: result.unmetGates,
      })
    : refuse(DEAL_FAILURES.invalidEvent, result.issues.map((i) => `${i.path}: ${i.message}`).join('; '), {
        issues: result.issues,
      });
}

const refusalOfWrite = (rejection: WriteRejection): ApplicationFailure =>
  refuse(
    DEAL_FAILURES.writeRejected,
    `The database refused this event (${rejection.code}): ${rejection.detail}`,
    rejection,
  );

/** The database's refusal behind an activity (or child workflow) failure, if that is what it was. */
export function rejectionOf(error: unknown): WriteRejection | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 6; e = (e as { cause?: unknown }).cause, depth += 1) {
    if (e instanceof ApplicationFailure && e.type === DEAL_FAILURES.writeRejected)
      return e.details?.[0] as WriteRejection;
  }
  return undefined;
}

export function initialState(input: DealWorkflowInput): CarriedState {
  return {
    deal: createDeal({
      opportunityId: input.opportunityId,
      ownerId: input.ownerId,
      ownerName: input.ownerName ?? null,
      title: input.title,
      company: input.company,
      source: input.source,
      at: input.createdAt,
      nextAction: input.nextAction,
    }),
    version: 0,
    logPosition: 0,
    blocked: null,
    recorded: false,
    lastActivityAt: input.createdAt,
    timers: {
      overdueFor: null,
      escalatedFor: null,
      followUpsSent: 0,
      followUpsFor: null,
      followUpAnchor: null,
      decisionFlaggedFor: null,
      winBackFor: null,
      dormantSince: null,
    },
    flags: { overdue: false, escalated: false, decisionOverdue: false, dormant: false },
    handoff: {
      started: false,
      completed: false,
      records: null,
      attempts: 0,
      failures: [],
      blockers: [],
      openings: {},
      waitingSince: null,
      reminders: 0,
    },
    appliedUpdateIds: [],
  };
}

/**
 * The flags after an accepted event: a new next action clears what its deadline raised; a decision
 * deadline belongs to one sent version, so a new send or leaving `sent` ends its flag (DL1).
 */
function flagsAfter(
  flags: DealFlags,
  event: { type: string; nextAction?: unknown },
  byPerson: boolean,
  stage: string,
): DealFlags {
  const next = { ...flags };
  if (event.nextAction) {
    next.overdue = false;
    next.escalated = false;
  }
  if (event.type === 'SEND_PROPOSAL' || stage !== 'sent') next.decisionOverdue = false;
  if (byPerson) next.dormant = false;
  return next;
}

/**
 * One deal: its state, the lock its writes take, and the only ways the state changes. An event
 * is written first and applied after, under the lock, so the workflow's state and the event log
 * never disagree: a write the database refuses for good leaves the state as it was, refuses
 * the event and flags the deal blocked for ops.
 */
export class DealEntity {
  private readonly lock = new WriteLock();
  private readonly publishTo: (state: CarriedState) => void;
  private validated: { event: unknown; deal: CarriedState['deal']; result: MachineResult } | null = null;
  private createRejected: WriteRejection | null = null;
  private wakes = 0;
  eventsThisRun = 0;

  constructor(
    readonly input: DealWorkflowInput,
    readonly state: CarriedState,
    readonly workflowId: string,
  ) {
    this.publishTo = createPublisher();
  }

  get opportunityId(): string {
    return this.input.opportunityId;
  }

  /** The company as the deal now names it (UPDATE_DEAL corrects it), for task titles and the Temporal UI. */
  get company(): string {
    return this.state.deal.context.details.company || this.input.company;
  }

  /** Counts every change the main loop must plan for; it waits for this to move. */
  get wakeCount(): number {
    return this.wakes;
  }

  wake(): void {
    this.wakes += 1;
  }

  publish(): void {
    this.publishTo(this.state);
  }

  outcome(): DealOutcome {
    const { state } = this;
    return {
      opportunityId: this.opportunityId,
      workflowId: this.workflowId,
      version: state.version,
      state: state.deal,
      flags: state.flags,
      blocked: state.blocked,
      handoff: state.handoff,
      lastActivityAt: state.lastActivityAt,
    };
  }

  view(): DealView {
    return { ...this.outcome(), explanation: explain(this.state.deal) };
  }

  /** Runs `work` holding the write lock. `commit` and `note` must only be called inside it. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.lock.run(work);
  }

  idle(): Promise<unknown> {
    return this.lock.idle();
  }

  /** The update validator: synchronous, against the state as it is now (the handler checks again). */
  validate({ event, expectedVersion }: ApplyDealEventInput, updateId: string | undefined): void {
    if (updateId && this.state.appliedUpdateIds.includes(updateId)) return;
    this.refuseIfStale(expectedVersion);
    const result = applyEvent(this.state.deal, event);
    this.validated = { event, deal: this.state.deal, result };
    if (!result.ok) throw refusalOf(result);
  }

  /** The update handler: one event, checked again and written under the lock. */
  async handle({ event, expectedVersion, attachments }: ApplyDealEventInput, updateId: string): Promise<DealOutcome> {
    await this.recorded();
    return this.exclusive(async () => {
      if (this.state.appliedUpdateIds.includes(updateId)) return this.outcome();
      // If-Match is checked again where the event is applied, not only in the validator.
      this.refuseIfStale(expectedVersion);
      await this.commit(event, `${this.workflowId}:${updateId}`, attachments);
      this.state.appliedUpdateIds = [...this.state.appliedUpdateIds, updateId].slice(-APPLIED_IDS_KEPT);
      return this.outcome();
    });
  }

  /** Resolves once the read-model row exists; fails when the database refused to create it. */
  async recorded(): Promise<void> {
    await condition(() => this.state.recorded || this.createRejected !== null);
    if (this.createRejected) throw refusalOfWrite(this.createRejected);
  }

  /** First start: the read-model row and the first next action's task. */
  async record(): Promise<void> {
    const { input, state } = this;
    try {
      await dealActivities.createOpportunityRecord({
        opportunityId: input.opportunityId,
        workflowId: this.workflowId,
        title: input.title,
        company: input.company,
        ownerId: input.ownerId,
        source: input.source,
        state: state.deal,
        createdAt: input.createdAt,
      });
    } catch (error) {
      const rejection = rejectionOf(error);
      if (!rejection) throw error;
      this.createRejected = rejection;
      throw refusalOfWrite(rejection);
    }
    // The first next action is a promised follow-up too (TK1); internal work while consent is unknown (F1).
    const first = state.deal.context.nextAction;
    if (first) {
      await this.guard('the first next action task', () =>
        dealActivities.ensureTask({
          key: `${this.workflowId}:created:follow_up`,
          opportunityId: input.opportunityId,
          ...nextActionTask(state.deal, first, this.company),
        }),
      );
    }
    state.recorded = true;
    this.publish();
  }

  /**
   * Writes one machine event and, once it is in the log, makes it the deal's state; then the
   * tasks it promises (TK1). Throws the machine's refusal, or the database's. Lock held.
   */
  async commit(event: unknown, key: string, attachments?: Record<string, unknown>): Promise<void> {
    const result = this.machineResult(event);
    if (!result.ok) throw refusalOf(result);
    const { state } = this;
    // Only people's events count as activity: the workflow's own notes neither end dormancy nor restart it.
    const byPerson = result.event.actor.role !== 'system';
    const recovering = byPerson && state.flags.dormant;
    const flags = flagsAfter(state.flags, result.event, byPerson, result.stageAfter);
    const before = state.deal;
    const blocked = byPerson ? null : state.blocked;
    const version = state.version + 1;
    const position = state.logPosition + 1;
    const refused = await this.writeOrBlock(result.event.type, () =>
      summarised(
        `${result.event.type} by ${result.event.actor.id}: ${result.stageBefore} → ${result.stageAfter}`,
      ).recordDealEvent({
        opportunityId: this.opportunityId,
        workflowId: this.workflowId,
        key,
        version,
        position,
        eventType: result.event.type,
        stageBefore: result.stageBefore,
        stageAfter: result.stageAfter,
        actorId: result.event.actor.id,
        payload: result.event,
        occurredAt: result.event.at,
        state: result.state,
        flags,
        blocked,
        attachments,
        closeTasks: [...tasksClosedBy(result.event, before, result.state), ...this.unblocking(byPerson)],
        taskChanges: taskChangesOf(result.event, before, result.state),
        changes: fieldChangesOf(before, result.state),
      }),
    );
    // The event itself was refused: its sender is answered with the refusal, after the deal is blocked.
    if (refused) throw refusalOfWrite(refused);
    Object.assign(state, { deal: result.state, version, logPosition: position, flags, blocked });
    state.timers = timersAfterEvent(state.timers, timerFacts(before), timerFacts(result.state), result.event.at);
    if (byPerson) state.lastActivityAt = result.event.at;
    // A person acting on a waiting handoff (a record corrected, a blocker task completed) retries what failed (HO1).
    if (byPerson && result.state.stage === 'won') state.handoff.failures = [];
    this.eventsThisRun += 1;
    this.wake();
    this.publish();
    for (const task of tasksForEvent(result.event, before, result.state, this.company)) {
      await this.guard(`the ${task.kind} task of ${result.event.type}`, () =>
        summarised(`task: ${task.title}`).ensureTask({
          key: `${key}:${task.kind}`,
          opportunityId: this.opportunityId,
          ...task,
        }),
      );
    }
    if (recovering) {
      await this.note(
        'DORMANT_RECOVERED',
        { dormantSince: state.timers.dormantSince, recoveredBy: result.event.type },
        `${key}:dormant-recovered`,
        result.event.at,
      );
    }
  }

  /** A note of the workflow's own in the log, at the next position and the current version. Lock held. */
  async note(eventType: string, payload: unknown, key: string, occurredAt: string): Promise<void> {
    const { state } = this;
    const position = state.logPosition + 1;
    const written = await this.guard(eventType, () =>
      summarised(`note: ${eventType}`).recordDealEvent({
        opportunityId: this.opportunityId,
        workflowId: this.workflowId,
        key,
        version: state.version,
        position,
        eventType,
        stageBefore: state.deal.stage,
        stageAfter: state.deal.stage,
        actorId: 'system',
        payload,
        occurredAt,
        state: state.deal,
        flags: { ...state.flags },
        systemNote: true,
      }),
    );
    if (written) state.logPosition = position;
  }

  /** Runs a write whose refusal must not stop the deal: a refusal blocks it for ops instead. Lock held. */
  async guard(what: string, write: () => Promise<unknown>): Promise<boolean> {
    return (await this.writeOrBlock(what, write)) === null;
  }

  /** Runs a write; the database's refusal of it blocks the deal and is returned, any other failure is thrown. Lock held. */
  private async writeOrBlock(what: string, write: () => Promise<unknown>): Promise<WriteRejection | null> {
    try {
      await write();
      return null;
    } catch (error) {
      const rejection = rejectionOf(error);
      if (!rejection) throw error;
      await this.block(rejection, what);
      return rejection;
    }
  }

  /** Flags the deal blocked (state, Temporal UI, read model), opens an ops task and logs it. Lock held. */
  async block(rejection: WriteRejection, what: string): Promise<void> {
    const { state } = this;
    state.blocked = { ...rejection, what, at: nowIso() };
    this.wake();
    this.publish();
    const position = state.logPosition + 1;
    try {
      await summarised(`blocked: ${what} refused (${rejection.code})`).blockDeal({
        opportunityId: this.opportunityId,
        workflowId: this.workflowId,
        position,
        version: state.version,
        stage: state.deal.stage,
        ownerId: state.deal.context.ownerId,
        company: this.company,
        block: state.blocked,
      });
      state.logPosition = position;
    } catch (error) {
      // Still flagged in the workflow and the Temporal UI when the database refuses even this.
      if (!rejectionOf(error)) throw error;
    }
  }

  /** A person's accepted event clears a block: its ops task closes with it. */
  private unblocking(byPerson: boolean): TaskClosure[] {
    if (!byPerson || this.state.blocked === null) return [];
    return [{ kinds: ['write_blocked'], status: 'cancelled', reason: 'unblocked', closedBy: 'system' }];
  }

  private refuseIfStale(expectedVersion: number | undefined): void {
    const actual = this.state.version;
    if (expectedVersion === undefined || expectedVersion === actual) return;
    throw refuse(DEAL_FAILURES.versionMismatch, `Version ${expectedVersion} is stale; the deal is at ${actual}`, {
      expected: expectedVersion,
      actual,
    });
  }

  /** The validator's verdict when nothing moved the deal since (the machine is pure), else a fresh one. */
  private machineResult(event: unknown): MachineResult {
    const cached = this.validated;
    this.validated = null;
    return cached !== null && cached.event === event && cached.deal === this.state.deal
      ? cached.result
      : applyEvent(this.state.deal, event);
  }
}
