import { DEFAULT_DEAL_POLICY, type DealPolicy } from '../workflows/deal/policy';
import type { Config } from './config';

export function policyFromConfig(config: Config): DealPolicy {
  return {
    ...DEFAULT_DEAL_POLICY,
    followUpSeconds: config.POLICY_FOLLOW_UP_SECONDS,
    followUpMax: config.POLICY_FOLLOW_UP_MAX,
    escalationGraceSeconds: config.POLICY_ESCALATION_GRACE_SECONDS,
    dormantSeconds: config.POLICY_DORMANT_SECONDS,
    autoLoseOnDeadline: config.POLICY_AUTO_LOSE_ON_DEADLINE,
    handoffReminderSeconds: config.POLICY_HANDOFF_REMINDER_SECONDS,
    handoffStepAttempts: config.POLICY_HANDOFF_STEP_ATTEMPTS,
  };
}
