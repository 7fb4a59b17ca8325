import { randomUUID } from 'node:crypto';
import type { DealOutcome } from '../../workflows/deal/messages';
import { nextAction, stepsUpTo, type Actor, type FixtureClient, type FixtureStep } from '../../fixtures/deal-events';
import type { TestStack } from './stack';

export const REP: Actor = { id: 'rep-1', role: 'rep' };
export const OPS: Actor = { id: 'ops-1', role: 'ops' };

/** Opens a deal through its workflow and returns its id and first view. */
export async function openTestDeal(
  stack: TestStack,
  overrides: { company?: string; ownerId?: string; firstActionDueInSeconds?: number } = {},
) {
  const opportunityId = randomUUID();
  const ownerId = overrides.ownerId ?? REP.id;
  const view = await stack.deals.open({
    opportunityId,
    title: 'Lead-flow automation',
    company: overrides.company ?? `Company ${opportunityId.slice(0, 8)}`,
    ownerId,
    source: 'referral',
    createdAt: new Date().toISOString(),
    nextAction: nextAction(ownerId, {
      dueInSeconds: overrides.firstActionDueInSeconds,
      description: 'Qualify this lead',
    }),
  });
  return { opportunityId, view };
}

/** Sends events (or fixture steps with their attachments) one by one; fails loudly with the refusal if one is refused. */
export async function sendAll(
  stack: TestStack,
  opportunityId: string,
  events: (Record<string, unknown> | FixtureStep)[],
): Promise<DealOutcome> {
  let view: DealOutcome | undefined;
  for (const item of events) {
    const step = isStep(item) ? item : { event: item };
    view = await stack.deals.apply(opportunityId, step.event, {
      requestId: randomUUID(),
      attachments: step.attachments,
    });
  }
  return view!;
}

const isStep = (item: Record<string, unknown> | FixtureStep): item is FixtureStep =>
  typeof item.event === 'object' && item.event !== null && !('type' in item);

/** A new deal moved along the happy path up to `stage`. */
export async function dealAt(
  stack: TestStack,
  stage: string,
  rep: Actor = REP,
  approver: Actor = OPS,
  client?: FixtureClient,
) {
  const { opportunityId } = await openTestDeal(stack, { ownerId: rep.id });
  const view = await sendAll(stack, opportunityId, stepsUpTo(stage, rep, approver, client));
  return { opportunityId, view };
}
