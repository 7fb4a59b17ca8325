import {
  ensureClient,
  ensureClientService,
  ensureConnectorAccount,
  ensureDataSource,
  ensureMetricBaseline,
  ensureOnboardingChecklist,
  ensurePortalUser,
  ensureProject,
  handoffRecords as readHandoffRecords,
  recordAutomationRun,
} from '../db/queries/handoff';
import { ensureTask } from '../db/queries/tasks';
import type { HandoffInput, HandoffStep } from '../workflows/deal/handoff';
import type { HandoffRecords } from '../workflows/deal/messages';
import type { ActivityDeps } from './index';

type StepInput = HandoffInput & { step: HandoffStep };

export function createHandoffActivities({ db, logger, clock }: ActivityDeps) {
  const keyOf = (input: StepInput, what: string) => `${input.opportunityId}:handoff:${what}`;
  /** Every record hangs off the client; ensuring it again is a cheap idempotent read. */
  const clientOf = (input: StepInput) => ensureClient(db, { key: keyOf(input, 'client'), opportunityId: input.opportunityId, name: input.company });
  /** A record keyed by its step that only needs the client. */
  const clientRecord =
    <T>(ensure: (db: ActivityDeps['db'], row: { key: string; opportunityId: string; clientId: string }) => Promise<T>, what: string) =>
    async (input: StepInput) =>
      ensure(db, { key: keyOf(input, what), opportunityId: input.opportunityId, clientId: (await clientOf(input)).id });

  const steps: Record<HandoffStep, (input: StepInput) => Promise<unknown>> = {
    client: clientOf,
    client_service: clientRecord(ensureClientService, 'client_service'),
    project: async (input) => {
      const client = await clientOf(input);
      const contract = input.deal.context.contract;
      return ensureProject(db, {
        key: keyOf(input, 'project'),
        opportunityId: input.opportunityId,
        clientId: client.id,
        name: `${input.company} delivery`,
        kickoffDate: contract.kickoffDate ?? null,
        onboardingOwner: contract.onboardingOwner ?? input.deal.context.ownerId,
      });
    },
    onboarding_tasks: async (input) => {
      const contract = input.deal.context.contract;
      const owner = contract.onboardingOwner ?? input.deal.context.ownerId;
      const kickoff = contract.kickoffDate ? new Date(contract.kickoffDate) : clock();
      await ensureTask(db, { key: keyOf(input, 'task:kickoff'), opportunityId: input.opportunityId, kind: 'onboarding_handoff', title: `Run the kickoff with ${input.company}`, ownerId: owner, dueAt: kickoff });
      for (const [index, blocker] of (contract.launchBlockers ?? []).entries()) {
        await ensureTask(db, { key: keyOf(input, `task:blocker:${index}`), opportunityId: input.opportunityId, kind: 'onboarding_handoff', title: `Clear launch blocker: ${blocker}`, ownerId: owner, dueAt: kickoff });
      }
    },
    portal_user: clientRecord(ensurePortalUser, 'portal_user'),
    connector_account: clientRecord(ensureConnectorAccount, 'connector_account'),
    data_source: clientRecord(ensureDataSource, 'data_source'),
    reporting_baseline: clientRecord(ensureMetricBaseline, 'reporting_baseline'),
    onboarding_checklist: async (input) => {
      const contract = input.deal.context.contract;
      return ensureOnboardingChecklist(db, {
        key: keyOf(input, 'onboarding_checklist'),
        opportunityId: input.opportunityId,
        ownerId: contract.onboardingOwner ?? input.deal.context.ownerId,
        launchBlockers: contract.launchBlockers ?? [],
      });
    },
  };

  return {
    /** One idempotent handoff step; every attempt is recorded in automation_runs. */
    async handoffStep(input: StepInput): Promise<void> {
      const runKey = `${input.dealWorkflowId}:handoff:${input.step}`;
      try {
        await steps[input.step](input);
        await recordAutomationRun(db, { key: runKey, opportunityId: input.opportunityId, step: input.step, status: 'succeeded', detail: {} });
      } catch (error) {
        logger.warn({ err: error, step: input.step, opportunityId: input.opportunityId }, 'handoff step failed; Temporal will retry');
        await recordAutomationRun(db, {
          key: `${runKey}:failed:${clock().toISOString()}`,
          opportunityId: input.opportunityId,
          step: input.step,
          status: 'failed',
          detail: { message: (error as Error).message },
        }).catch(() => undefined);
        throw error;
      }
    },

    async handoffRecords(input: { opportunityId: string }): Promise<HandoffRecords> {
      const records = await readHandoffRecords(db, input.opportunityId);
      return {
        client: records.client,
        project: records.project,
        tasks: records.tasks,
        portal: records.portal,
        connectors: records.connectors,
        reporting: records.reporting,
      };
    },
  };
}
