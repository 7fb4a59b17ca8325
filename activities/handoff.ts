import { ApplicationFailure } from '@temporalio/common';
import * as handoffDb from '../db/queries/handoff';
import { handoffNotesOf } from '../db/queries/notes';
import { attachProposalRecords } from '../db/queries/proposals';
import { servicesByIds } from '../db/queries/services';
import { ensureTask } from '../db/queries/tasks';
import type { ChecklistItem } from '../db/schema';
import { NO_HANDOFF_CONTEXT, type HandoffContextFacts } from '../machines/opportunity/context';
import { HANDOFF_RECORDS, type HandoffRecord } from '../machines/opportunity/vocabulary';
import type { HandoffInput, HandoffResult, HandoffStep } from '../workflows/deal/handoff';
import type { ActivityDeps } from './index';

type StepInput = HandoffInput & { step: HandoffStep };

/** The failure type of a handoff step no retry can fix: what the deal recorded cannot be written. */
export const HANDOFF_STEP_REFUSED = 'HandoffStepRefused';

const refused = (message: string) =>
  ApplicationFailure.create({ type: HANDOFF_STEP_REFUSED, message, nonRetryable: true });

/** Keys derive from the deal, never the run: a later run of the handoff finds the rows of an earlier one. */
const keyOf = (input: StepInput, what: string) => `${input.opportunityId}:handoff:${what}`;

/** A deal won before HO1 carries no handoff context; its handoff writes what it can and reports the rest missing. */
const contextOf = (input: StepInput): HandoffContextFacts => input.deal.context.handoffContext ?? NO_HANDOFF_CONTEXT;

const onboardingOwnerOf = (input: StepInput) =>
  input.deal.context.contract.onboardingOwner ?? input.deal.context.ownerId;
const kickoffOf = (input: StepInput) => input.deal.context.contract.kickoffDate ?? null;
const of = (input: StepInput) => ({ opportunityId: input.opportunityId });

/** Every record hangs off the client; once the deal is linked, asking again is a cheap read. */
function clientOf({ db }: ActivityDeps, input: StepInput) {
  const recorded = contextOf(input).client;
  return handoffDb.ensureHandoffClient(db, {
    key: keyOf(input, 'client'),
    opportunityId: input.opportunityId,
    clientId: recorded?.clientId ?? null,
    name: recorded?.name ?? input.company,
    domain: recorded?.domain ?? null,
  });
}

/** One client service per catalogue service sold, under the service's name. */
async function clientServiceStep(deps: ActivityDeps, input: StepInput): Promise<void> {
  const client = await clientOf(deps, input);
  const sold = contextOf(input).serviceIds;
  const found = await servicesByIds(deps.db, sold);
  const unknown = sold.filter((id) => !found.some((s) => s.id === id));
  if (unknown.length > 0) throw refused(`The services sold (${unknown.join(', ')}) are not in the service catalogue`);
  const kickoff = kickoffOf(input);
  for (const service of found)
    await handoffDb.ensureClientService(deps.db, {
      ...of(input),
      key: keyOf(input, `client_service:${service.id}`),
      clientId: client.id,
      serviceId: service.id,
      name: service.name,
      startsAt: kickoff ? new Date(kickoff) : null,
    });
}

/** The delivery project, carrying the scope and line items of the approved proposal and the deal's notes for delivery. */
async function projectStep(deps: ActivityDeps, input: StepInput) {
  const client = await clientOf(deps, input);
  const approved = await handoffDb.approvedProposalContent(deps.db, input.opportunityId);
  if (!approved) throw refused('The deal has no approved or sent proposal to take the scope from');
  if (approved.scope === null) throw refused('The approved proposal has no scope text');
  const project = await handoffDb.ensureProject(deps.db, {
    ...of(input),
    key: keyOf(input, 'project'),
    clientId: client.id,
    name: `${input.company} delivery`,
    kickoffDate: kickoffOf(input),
    onboardingOwner: onboardingOwnerOf(input),
    scope: approved.scope,
    lineItems: approved.lineItems,
    handoffNotes: await handoffNotesOf(deps.db, input.opportunityId),
  });
  // S2: the proposal that sold the work points at the client and project it became.
  await attachProposalRecords(deps.db, approved.proposalId, { clientId: client.id, projectId: project.id });
  return project;
}

/** Delivery's own tasks: the kickoff and one per launch blocker, due at the kickoff. */
async function onboardingTasksStep({ db, clock }: ActivityDeps, input: StepInput): Promise<void> {
  const contract = input.deal.context.contract;
  const task = { ...of(input), kind: 'delivery' as const, ownerId: onboardingOwnerOf(input) };
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
}

async function portalUserStep(deps: ActivityDeps, input: StepInput): Promise<void> {
  const client = await clientOf(deps, input);
  for (const contact of contextOf(input).portalContacts)
    await handoffDb.ensurePortalUser(deps.db, {
      ...of(input),
      key: keyOf(input, `portal_user:${contact.email.toLowerCase()}`),
      clientId: client.id,
      email: contact.email,
      name: contact.name,
    });
}

async function connectorAccountStep(deps: ActivityDeps, input: StepInput): Promise<void> {
  const client = await clientOf(deps, input);
  for (const connector of contextOf(input).connectors)
    await handoffDb.ensureConnectorAccount(deps.db, {
      ...of(input),
      key: keyOf(input, `connector_account:${connector.connectorId}`),
      clientId: client.id,
      connectorRef: connector.connectorId,
      provider: connector.provider,
      externalAccountId: connector.accountRef,
      status: connector.access,
    });
}

