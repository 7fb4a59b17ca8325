import { defineQuery, proxyActivities, setHandler } from '@temporalio/workflow';
import type { DealActivities } from '../../activities';
import type { DealState } from '../../machines/opportunity';
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
}

const handoffProgress = defineQuery<{ done: HandoffStep[]; total: number }>('handoffProgress');

const { handoffStep, handoffRecords } = proxyActivities<DealActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds' },
});

/** Creates every delivery record of a won deal; each step is idempotent, so a crash repeats none. */
export async function handoffWorkflow(input: HandoffInput): Promise<HandoffRecords> {
  const done: HandoffStep[] = [];
  setHandler(handoffProgress, () => ({ done, total: HANDOFF_STEPS.length }));
  for (const step of HANDOFF_STEPS) {
    await handoffStep({ ...input, step });
    done.push(step);
  }
  return handoffRecords({ opportunityId: input.opportunityId });
}
