import * as handoffDb from '../db/queries/handoff';
import { ensureTask } from '../db/queries/tasks';
import type { HandoffInput, HandoffStep } from '../workflows/deal/handoff';
import type { HandoffRecords } from '../workflows/deal/messages';
import type { ActivityDeps } from './index';

type StepInput = HandoffInput & { step: HandoffStep };

const keyOf = (input: StepInput, what: string) => `${input.opportunityId}:handoff:${what}`;

/** What each handoff step ensures; every write is keyed by the deal and the step, so a retry is a no-op. */
function handoffSteps({ db, clock }: ActivityDeps): Record<HandoffStep, (input: StepInput) => Promise<unknown>> {
  /** Every record hangs off the client; ensuring it again is a cheap idempotent read. */
  const clientOf = (input: StepInput) =>
    handoffDb.ensureClient(db, {
      key: keyOf(input, 'client'),
      opportunityId: input.opportunityId,
      name: input.company,
    });
  /** A record keyed by its step that only needs the client. */
  const clientRecord =
    <T>(
      ensure: (db: ActivityDeps['db'], row: { key: string; opportunityId: string; clientId: string }) => Promise<T>,
      what: string,
    ) =>
    async (input: StepInput) =>
      ensure(db, { key: keyOf(input, what), opportunityId: input.opportunityId, clientId: (await clientOf(input)).id });
  const onboardingOwnerOf = (input: StepInput) =>
    input.deal.context.contract.onboardingOwner ?? input.deal.context.ownerId;

  return {
    client: clientOf,
    client_service: clientRecord(handoffDb.ensureClientService, 'client_service'),
    project: async (input) => {
      const client = await clientOf(input);
      return handoffDb.ensureProject(db, {
        key: keyOf(input, 'project'),
        opportunityId: input.opportunityId,
        clientId: client.id,
        name: `${input.company} delivery`,
        kickoffDate: input.deal.context.contract.kickoffDate ?? null,
        onboardingOwner: onboardingOwnerOf(input),
      });
    },
    onboarding_tasks: async (input) => {
      const contract = input.deal.context.contract;
      const task = {
        opportunityId: input.opportunityId,
        kind: 'delivery' as const,
        ownerId: onboardingOwnerOf(input),
      };
      const dueAt = contract.kickoffDate ? new Date(contract.kickoffDate) : clock();
      await ensureTask(db, {
        ...task,
        key: keyOf(input, 'task:kickoff'),
        title: `Run the kickoff with ${input.company}`,
        dueAt,
      });
      for (const [index, blocker] of (contract.launchBlockers ?? []).entries()) {
        await ensureTask(db, {
          ...task,
          key: keyOf(input, `task:blocker:${index}`),
          title: `Clear launch blocker: ${blocker}`,
          dueAt,
        });
      }
    },
    portal_user: clientRecord(handoffDb.ensurePortalUser, 'portal_user'),
    connector_account: clientRecord(handoffDb.ensureConnectorAccount, 'connector_account'),
    data_source: clientRecord(handoffDb.ensureDataSource, 'data_source'),
    reporting_baseline: clientRecord(handoffDb.ensureMetricBaseline, 'reporting_baseline'),
    onboarding_checklist: async (input) =>
      handoffDb.ensureOnboardingChecklist(db, {
        key: keyOf(input, 'onboarding_checklist'),
        opportunityId: input.opportunityId,
        ownerId: onboardingOwnerOf(input),
        launchBlockers: input.deal.context.contract.launchBlockers ?? [],
      }),
  };
}

export function createHandoffActivities(deps: ActivityDeps) {
  const { db, logger, clock } = deps;
  const steps = handoffSteps(deps);

  return {
    /** One idempotent handoff step; every attempt is recorded in automation_runs. */
    async handoffStep(input: StepInput): Promise<void> {
      const runKey = `${input.dealWorkflowId}:handoff:${input.step}`;
      try {
        await steps[input.step](input);
        await handoffDb.recordAutomationRun(db, {
          key: runKey,
          opportunityId: input.opportunityId,
          step: input.step,
          status: 'succeeded',
          detail: {},
        });
      } catch (error) {
        logger.warn(
          { err: error, step: input.step, opportunityId: input.opportunityId },
          'handoff step failed; Temporal will retry',
        );
        await handoffDb
          .recordAutomationRun(db, {
            key: `${runKey}:failed:${clock().toISOString()}`,
            opportunityId: input.opportunityId,
            step: input.step,
            status: 'failed',
            detail: { message: (error as Error).message },
          })
          .catch(() => undefined);
        throw error;
      }
    },

    async handoffRecords(input: { opportunityId: string }): Promise<HandoffRecords> {
      const records = await handoffDb.handoffRecords(db, input.opportunityId);
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
