import { ApplicationFailure, defineQuery, proxyActivities, setHandler } from '@temporalio/workflow';
import type { DealActivities } from '../../activities';
import type { DealState, HandoffRecord } from '../../machines/opportunity';
import type { HandoffRecords } from './messages';

/** The records a won deal needs before delivery owns it (W1), in the order they are made. */
export const HANDOFF_STEPS = [
  'client',
  'client_service',
  'project',
  'onboarding_tasks',
  'portal_user',
  'connector_account',
  'data_source',
  'reporting_baseline',
  'onboarding_checklist',
] as const;
export type HandoffStep = (typeof HANDOFF_STEPS)[number];

export interface HandoffInput {
  opportunityId: string;
  dealWorkflowId: string;
  company: string;
  deal: DealState;
  /** Attempts of each step before its failure ends the run (and becomes a blocker of the deal). */
  stepAttempts: number;
}

/** What the written records hold, checked field by field against the deal's handoff context (HO1). */
export interface HandoffResult {
  records: HandoffRecords;
  missing: { record: HandoffRecord; detail: string }[];
}

/** The failure a run ends with when a step cannot be done; `details[0]` names the step. */
export const HANDOFF_STEP_FAILED = 'HandoffStepFailed';
export interface HandoffStepFailure {
  step: HandoffStep;
  message: string;
}

const handoffProgress = defineQuery<{ done: HandoffStep[]; total: number }>('handoffProgress');

/** The innermost message of a failure chain: the activity's own words, not Temporal's wrapping. */
function rootMessage(error: unknown): string {
  let message = error instanceof Error ? error.message : String(error);
  for (let e = (error as { cause?: unknown })?.cause, depth = 0; e && depth < 6; depth += 1) {
    if (e instanceof Error && e.message) message = e.message;
    e = (e as { cause?: unknown }).cause;
  }
  return message;
}

/** Writes every delivery record of a won deal; each step is idempotent, so a crash or a retry repeats none. */
export async function handoffWorkflow(input: HandoffInput): Promise<HandoffResult> {
  const { handoffStep, handoffRecords } = proxyActivities<DealActivities>({
    startToCloseTimeout: '10 seconds',
    retry: {
      initialInterval: '200 milliseconds',
      backoffCoefficient: 2,
      maximumInterval: '10 seconds',
      maximumAttempts: input.stepAttempts,
    },
  });
  const done: HandoffStep[] = [];
  setHandler(handoffProgress, () => ({ done, total: HANDOFF_STEPS.length }));
  for (const step of HANDOFF_STEPS) {
    try {
      await handoffStep({ ...input, step });
    } catch (error) {
      const failure: HandoffStepFailure = { step, message: rootMessage(error) };
      throw ApplicationFailure.create({
        type: HANDOFF_STEP_FAILED,
        message: `The handoff's ${step.replace(/_/g, ' ')} step failed: ${failure.message}`,
        details: [failure],
        nonRetryable: true,
      });
    }
    done.push(step);
  }
  return handoffRecords({ opportunityId: input.opportunityId });
}