async function dataSourceStep(deps: ActivityDeps, input: StepInput): Promise<void> {
  const client = await clientOf(deps, input);
  for (const source of contextOf(input).dataSources) {
    const account = await handoffDb.connectorAccountByRef(deps.db, input.opportunityId, source.connectorId);
    if (!account)
      throw refused(
        `The data source ${source.name} reads the connector ${source.connectorId}, which the deal has not recorded`,
      );
    await handoffDb.ensureDataSource(deps.db, {
      ...of(input),
      key: keyOf(input, `data_source:${source.sourceId}`),
      clientId: client.id,
      sourceRef: source.sourceId,
      kind: source.kind,
      name: source.name,
      connectorAccountId: account.id,
    });
  }
}

async function reportingBaselineStep(deps: ActivityDeps, input: StepInput) {
  const figures = contextOf(input).baseline;
  // A snapshot never changes: an empty one would stand for ever, so none is written until figures are recorded.
  if (figures.length === 0) return;
  const client = await clientOf(deps, input);
  return handoffDb.ensureMetricBaseline(deps.db, {
    ...of(input),
    key: keyOf(input, 'reporting_baseline'),
    clientId: client.id,
    values: { figures },
  });
}

async function onboardingChecklistStep({ db }: ActivityDeps, input: StepInput) {
  const project = await handoffDb.projectOfDeal(db, input.opportunityId);
  return handoffDb.ensureOnboardingChecklist(db, {
    ...of(input),
    key: keyOf(input, 'onboarding_checklist'),
    projectId: project?.id ?? null,
    ownerId: onboardingOwnerOf(input),
    items: checklistItems(input, contextOf(input)),
    launchBlockers: input.deal.context.contract.launchBlockers ?? [],
  });
}

/** What each handoff step writes from the deal's recorded context; every write is keyed, so a retry is a no-op. */
const HANDOFF_STEP_WRITES: Record<HandoffStep, (deps: ActivityDeps, input: StepInput) => Promise<unknown>> = {
  client: clientOf,
  client_service: clientServiceStep,
  project: projectStep,
  onboarding_tasks: onboardingTasksStep,
  portal_user: portalUserStep,
  connector_account: connectorAccountStep,
  data_source: dataSourceStep,
  reporting_baseline: reportingBaselineStep,
  onboarding_checklist: onboardingChecklistStep,
};

/** The onboarding checklist before the launch blockers: kickoff, then each connection, invitation and feed to check. */
function checklistItems(input: StepInput, context: HandoffContextFacts): ChecklistItem[] {
  const item = (code: string, title: string): ChecklistItem => ({ code, title, done: false });
  return [
    item('kickoff', `Run the kickoff with ${input.company}`),
    ...context.connectors.map((c) => item(`connector:${c.connectorId}`, `Connect ${c.provider} ${c.accountRef}`)),
    ...context.portalContacts.map((c) =>
      item(`portal_invitation:${c.email.toLowerCase()}`, `Invite ${c.name} (${c.email}) to the portal`),
    ),
    ...context.dataSources.map((s) => item(`data_source:${s.sourceId}`, `Check the ${s.name} feed (${s.kind})`)),
  ];
}

export function createHandoffActivities(deps: ActivityDeps) {
  const { db, logger, clock } = deps;

  return {
    /** One idempotent handoff step; every attempt is recorded in automation_runs. */
    async handoffStep(input: StepInput): Promise<void> {
      const runKey = `${input.dealWorkflowId}:handoff:${input.step}`;
      try {
        await HANDOFF_STEP_WRITES[input.step](deps, input);
        await handoffDb.recordAutomationRun(db, {
          key: runKey,
          opportunityId: input.opportunityId,
          step: input.step,
          status: 'succeeded',
          detail: {},
        });
      } catch (thrown) {
        const error = thrown instanceof handoffDb.HandoffRefusedError ? refused(thrown.message) : thrown;
        const final = error instanceof ApplicationFailure && error.nonRetryable;
        logger.warn(
          { err: error, step: input.step, opportunityId: input.opportunityId },
          final ? 'handoff step refused; ops must correct the deal' : 'handoff step failed; Temporal will retry',
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

    /** Which W1 records the deal has, judged field by field against its handoff context (HO1), and what is missing. */
    async handoffRecords(input: { opportunityId: string }): Promise<HandoffResult> {
      const checked = await handoffDb.handoffRecords(db, input.opportunityId);
      const records = Object.fromEntries(HANDOFF_RECORDS.map((r) => [r, checked[r]])) as Record<HandoffRecord, boolean>;
      return { records, missing: checked.missing };
    },

    /**
     * Publishes why the deal's handoff waits (HO1): the list on the deal's row and one open
     * ops-queue task per blocker, keyed by `taskKey`; tasks of blockers no longer listed close
     * as `unblocked`. One transaction; the same list again changes nothing.
     */
    async syncHandoffBlockers(input: {
      opportunityId: string;
      company: string;
      blockers: { code: string; ref: string | null; detail: string; taskKey: string }[];
    }): Promise<{ opened: number; closed: number }> {
      return handoffDb.syncHandoffBlockers(db, { ...input, at: clock() });
    },
  };
}
