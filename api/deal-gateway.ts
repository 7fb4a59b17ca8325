import {
  isGrpcDeadlineError,
  WithStartWorkflowOperation,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  applyDealEvent,
  DEAL_FAILURES,
  DEAL_WORKFLOW_TYPE,
  dealWorkflowId,
  getDeal,
  openDeal,
  type DealOutcome,
  type DealView,
  type DealWorkflowInput,
} from '../workflows/deal/messages';
import type { DealPolicy } from '../workflows/deal/policy';
import { DEAL_OWNER, DEAL_STAGE } from '../workflows/deal/search-attributes';
import { createDealLanes } from './deal-lanes';
import { DomainError, notFound } from './errors';
import { countTransition } from './metrics/transitions';

export const DEFAULT_UPDATE_WAIT_SECONDS = 15;
const NOT_ANSWERING_RETRY_AFTER_SECONDS = 2;
// temporal.api.enums.v1 TaskQueueKind.NORMAL and TaskQueueType.WORKFLOW (the proto package is not a direct dependency).
const TASK_QUEUE_KIND_NORMAL = 1;
const TASK_QUEUE_TYPE_WORKFLOW = 1;

/**
 * The deal did not answer within the API's wait (no worker, or a write that keeps failing).
 * The update stays with the workflow, durable once accepted, under the request's update id:
 * a retry with the same Idempotency-Key sends the same id and gets that one outcome.
 */
const dealNotAnswering = (waitSeconds: number) =>
  new DomainError(
    'deal_not_answering',
    503,
    `The opportunity did not answer within ${waitSeconds} s; the change may still be applied. ` +
      'Retrying with the same Idempotency-Key is safe: it has one effect and answers with its outcome.',
    {},
    NOT_ANSWERING_RETRY_AFTER_SECONDS,
  );

/** Turns a refused update into the API's domain errors. */
function toDomainError(error: unknown): unknown {
  if (error instanceof WorkflowNotFoundError) return notFound('The opportunity');
  if (!(error instanceof WorkflowUpdateFailedError)) return error;
  const cause = error.cause;
  if (!(cause instanceof ApplicationFailure)) return error;
  const details = (cause.details?.[0] ?? {}) as Record<string, unknown>;
  switch (cause.type) {
    case DEAL_FAILURES.gatesUnmet:
      return new DomainError('transition_refused', 409, cause.message, {
        stage: details.stage,
        unmetGates: details.unmetGates,
      });
    case DEAL_FAILURES.versionMismatch:
      return new DomainError('version_mismatch', 412, cause.message, { currentVersion: details.actual });
    case DEAL_FAILURES.writeRejected:
      // What was sent cannot be stored: nothing of it was applied, and the deal is flagged for ops.
      return new DomainError('write_rejected', 422, cause.message, {
        errors: [{ field: 'body', message: String(details.detail ?? cause.message) }],
        rejection: details.code,
      });
    case DEAL_FAILURES.invalidEvent: {
      const issues = (details.issues ?? []) as { path: string; message: string }[];
      return new DomainError('invalid_event', 422, cause.message, {
        errors: issues.map((i) => ({ field: i.path, message: i.message })),
      });
    }
    default:
      return error;
  }
}

export interface DealGatewayOptions {
  taskQueue: string;
  policy: DealPolicy;
  maxWaitingPerDeal?: number;
  /** How long a request waits for the deal (queueing in its lane included) before answering 503. */
  updateWaitSeconds?: number;
}

/** How one request waits on Temporal: every call and the answer itself end by the request's deadline. */
function requestBounds(client: Client, waitSeconds: number) {
  /**
   * Every Temporal call of a request ends by `until`: a gRPC deadline, which ends the call
   * and not the update (the server keeps it under its id).
   */
  async function bounded<T>(until: number, call: () => Promise<T>): Promise<T> {
    try {
      return await client.withDeadline(until, call);
    } catch (error) {
      if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError || isGrpcDeadlineError(error))
        throw dealNotAnswering(waitSeconds);
      throw toDomainError(error);
    }
  }

  /**
   * The request's answer by `until` whatever the work is doing: waiting in the deal's lane
   * (its turn then comes with the deadline past and its call fails at once) or in the
   * client's own retries while Temporal is unreachable.
   */
  function answeredBy<T>(until: number, work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(dealNotAnswering(waitSeconds)), Math.max(0, until - Date.now()));
    });
    work.catch(() => undefined);
    return Promise.race([work, expired]).finally(() => clearTimeout(timer));
  }

  return { bounded, answeredBy };
}

