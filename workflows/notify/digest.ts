import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { DealActivities } from '../../activities';
import type { EmailDigestInput } from './messages';

const { planDailyDigests } = proxyActivities<DealActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** Set by the server on every run a Schedule starts: the action's time. */
const SCHEDULED_START_TIME = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/**
 * NT1: writes the day's digest email for everyone who wants one (one per person and day, so a
 * retried or repeated run writes none twice); the email dispatcher sends them.
 */
export async function emailDigestWorkflow(input: EmailDigestInput = {}): Promise<{ date: string; planned: number }> {
  const info = workflowInfo();
  const at = info.typedSearchAttributes.get(SCHEDULED_START_TIME) ?? info.startTime;
  const date = input.date ?? at.toISOString().slice(0, 10);
  const planned = await planDailyDigests({ date });
  return { date, planned };
}
