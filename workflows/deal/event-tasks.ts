import type { DealEvent, DealState, EventTaskKind } from '../../machines/opportunity';

export interface TaskSpec {
  kind: EventTaskKind;
  title: string;
  ownerId: string;
  dueAt: string;
}

/** The tasks an accepted event promises (TK1, `EVENT_TASK_KINDS`); the review of a proposal falls to sales ops. */
export function tasksForEvent(event: DealEvent, deal: DealState, company: string): TaskSpec[] {
  const tasks: TaskSpec[] = [];
  const next = event.nextAction;
  if (next)
    tasks.push({
      kind: 'follow_up',
      title: `${company}: ${next.description}`,
      ownerId: next.ownerId,
      dueAt: next.dueAt,
    });
  const due = next?.dueAt ?? event.at;
  if (event.type === 'SUBMIT_FOR_APPROVAL') {
    tasks.push({
      kind: 'proposal_review',
      title: `Review and approve the proposal for ${company} (v${deal.context.proposal.version})`,
      ownerId: 'ops',
      dueAt: due,
    });
  }
  if (event.type === 'ACCEPT') {
    tasks.push({
      kind: 'contract_step',
      title: `Draft and send the contract to ${company}`,
      ownerId: deal.context.ownerId,
      dueAt: due,
    });
  }
  if (event.type === 'MARK_WON') {
    tasks.push({
      kind: 'onboarding_handoff',
      title: `Hand ${company} over to delivery`,
      ownerId: deal.context.contract.onboardingOwner ?? deal.context.ownerId,
      dueAt: due,
    });
  }
  return tasks;
}