/** The API's only door into deal workflows. */
export function createDealGateway(client: Client, options: DealGatewayOptions) {
  const lanes = createDealLanes({ maxWaitingPerDeal: options.maxWaitingPerDeal ?? 64 });
  const waitSeconds = options.updateWaitSeconds ?? DEFAULT_UPDATE_WAIT_SECONDS;
  const deadline = () => Date.now() + waitSeconds * 1_000;
  const { bounded, answeredBy } = requestBounds(client, waitSeconds);

  return {
    /** Starts the deal's workflow (or finds it) and waits until its read model row exists. */
    open(input: Omit<DealWorkflowInput, 'policy'>, requestId?: string): Promise<DealOutcome> {
      const workflowId = dealWorkflowId(input.opportunityId);
      const until = deadline();
      return answeredBy(
        until,
        bounded(until, () =>
          client.workflow.executeUpdateWithStart(openDeal, {
            args: [{}],
            updateId: requestId ? `open:${requestId}` : undefined,
            startWorkflowOperation: new WithStartWorkflowOperation(DEAL_WORKFLOW_TYPE, {
              workflowId,
              taskQueue: options.taskQueue,
              args: [{ ...input, policy: options.policy }],
              workflowIdConflictPolicy: 'USE_EXISTING',
              // What the Temporal UI's workflow list shows instead of a bare id (at most 200 bytes).
              staticSummary: truncateBytes(`${input.company} · ${input.title}`, 200),
              staticDetails: `Opportunity ${input.opportunityId}, opened ${input.createdAt}${input.source ? ` from ${input.source}` : ''}.`,
              typedSearchAttributes: [
                { key: DEAL_STAGE, value: 'lead' },
                { key: DEAL_OWNER, value: input.ownerId },
              ],
            }),
          }),
        ),
      );
    },

    /** Sends one machine event; `requestId` is the update id, so a retry has one effect. */
    apply(
      opportunityId: string,
      event: unknown,
      options: { requestId?: string; expectedVersion?: number; attachments?: Record<string, unknown> } = {},
    ): Promise<DealOutcome> {
      const handle = client.workflow.getHandle(dealWorkflowId(opportunityId));
      const until = deadline();
      const applied = lanes.run(opportunityId, () =>
        bounded(until, () =>
          handle.executeUpdate(applyDealEvent, {
            args: [{ event, expectedVersion: options.expectedVersion, attachments: options.attachments }],
            updateId: options.requestId,
          }),
        ),
      );
      return countTransition(event, answeredBy(until, applied));
    },

    describe(opportunityId: string): Promise<DealView> {
      const until = deadline();
      return answeredBy(
        until,
        bounded(until, () => client.workflow.getHandle(dealWorkflowId(opportunityId)).query(getDeal)),
      );
    },

    /** Workers that polled the deals' task queue for workflow tasks within `withinMs`. */
    async workersPolling(withinMs: number, timeoutMs: number): Promise<number> {
      const { pollers } = await client.withDeadline(Date.now() + timeoutMs, () =>
        client.workflowService.describeTaskQueue({
          namespace: client.options.namespace,
          taskQueue: { name: options.taskQueue, kind: TASK_QUEUE_KIND_NORMAL },
          taskQueueType: TASK_QUEUE_TYPE_WORKFLOW,
        }),
      );
      const since = Date.now() - withinMs;
      return (pollers ?? []).filter((p) => p.lastAccessTime && Number(p.lastAccessTime.seconds ?? 0) * 1_000 >= since)
        .length;
    },
  };
}
export type DealGateway = ReturnType<typeof createDealGateway>;

/** `text` cut to at most `max` UTF-8 bytes, on a character boundary. */
export function truncateBytes(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text;
  let out = '';
  for (const char of text) {
    if (Buffer.byteLength(out + char) > max - 3) return `${out}...`;
    out += char;
  }
  return out;
}
