import {
  WithStartWorkflowOperation,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
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
  type DealView,
  type DealWorkflowInput,
} from '../workflows/deal/messages';
import type { DealPolicy } from '../workflows/deal/policy';
import { DEAL_OWNER, DEAL_STAGE } from '../workflows/deal/search-attributes';
import { createDealLanes } from './deal-lanes';
import { DomainError, notFound } from './errors';
import { countTransition } from './metrics/transitions';

/** Turns a refused update into the API's domain errors. */
export function toDomainError(error: unknown): unknown {
  if (error instanceof WorkflowNotFoundError) return notFound('The opportunity');
  if (!(error instanceof WorkflowUpdateFailedError)) return error;
  const cause = error.cause;
  if (!(cause instanceof ApplicationFailure)) return error;
  const details = (cause.details?.[0] ?? {}) as Record<string, unknown>;
  switch (cause.type) {
    case DEAL_FAILURES.gatesUnmet:
      return new DomainError('transition_refused', 409, cause.message, { stage: details.stage, unmetGates: details.unmetGates });
    case DEAL_FAILURES.versionMismatch:
      return new DomainError('version_mismatch', 412, cause.message, { currentVersion: details.actual });
    case DEAL_FAILURES.invalidEvent: {
      const issues = (details.issues ?? []) as { path: string; message: string }[];
      return new DomainError('invalid_event', 422, cause.message, { errors: issues.map((i) => ({ field: i.path, message: i.message })) });
    }
    default:
      return error;
  }
}

async function mapErrors<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toDomainError(error);
  }
}

/** The API's only door into deal workflows. */
export function createDealGateway(client: Client, options: { taskQueue: string; policy: DealPolicy; maxWaitingPerDeal?: number }) {
  const lanes = createDealLanes({ maxWaitingPerDeal: options.maxWaitingPerDeal ?? 64 });
  return {
    /** Starts the deal's workflow (or finds it) and waits until its read model row exists. */
    open(input: Omit<DealWorkflowInput, 'policy'>, requestId?: string): Promise<DealView> {
      const workflowId = dealWorkflowId(input.opportunityId);
      return mapErrors(() =>
        client.workflow.executeUpdateWithStart(openDeal, {
          args: [{}],
          updateId: requestId ? `open:${requestId}` : undefined,
          startWorkflowOperation: new WithStartWorkflowOperation(DEAL_WORKFLOW_TYPE, {
            workflowId,
            taskQueue: options.taskQueue,
            args: [{ ...input, policy: options.policy }],
            workflowIdConflictPolicy: 'USE_EXISTING',
            typedSearchAttributes: [
              { key: DEAL_STAGE, value: 'lead' },
              { key: DEAL_OWNER, value: input.ownerId },
            ],
          }),
        }),
      );
    },

    /** Sends one machine event; `requestId` is the update id, so a retry has one effect. */
    apply(
      opportunityId: string,
      event: unknown,
      options: { requestId?: string; expectedVersion?: number; attachments?: Record<string, unknown> } = {},
    ): Promise<DealView> {
      const handle = client.workflow.getHandle(dealWorkflowId(opportunityId));
      const applied = lanes.run(opportunityId, () =>
        mapErrors(() =>
          handle.executeUpdate(applyDealEvent, {
            args: [{ event, expectedVersion: options.expectedVersion, attachments: options.attachments }],
            updateId: options.requestId,
          }),
        ),
      );
      return countTransition(event, applied);
    },

    describe(opportunityId: string): Promise<DealView> {
      return mapErrors(() => client.workflow.getHandle(dealWorkflowId(opportunityId)).query(getDeal));
    },
  };
}
export type DealGateway = ReturnType<typeof createDealGateway>;
