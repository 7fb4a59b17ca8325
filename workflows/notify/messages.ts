import { defineSignal } from '@temporalio/workflow';

/**
 * The notification dispatchers' public surface (NT1): the worker's kicker, the Schedule and tests
 * import this, not the workflow. One dispatcher runs per channel: each webhook subscription, and email.
 */
export const NOTIFY_DISPATCH_WORKFLOW_TYPE = 'notifyDispatchWorkflow';
export const EMAIL_DIGEST_WORKFLOW_TYPE = 'emailDigestWorkflow';
/** Scheduled digest runs get ids `<this>-<action time>`. */
export const EMAIL_DIGEST_WORKFLOW_ID = 'email-digest';

export type NotifyChannel = 'email' | `webhook:${string}`;

export const webhookChannel = (subscriptionId: string): NotifyChannel => `webhook:${subscriptionId}`;
export const dispatchWorkflowId = (channel: NotifyChannel): string => `nt1-dispatch:${channel}`;

/** How deliveries are tried; every value a policy a test can set to seconds. */
export interface DispatchPolicy {
  /** One attempt's bound (WEBHOOK_ATTEMPT_TIMEOUT_SECONDS). */
  attemptTimeoutSeconds: number;
  /** The first retry's delay; each next one doubles up to the maximum interval. */
  retryInitialSeconds: number;
  retryMaxIntervalSeconds: number;
  /** How long a delivery is retried before it fails (WEBHOOK_RETRY_WINDOW_SECONDS). */
  retryWindowSeconds: number;
  /** How long a dispatcher with nothing to do waits before it ends (a wake starts it again). */
  idleSeconds: number;
  /** Emails sent at once (webhooks use their subscription's own cap). */
  emailConcurrency: number;
}

export interface DispatchInput {
  channel: NotifyChannel;
  policy: DispatchPolicy;
}

/** Something may be waiting on the channel: look again. */
export const wakeSignal = defineSignal('wake');

export interface EmailDigestInput {
  /** The digest's day (YYYY-MM-DD, UTC); default: the day of the scheduled time. */
  date?: string;
}
