import { followUpPauseReasons, type DealState, OPEN_STAGES, type Stage } from '../../machines/opportunity';

/** The few facts of the machine's context that the workflow's timers depend on. */
export interface TimerFacts {
  stage: Stage;
  open: boolean;
  ownerId: string;
  nextAction: { description: string; dueAt: string; ownerId: string } | null;
  proposalVersion: number;
  sentAt: string | null;
  decisionDeadline: string | null;
  lostAt: string | null;
  reactivateAt: string | null;
  consentGranted: boolean;
  followUpPaused: boolean;
}

export function timerFacts(deal: DealState): TimerFacts {
  const context = deal.context;
  return {
    stage: deal.stage,
    open: (OPEN_STAGES as readonly Stage[]).includes(deal.stage),
    ownerId: context.ownerId,
    nextAction: context.nextAction ?? null,
    proposalVersion: context.proposal.version,
    sentAt: context.proposal.sentAt ?? null,
    decisionDeadline: context.proposal.decisionDeadline ?? null,
    lostAt: context.lost?.lostAt ?? null,
    reactivateAt: context.lost?.reactivateAt ?? null,
    consentGranted: context.followUp.consent === 'granted',
    followUpPaused: followUpPauseReasons(context).length > 0,
  };
}
