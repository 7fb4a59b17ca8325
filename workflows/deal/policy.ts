/**
 * Every duration the deal workflow waits on. It travels in the workflow input, so a
 * running deal keeps the policy it started with and tests can use seconds.
 */
export interface DealPolicy {
  /** Time between proposal follow-ups after sending (T1, F1). */
  followUpSeconds: number;
  /** How many follow-ups a sent proposal gets before the decision deadline takes over. */
  followUpMax: number;
  /** Time after a missed next action before ops get an escalation task (DL1). */
  escalationGraceSeconds: number;
  /** An open deal with no activity for this long is flagged dormant. */
  dormantSeconds: number;
  /** Mark a deal lost with reason `no_decision` when its decision deadline passes. */
  autoLoseOnDeadline: boolean;
  /** Reactivation window given to a deal lost automatically. */
  autoLoseReactivationSeconds: number;
  /** While a won deal's handoff waits on a blocker, how often its onboarding owner is reminded and failed steps are tried again (HO1). */
  handoffReminderSeconds: number;
  /** Attempts of one handoff step before its failure becomes a blocker with an ops task (HO1). */
  handoffStepAttempts: number;
  /** Accepted events per run before the workflow continues as new. */
  continueAsNewAfterEvents: number;
}

export const DEFAULT_DEAL_POLICY: DealPolicy = {
  followUpSeconds: 3 * 86_400,
  followUpMax: 3,
  escalationGraceSeconds: 86_400,
  dormantSeconds: 14 * 86_400,
  autoLoseOnDeadline: false,
  autoLoseReactivationSeconds: 90 * 86_400,
  handoffReminderSeconds: 86_400,
  handoffStepAttempts: 8,
  continueAsNewAfterEvents: 1_000,
};
